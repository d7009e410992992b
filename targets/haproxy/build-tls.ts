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
import type { BindTlsView, BindView, ServerTlsView } from "./view.ts";
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
    ciphers: ctx.check(textWord(tls.ciphers.join(":")), `${origin}.tls.ciphers`, "ciphers"),
    alpn: protocol === "tcp" ? null : protocol === "http" ? "http/1.1" : "h2,http/1.1",
  };
}

export function buildBind(ctx: BuildContext, listener: ListenerIR): BindView {
  const protocol = listener.kind === "http" ? listener.protocol : "tcp";
  return {
    address: ctx.check(nameWord(`${listener.address}:${listener.port}`), listener.origin, "listen address"),
    tls: listener.tls ? buildBindTls(ctx, listener.tls, protocol, listener.origin) : null,
    h2c: listener.tls === null && (protocol === "http2" || protocol === "grpc"),
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
    ciphers: ctx.check(textWord(tls.ciphers.join(":")), `${origin}.ciphers`, "ciphers"),
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
