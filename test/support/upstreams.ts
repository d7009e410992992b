// Small HTTP(S) servers on 127.0.0.1 standing in for services behind a proxy. Each
// answers with its name (body and `x-upstream` header), records what it received, and
// can be told to fail or stall, so tests can assert routing, retries and timeouts by
// counting hits rather than trusting the proxy's word.
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";

export interface ReceivedRequest {
  readonly method: string;
  /** Path and query as the upstream saw them (after any proxy rewrite). */
  readonly url: string;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: string;
  /** Client certificate subject when the upstream runs TLS and one was sent. */
  readonly peerSubject: string | null;
}

export interface Upstream {
  readonly name: string;
  readonly port: number;
  /** Requests received, in arrival order (failed and delayed ones included). */
  readonly requests: readonly ReceivedRequest[];
  hits(): number;
  /** The next `count` requests get `status` (503 by default) instead of the normal answer. */
  failNext(count: number, status?: number): void;
  /** The next `count` requests (all when count is Infinity) wait `ms` before answering. */
  delayNext(ms: number, count?: number): void;
  /** Forgets received requests and pending failures/delays. */
  reset(): void;
  close(): Promise<void>;
}

export interface UpstreamOptions {
  readonly name: string;
  /** 0 or absent: a free port chosen by the kernel. */
  readonly port?: number;
  /** Serve TLS; with `ca` + `requestCert` it asks for (and records) a client certificate. */
  readonly tls?: { readonly cert: string; readonly key: string; readonly ca?: string; readonly requestCert?: boolean };
}

export async function startUpstream(options: UpstreamOptions): Promise<Upstream> {
  const requests: ReceivedRequest[] = [];
  let failures: { count: number; status: number } = { count: 0, status: 503 };
  let delay: { count: number; ms: number } = { count: 0, ms: 0 };

  const answer = (req: IncomingMessage, res: ServerResponse, body: string) => {
    const socket = req.socket as IncomingMessage["socket"] & { getPeerCertificate?: () => { subject?: Record<string, string> } };
    const peer = socket.getPeerCertificate?.();
    const peerSubject = peer?.subject ? Object.entries(peer.subject).map(([k, v]) => `${k}=${v}`).join(",") : null;
    requests.push({ method: req.method ?? "", url: req.url ?? "", headers: { ...req.headers }, body, peerSubject });
    let status = 200;
    if (failures.count > 0) { failures = { ...failures, count: failures.count - 1 }; status = failures.status; }
    let wait = 0;
    if (delay.count > 0) { delay = { ...delay, count: delay.count - 1 }; wait = delay.ms; }
    const respond = () => {
      if (res.destroyed) return;
      res.writeHead(status, { "content-type": "text/plain", "x-upstream": options.name });
      res.end(status === 200 ? options.name : `${options.name} ${status}`);
    };
    if (wait > 0) setTimeout(respond, wait); else respond();
  };
  const handler = (req: IncomingMessage, res: ServerResponse) => {
    let body = "";
    req.setEncoding("utf8");
    req.on("data", (chunk: string) => { body += chunk; });
    req.on("end", () => answer(req, res, body));
  };

  const server: Server = options.tls
    ? createHttpsServer({ cert: options.tls.cert, key: options.tls.key, ca: options.tls.ca, requestCert: options.tls.requestCert ?? false, rejectUnauthorized: false }, handler)
    : createHttpServer(handler);
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("upstream has no TCP address");

  return {
    name: options.name,
    port: address.port,
    requests,
    hits: () => requests.length,
    failNext: (count, status = 503) => { failures = { count, status }; },
    delayNext: (ms, count = Infinity) => { delay = { count, ms }; },
    reset: () => { requests.length = 0; failures = { count: 0, status: 503 }; delay = { count: 0, ms: 0 }; },
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

/** Starts several upstreams; the result is keyed by name. */
export async function startUpstreams(names: readonly string[]): Promise<Map<string, Upstream>> {
  const started = new Map<string, Upstream>();
  for (const name of names) started.set(name, await startUpstream({ name }));
  return started;
}

export async function closeAll(upstreams: Iterable<Upstream>): Promise<void> {
  await Promise.all([...upstreams].map((u) => u.close()));
}
