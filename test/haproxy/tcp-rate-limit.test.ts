// A rate limit on a TCP service is enforced by HAProxy on connections, as Envoy's TCP
// local rate limit does: past the limit a new connection is closed before it reaches the app.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { readFileSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { connect } from "node:tls";
import { join } from "node:path";
import { compile } from "../../compiler/testing.ts";
import { combinedPemPath } from "../../compiler/ir/paths.ts";
import { freePorts } from "../support/ports.ts";
import { writeMeshPki } from "../support/pki.ts";
import { makeTempPrefix, startHaproxy } from "../support/procs.ts";
import { writeHaproxyProxy } from "../support/haproxy-files.ts";

function echoOnce(port: number, cert: { cert: string; key: string; ca: string }): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port, ...cert, servername: "db.t.svc.cluster.local", rejectUnauthorized: false }, () => socket.write("ping\n"));
    let data = "";
    socket.on("data", (d) => { data += d; if (data.includes("\n")) socket.end(); });
    socket.on("close", () => resolve(data));
    socket.on("error", () => resolve(data));
    socket.setTimeout(3000, () => socket.destroy());
  });
}

test("connections past a TCP service's rate limit are refused", async () => {
  const [port, app, admin] = await freePorts(3);
  const prefix = makeTempPrefix("hap-tcp-rl");
  const mesh = {
    name: "t", trustDomain: "t.example.com", namespace: "t",
    defaults: { adminPort: admin },
    observability: { metricsPort: false },
    services: {
      web: { ports: { http: { port: 8080, protocol: "http" } }, endpoints: ["127.0.0.1"] },
      db: { ports: { pg: { port, protocol: "tcp", targetPort: app } }, endpoints: ["127.0.0.1"], rateLimit: { requests: 3, per: "10s" } },
    },
    authorization: [{ name: "web-db", allow: { from: ["web"], to: "db" } }],
  };
  const r = await compile(mesh, { targets: ["haproxy"], runtime: { certDir: join(prefix.dir, "certs"), runDir: join(prefix.dir, "run"), logDir: join(prefix.dir, "logs") } });
  assert.equal(r.errors, [], JSON.stringify(r.diagnostics));
  const certs = join(prefix.dir, "certs");
  await writeMeshPki(certs, r.ir!.infra.identities);
  for (const id of ["web", "db"]) {
    const dir = join(certs, id);
    writeFileSync(combinedPemPath(join(dir, "cert.pem")), `${readFileSync(join(dir, "cert.pem"), "utf8").trimEnd()}\n${readFileSync(join(dir, "key.pem"), "utf8").trimEnd()}\n`);
  }
  const configFile = writeHaproxyProxy(prefix.dir, r.files, "db");
  let accepted = 0;
  const server: Server = createServer((s) => { accepted++; s.on("data", (d) => s.write(d)); s.on("error", () => {}); });
  await new Promise<void>((done) => server.listen(app, "127.0.0.1", done));
  const proxy = await startHaproxy({ prefix: prefix.dir, configFile, readyPorts: [port] });
  try {
    const cert = { cert: readFileSync(join(certs, "web", "cert.pem"), "utf8"), key: readFileSync(join(certs, "web", "key.pem"), "utf8"), ca: readFileSync(join(certs, "ca.pem"), "utf8") };
    const answers: string[] = [];
    for (let i = 0; i < 6; i++) answers.push(await echoOnce(port, cert));
    assert.equal(answers.slice(0, 3), ["ping\n", "ping\n", "ping\n"]);
    assert.equal(answers.slice(3), ["", "", ""]);
    assert.is(accepted, 3, "the application saw only the admitted connections");
  } finally {
    await proxy.stop();
    await new Promise((done) => server.close(done));
    prefix.remove();
  }
});

test.run();
