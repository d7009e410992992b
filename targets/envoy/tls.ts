// TLS contexts. Downstream: what an inbound listener or gateway presents and whether it
// asks for a client certificate. Upstream: what a proxy presents to its peer and how it
// checks that the peer is the SPIFFE identity the IR expects.
import type { ServerCertificateIR, ServerTlsIR, TlsVersion, UpstreamTlsIR } from "../../compiler/ir/types.ts";
import { buildTypedConfig, FILTER_NAMES, tlsVersionName, TYPES, type Json } from "./format.ts";
import type { SharedSubtrees } from "./shared.ts";

/** The same parameters on most chains and clusters of a mesh: shared. */
function sharedTlsParams(shared: SharedSubtrees, minVersion: TlsVersion, ciphers: readonly string[]): Json {
  return shared.of("tls-params", `${minVersion}\u0000${ciphers.join(":")}`, () => buildTlsParams(minVersion, ciphers));
}

/** ALPN lists: three values in all. */
function sharedAlpn(shared: SharedSubtrees, alpn: readonly string[]): readonly string[] {
  return shared.of("alpn", alpn.join(","), () => [...alpn]);
}

function buildTlsParams(minVersion: TlsVersion, ciphers: readonly string[]): Json {
  return {
    tls_minimum_protocol_version: tlsVersionName(minVersion),
    // Envoy's client default maximum is TLS 1.2: without this a 1.3-only peer fails.
    tls_maximum_protocol_version: "TLSv1_3",
    ...(ciphers.length > 0 ? { cipher_suites: [...ciphers] } : {}),
  };
}

function buildCertificate(certFile: string, keyFile: string): Json {
  return { certificate_chain: { filename: certFile }, private_key: { filename: keyFile } };
}

/** ALPN: HTTP/2 listeners offer h2 first so gRPC clients negotiate it; plain HTTP offers HTTP/1.1 only. */
export function alpnFor(protocol: "http" | "http2" | "grpc" | "tcp"): string[] {
  if (protocol === "tcp") return [];
  return protocol === "http" ? ["http/1.1"] : ["h2", "http/1.1"];
}

/**
 * The transport socket of one downstream filter chain. The client certificate is verified
 * against the mesh CA whenever one is configured (strict and permissive); only strict
 * refuses a handshake without one. Who may call is RBAC's job, not the handshake's.
 */
export function buildDownstreamTransportSocket(shared: SharedSubtrees, tls: ServerTlsIR, certificate: ServerCertificateIR, alpn: readonly string[]): Json {
  const caFile = tls.clientCaFile;
  // Members added in place, not spread (a runtime call in V8's baseline tier, where a cold compile builds these).
  const common: Record<string, unknown> = {
    tls_params: sharedTlsParams(shared, tls.minVersion, tls.ciphers),
    tls_certificates: [buildCertificate(certificate.certFile, certificate.keyFile)],
  };
  if (caFile !== null) common.validation_context = shared.of("client-ca", caFile, () => ({ trusted_ca: { filename: caFile } }));
  if (alpn.length > 0) common.alpn_protocols = sharedAlpn(shared, alpn);
  const context: Record<string, unknown> = { common_tls_context: common };
  if (tls.mode === "strict") context.require_client_certificate = true;
  return { name: FILTER_NAMES.tlsSocket, typed_config: buildTypedConfig(TYPES.downstreamTls, context) };
}

/**
 * Mesh mode presents the proxy's own certificate and accepts only the listed SPIFFE IDs
 * (URI SAN). Origination verifies the external host's DNS name against the given CA, or
 * the system trust store when the IR names none.
 */
export function buildUpstreamTransportSocket(shared: SharedSubtrees, tls: UpstreamTlsIR, alpn: readonly string[]): Json {
  const sanMatchers = tls.mode === "mesh"
    ? tls.peerSpiffeIds.map((id) => ({ san_type: "URI", matcher: { exact: id } }))
    : tls.sni !== null ? [{ san_type: "DNS", matcher: { exact: tls.sni } }] : [];
  // Members added in place, not spread (a runtime call in V8's baseline tier, where a cold compile builds these).
  const validation: Record<string, unknown> = tls.caFile !== null ? { trusted_ca: { filename: tls.caFile } } : { system_root_certs: {} };
  if (sanMatchers.length > 0) validation.match_typed_subject_alt_names = sanMatchers;
  const common: Record<string, unknown> = { tls_params: sharedTlsParams(shared, tls.minVersion, tls.ciphers) };
  if (tls.certFile !== null && tls.keyFile !== null) common.tls_certificates = [buildCertificate(tls.certFile, tls.keyFile)];
  common.validation_context = validation;
  if (alpn.length > 0) common.alpn_protocols = sharedAlpn(shared, alpn);
  const context: Record<string, unknown> = { common_tls_context: common };
  if (tls.sni !== null) context.sni = tls.sni;
  return { name: FILTER_NAMES.tlsSocket, typed_config: buildTypedConfig(TYPES.upstreamTls, context) };
}
