// Free TCP ports on 127.0.0.1 for proxies and upstreams under test. The kernel picks an
// unused ephemeral port; we release it and hand out the number. A small race remains
// (another process could grab it), so callers start their listeners promptly.
import { createServer } from "node:net";

function reservePort(): Promise<{ port: number; release: () => Promise<void> }> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      if (address === null || typeof address === "string") return reject(new Error("no TCP address"));
      resolve({ port: address.port, release: () => new Promise((done) => server.close(() => done())) });
    });
  });
}

/** `count` distinct free high ports. All are held until every one is found, so none repeats. */
export async function freePorts(count: number): Promise<number[]> {
  const held = [];
  for (let i = 0; i < count; i++) held.push(await reservePort());
  await Promise.all(held.map((h) => h.release()));
  return held.map((h) => h.port);
}

export async function freePort(): Promise<number> {
  const [port] = await freePorts(1);
  return port;
}
