// One HTTP/HTTPS request with everything a mesh test varies: method, headers, body, a
// client certificate, the CA to trust, SNI. No connection reuse (agent: false), so each
// request is judged on its own; network failures come back as values, not exceptions.
import { request as httpRequest, type IncomingHttpHeaders } from "node:http";
import { request as httpsRequest } from "node:https";

export interface ClientRequest {
  readonly url: string;
  readonly method?: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
  /** PEM client certificate and key, for mTLS. */
  readonly cert?: string;
  readonly key?: string;
  /** PEM CA to trust; without it the server certificate is not verified (tests use dev CAs). */
  readonly ca?: string;
  /** SNI and name checked against the server certificate; defaults to the URL's host. */
  readonly servername?: string;
  readonly timeoutMs?: number;
}

export interface ClientResponse {
  /** 0 when no HTTP answer arrived (see `error`). */
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  readonly elapsedMs: number;
  /** Network or TLS error code/message, or null. */
  readonly error: string | null;
}

function tlsOptions(req: ClientRequest): Record<string, unknown> {
  // Node asserts on keys present with `undefined`, so only set what the test gave.
  const options: Record<string, unknown> = { rejectUnauthorized: req.ca !== undefined };
  if (req.cert !== undefined) options.cert = req.cert;
  if (req.key !== undefined) options.key = req.key;
  if (req.ca !== undefined) options.ca = req.ca;
  if (req.servername !== undefined) options.servername = req.servername;
  // Without an expected name, trust the CA but do not match the certificate to the URL's IP.
  else options.checkServerIdentity = () => undefined;
  return options;
}

export function send(req: ClientRequest): Promise<ClientResponse> {
  const url = new URL(req.url);
  const started = performance.now();
  const isTls = url.protocol === "https:";
  const options = {
    method: req.method ?? "GET",
    headers: { ...(req.headers ?? {}), ...(req.body !== undefined ? { "content-length": String(Buffer.byteLength(req.body)) } : {}) },
    agent: false as const,
    timeout: req.timeoutMs ?? 10_000,
    ...(isTls ? tlsOptions(req) : {}),
  };
  return new Promise((resolve) => {
    const done = (status: number, headers: IncomingHttpHeaders, body: string, error: string | null) =>
      resolve({ status, headers, body, elapsedMs: performance.now() - started, error });
    const outgoing = (isTls ? httpsRequest : httpRequest)(url, options, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => { body += chunk; });
      res.on("end", () => done(res.statusCode ?? 0, res.headers, body, null));
      res.on("error", (err) => done(res.statusCode ?? 0, res.headers, body, err.message));
    });
    outgoing.on("timeout", () => outgoing.destroy(new Error("client timeout")));
    outgoing.on("error", (err: NodeJS.ErrnoException) => done(0, {}, "", err.code ?? err.message));
    if (req.body !== undefined) outgoing.write(req.body);
    outgoing.end();
  });
}

/** Sends `count` requests, `concurrency` at a time, and returns the answers in order. */
export async function sendMany(count: number, make: (i: number) => ClientRequest, concurrency = 8): Promise<ClientResponse[]> {
  const results: ClientResponse[] = new Array(count);
  let next = 0;
  const worker = async () => {
    while (next < count) { const i = next++; results[i] = await send(make(i)); }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return results;
}
