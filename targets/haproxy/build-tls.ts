// TLS on binds (downstream) and servers (upstream).
//
// HAProxy's `crt` wants the certificate and its key in one PEM file (2.6 would otherwise
// look for `<crt>.key`, e.g. `cert.pem.key`, which the mesh's `<identity>/key.pem` layout
// never has). The IR names the certificate and the key separately, so this target reads a
// bundle next to the certificate: `cert.pem` -> `cert.bundle.pem`,
// `hosts/shop-example-com.crt` -> `hosts/shop-example-com.bundle.pem`, holding the chain
// followed by the key (cert-manager's `additionalOutputFormats: CombinedPEM`, or
// `cat cert.pem key.pem`). See README.md.
import type { ClusterIR, ListenerIR, ServerTlsIR, TlsVersion, UpstreamTlsIR } from "../../compiler/ir/types.ts";
import type { BuildContext } from "./context.ts";
import { combinedPemPath } from "../../compiler/ir/paths.ts";
import type { BindTlsView, BindView, PermissiveDispatchView, RelayView, ServerTlsView } from "./view.ts";
import { nameWord, textWord, tokenWord } from "./words.ts";

/** The cert+key bundle HAProxy loads for a certificate file. */
export const bundlePath = combinedPemPath;

const tlsVersion = (v: TlsVersion): "TLSv1.2" | "TLSv1.3" => (v === "1.3" ? "TLSv1.3" : "TLSv1.2");

function buildBindTls(ctx: BuildContext, tls: ServerTlsIR, protocol: string, origin: string): BindTlsView {
  // The default certificate (no SNI names) goes first: HAProxy serves the first `crt` when no SAN matches.
  const ordered = [...tls.certificates.filter((c) => c.serverNames.length === 0), ...tls.certificates.filter((c) => c.serverNames.length > 0)];
  const verify = tls.mode === "strict" ? "required" : tls.mode === "permissive" ? "optional" : "none";
  return {
    certificates: ordered.map((c) => ctx.check(textWord(bundlePath(c.certFile)), `${origin}.tls`, "certificate file")),
    caFile: verify === "none" || tls.clientCaFile === null ? null : ctx.check(textWord(tls.clientCaFile), `${origin}.tls`, "client CA file"),
    verify: tls.clientCaFile === null ? "none" : verify,
    minVersion: tlsVersion(tls.minVersion),
    ciphers: ctx.checkShared(tls.ciphers, "ciphers", () => textWord(tls.ciphers.join(":")), `${origin}.tls.ciphers`, "ciphers"),
    alpn: protocol === "tcp" ? null : protocol === "http" ? "http/1.1" : "h2,http/1.1",
  };
}

/** Envoy's default listener filter timeout: how long tls_inspector waits for the first bytes before closing. */
export const PERMISSIVE_INSPECT_DELAY_MS = 15_000;

/** Where a listener's inner binds live: the abstract-socket names are unique per network namespace. */
export interface BindScope {
  /** The proxy's admin port: one running config per port on 127.0.0.1, so unique among the configs of a namespace. */
  readonly adminPort: number;
  /** The listener's index in its proxy: unique within the config. */
  readonly index: number;
  /** Idle timeout of the relay hop of a permissive listener (never shorter than the inner frontend's). */
  readonly relayTimeoutMs: number;
}

export interface ListenerBinds {
  readonly binds: BindView[];
  readonly dispatch: PermissiveDispatchView | null;
}

/**
 * A listener's binds. Permissive mTLS cannot be one bind (HAProxy 2.6 decides TLS per
 * bind), so the public address gets a dispatcher and the frontend two inner binds over
 * abstract sockets, `accept-proxy` so `src` stays the client's: one with TLS, client
 * certificate optional (a certificate that does not verify is refused in the handshake),
 * one plain. A plain-text peer has no ssl_c_* sample, so principal ACLs never match it.
 */
export function buildBinds(ctx: BuildContext, listener: ListenerIR, scope: BindScope): ListenerBinds {
  const protocol = listener.kind === "http" ? listener.protocol : "tcp";
  const address = ctx.check(nameWord(`${listener.address}:${listener.port}`), listener.origin, "listen address");
  const h2c = protocol === "http2" || protocol === "grpc";
  const tls = listener.tls ? buildBindTls(ctx, listener.tls, protocol, listener.origin) : null;
  if (listener.tls?.mode !== "permissive") return { binds: [{ address, internal: false, tls, h2c: tls === null && h2c }], dispatch: null };
  const name = (suffix: string) => ctx.check(nameWord(`permissive.${listener.name}${suffix}`), listener.origin, "listener name");
  const socket = (kind: string) => nameWord(`meshc.${scope.adminPort}.${scope.index}.${kind}`);
  const relay = (kind: "tls" | "plain"): RelayView => ({ backend: name(`.${kind}`), socket: socket(kind) });
  return {
    binds: [
      { address: socket("tls"), internal: true, tls, h2c: false },
      { address: socket("plain"), internal: true, tls: null, h2c },
    ],
    dispatch: {
      name: name(""), address, inspectDelayMs: PERMISSIVE_INSPECT_DELAY_MS,
      timeoutMs: scope.relayTimeoutMs, tls: relay("tls"), plain: relay("plain"),
    },
  };
}

/**
 * Mesh mode presents the proxy's bundle and verifies the peer against the mesh CA and
 * the SNI name: HAProxy 2.6 cannot check a peer's URI SAN, so `verifyhost` checks the
 * DNS SAN the certificate manifest gives each identity instead.
 */
export function buildServerTls(ctx: BuildContext, cluster: ClusterIR): ServerTlsView | null {
  const tls: UpstreamTlsIR | null = cluster.tls;
  if (tls === null) return null;
  const origin = `${cluster.origin}.tls`;
  const sni = tls.sni === null ? null : ctx.check(tokenWord(tls.sni), origin, "SNI");
  return {
    certificate: tls.mode === "mesh" && tls.certFile !== null ? ctx.check(textWord(bundlePath(tls.certFile)), origin, "certificate file") : null,
    caFile: tls.caFile === null ? null : ctx.check(textWord(tls.caFile), origin, "CA file"),
    verifyHost: sni, sni,
    minVersion: tlsVersion(tls.minVersion),
    ciphers: ctx.checkShared(tls.ciphers, "ciphers", () => textWord(tls.ciphers.join(":")), `${origin}.ciphers`, "ciphers"),
    alpnH2: cluster.protocol === "http2" || cluster.protocol === "grpc",
  };
}

/** Every file the config reads at start-up: what must exist for `haproxy -c` and at run time. */
export function collectCertificateFiles(listeners: readonly ListenerIR[], clusters: readonly ClusterIR[]): { bundles: string[]; cas: string[] } {
  const bundles = new Set<string>();
  const cas = new Set<string>();
  for (const l of listeners) {
    for (const c of l.tls?.certificates ?? []) bundles.add(bundlePath(c.certFile));
    if (l.tls?.clientCaFile) cas.add(l.tls.clientCaFile);
  }
  for (const c of clusters) {
    if (c.tls?.mode === "mesh" && c.tls.certFile) bundles.add(bundlePath(c.tls.certFile));
    if (c.tls?.caFile) cas.add(c.tls.caFile);
  }
  return { bundles: [...bundles].sort(), cas: [...cas].sort() };
}
