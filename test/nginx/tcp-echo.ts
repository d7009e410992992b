// Echo servers and a one-shot TCP/TLS client for the nginx stream tests. Everything on
// 127.0.0.1; every wait bounded; servers record each connection (and the TLS peer's subject).
import { connect as netConnect, createServer as createNetServer, type Server, type Socket } from "node:net";
import { connect as tlsConnect, createServer as createTlsServer, type TLSSocket } from "node:tls";

export interface EchoServer {
  readonly name: string;
  readonly port: number;
  /** Connections accepted (after the TLS handshake for TLS servers). */
  connections(): number;
  /** Subject CN of each TLS peer, in order. */
  peers(): string[];
  reset(): void;
  close(): Promise<void>;
}

export async function startEcho(options: { name: string; port: number; tls?: { cert: string; key: string; ca: string } }): Promise<EchoServer> {
  let connections = 0;
  let peers: string[] = [];
  const sockets = new Set<Socket>();
  const onSocket = (socket: Socket) => {
    connections++;
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => socket.destroy());
    socket.pipe(socket);
  };
  const server: Server = options.tls
    ? createTlsServer({ cert: options.tls.cert, key: options.tls.key, ca: options.tls.ca, requestCert: true, rejectUnauthorized: true }, (socket: TLSSocket) => {
      const cn = socket.getPeerCertificate().subject?.CN;
      peers.push(Array.isArray(cn) ? cn.join(",") : String(cn));
      onSocket(socket);
    })
    : createNetServer(onSocket);
  server.on("tlsClientError", () => { /* a refused handshake: not a connection */ });
  await new Promise<void>((resolve, reject) => { server.once("error", reject); server.listen(options.port, "127.0.0.1", () => resolve()); });
  return {
    name: options.name, port: options.port,
    connections: () => connections,
    peers: () => [...peers],
    reset: () => { connections = 0; peers = []; },
    close: () => new Promise((resolve) => { for (const s of sockets) s.destroy(); server.close(() => resolve()); }),
  };
}

export interface Exchange {
  /** Everything received before the peer closed, `expect` bytes arrived, or the timeout. */
  readonly received: Buffer;
  /** The peer closed (or reset) the connection. */
  readonly closed: boolean;
  readonly error: string | null;
  readonly elapsedMs: number;
}

export interface ExchangeOptions {
  readonly port: number;
  readonly send: Buffer;
  /** Stop once this many bytes arrived (default: send.length). */
  readonly expect?: number;
  readonly timeoutMs?: number;
  /** Connect with TLS (a client certificate is optional). */
  readonly tls?: { cert?: string; key?: string; ca: string; servername: string };
}

/** One connection: send the bytes, read until `expect` bytes, close or timeout. */
export function exchange(options: ExchangeOptions): Promise<Exchange> {
  const started = performance.now();
  const expect = options.expect ?? options.send.length;
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const socket: Socket = options.tls
      ? tlsConnect({ host: "127.0.0.1", port: options.port, ca: options.tls.ca, servername: options.tls.servername,
        ...(options.tls.cert ? { cert: options.tls.cert, key: options.tls.key } : {}) }, () => socket.write(options.send))
      : netConnect({ host: "127.0.0.1", port: options.port }, () => socket.write(options.send));
    const finish = (closed: boolean, error: string | null) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ received: Buffer.concat(chunks), closed, error, elapsedMs: performance.now() - started });
    };
    const timer = setTimeout(() => finish(false, "timeout"), options.timeoutMs ?? 5000);
    socket.on("data", (chunk: Buffer) => {
      chunks.push(chunk);
      size += chunk.length;
      if (size >= expect) finish(false, null);
    });
    socket.on("end", () => finish(true, null));
    socket.on("close", () => finish(true, null));
    socket.on("error", (e: NodeJS.ErrnoException) => finish(true, e.code ?? e.message));
  });
}
