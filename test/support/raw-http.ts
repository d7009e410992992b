// Raw HTTP/1.1 over TLS (node:tls) or TCP (node:net): the request bytes go on the wire
// exactly as the test wrote them, so nothing is normalized on the client side (no URL
// parsing, no header folding or de-duplication). One request a connection, `Connection:
// close`; every wait is bounded, and failures come back as values.
import { connect as netConnect, type Socket } from "node:net";
import { connect as tlsConnect } from "node:tls";

export interface RawTarget {
  readonly port: number;
  /** TLS when set: the CA the server certificate must chain to (verification is on). */
  readonly ca?: string;
  readonly servername?: string;
  /** Client certificate and key (mTLS). */
  readonly cert?: string;
  readonly key?: string;
  readonly timeoutMs?: number;
}

export interface RawResponse {
  /** 0: no HTTP answer (TLS refused, reset, timeout: see `error`). */
  readonly status: number;
  /** Header names lowercased; every copy kept, in order. */
  readonly headers: Readonly<Record<string, readonly string[]>>;
  readonly body: string;
  readonly error: string | null;
}

/**
 * `METHOD TARGET HTTP/1.1`, then the header lines as given (names, spacing, tabs, repeats:
 * all verbatim), `Connection: close`, an empty line, and the body.
 */
export function rawRequest(method: string, target: string, headerLines: readonly string[], body = ""): string {
  const lines = [`${method} ${target} HTTP/1.1`, ...headerLines, "Connection: close"];
  if (body.length > 0) lines.push(`Content-Length: ${Buffer.byteLength(body)}`);
  return `${lines.join("\r\n")}\r\n\r\n${body}`;
}

function parse(raw: string, error: string | null): RawResponse {
  const end = raw.indexOf("\r\n\r\n");
  const head = end < 0 ? raw : raw.slice(0, end);
  const [statusLine = "", ...lines] = head.split("\r\n");
  const m = /^HTTP\/1\.[01] (\d{3})/.exec(statusLine);
  const headers: Record<string, string[]> = {};
  for (const line of lines) {
    const colon = line.indexOf(":");
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    (headers[name] ??= []).push(line.slice(colon + 1).trim());
  }
  return { status: m ? Number(m[1]) : 0, headers, body: end < 0 ? "" : raw.slice(end + 4), error: m ? null : error ?? "no HTTP status line" };
}

/** Sends `request` (from rawRequest, or hand-made bytes) and reads until the server closes. */
export function sendRaw(target: RawTarget, request: string): Promise<RawResponse> {
  return new Promise((resolve) => {
    let raw = "";
    let error: string | null = null;
    let socket: Socket;
    const opts = { host: "127.0.0.1", port: target.port };
    if (target.ca !== undefined) {
      const tlsOpts: Record<string, unknown> = { ...opts, ca: target.ca, servername: target.servername ?? "localhost" };
      if (target.cert !== undefined) tlsOpts.cert = target.cert;
      if (target.key !== undefined) tlsOpts.key = target.key;
      socket = tlsConnect(tlsOpts, () => socket.write(request));
    } else {
      socket = netConnect(opts, () => socket.write(request));
    }
    socket.setEncoding("latin1");
    socket.setTimeout(target.timeoutMs ?? 5000, () => { error = "timeout"; socket.destroy(); });
    socket.on("data", (chunk: string) => { raw += chunk; });
    socket.on("error", (e: NodeJS.ErrnoException) => { error ??= e.code ?? e.message; });
    socket.on("close", () => resolve(parse(raw, error)));
  });
}
