// How a location reaches its clusters: proxy or gRPC module, the upstream (or a weighted
// split_clients choice of upstreams), upstream TLS, and the retry/timeout directives.
import type { ClusterIR, RetryCondition, RetryPolicyIR, UpstreamTlsIR, WeightedClusterIR } from "../../../compiler/ir/types.ts";
import { NGINX_CODES } from "../codes.ts";
import { literal, rendered, template, type NginxValue, type TemplatePart } from "../escape.ts";
import { formatDuration, type ViewCache, type ViewContext } from "./context.ts";
import { upstreamName } from "./upstream.ts";
import type { PassView, UpstreamTlsView } from "./types.ts";

// Envoy's meaning of each condition in proxy_next_upstream terms. `timeout` covers
// connect and read timeouts alike (nginx cannot tell them apart for retries).
const CONDITION_MAP: Readonly<Record<RetryCondition, readonly string[]>> = {
  "5xx": ["error", "timeout", "http_500", "http_502", "http_503", "http_504"],
  "gateway-error": ["error", "timeout", "http_502", "http_503", "http_504"],
  "reset": ["error", "timeout"],
  "connect-failure": ["error", "timeout"],
  "refused-stream": ["error"],
  "retriable-4xx": [],
  // gRPC conditions read grpc-status, which nginx cannot: capability "none".
  "cancelled": [], "deadline-exceeded": [], "internal": [], "resource-exhausted": [], "unavailable": [],
};
const SYSTEM_CA_BUNDLE = "/etc/ssl/certs/ca-certificates.crt";
const RETRYABLE_STATUS = new Set([500, 502, 503, 504, 403, 404, 429]);
const CONDITION_ORDER = ["error", "timeout", "invalid_header", "http_500", "http_502", "http_503", "http_504", "http_403", "http_404", "http_429"];

// Every route with retries asks for one of a few condition lists: the conditions as bits of
// CONDITION_ORDER (plus one for non_idempotent), each list built once per emit (ViewCache).
const conditionBit = (condition: string) => { const i = CONDITION_ORDER.indexOf(condition); return i < 0 ? 0 : 1 << i; };
const CONDITION_BITS = Object.fromEntries(Object.entries(CONDITION_MAP).map(([c, names]) => [c, names.reduce((bits, n) => bits | conditionBit(n), 0)])) as Readonly<Record<RetryCondition, number>>;
const NON_IDEMPOTENT_BIT = 1 << CONDITION_ORDER.length;
const OFF: readonly string[] = ["off"];

export function buildNextUpstream(ctx: ViewContext, retries: RetryPolicyIR | null, path: string): readonly string[] {
  if (retries === null || retries.retries === 0) return OFF;
  let bits = 0;
  for (const condition of retries.on) bits |= CONDITION_BITS[condition];
  if (retries.on.includes("retriable-4xx")) {
    ctx.report(NGINX_CODES.retryStatusUnsupported, `${path}.on`, "retriable-4xx (409) cannot be retried by nginx", "retry on 5xx or use Envoy/HAProxy");
  }
  for (const status of retries.statusCodes) {
    if (RETRYABLE_STATUS.has(status)) bits |= conditionBit(`http_${status}`);
    else ctx.report(NGINX_CODES.retryStatusUnsupported, `${path}.statusCodes`, `nginx cannot retry on status ${status}`);
  }
  if (bits === 0) return OFF;
  if (!retries.idempotentOnly) bits |= NON_IDEMPOTENT_BIT;
  let list = ctx.cache.nextUpstream.get(bits);
  if (list === undefined) {
    list = CONDITION_ORDER.filter((c) => (bits & conditionBit(c)) !== 0);
    if (bits & NON_IDEMPOTENT_BIT) list.push("non_idempotent");
    ctx.cache.nextUpstream.set(bits, list);
  }
  return list;
}

function protocolsFrom(min: "1.2" | "1.3"): string {
  return min === "1.2" ? "TLSv1.2 TLSv1.3" : "TLSv1.3";
}

/** Cipher list as one OpenSSL string; names are user-supplied, so checked and quoted. */
export function buildCiphers(ctx: ViewContext, ciphers: readonly string[], path: string): NginxValue {
  // Every cluster and listener of the mesh holds the same list: checked and joined once per emit.
  const known = ctx.cache.ciphers.get(ciphers);
  if (known !== undefined) return known;
  const bad = ciphers.find((c) => !/^[A-Za-z0-9_+!@=.-]+$/.test(c));
  if (bad !== undefined) ctx.report(NGINX_CODES.invalidCipher, path, `cipher ${JSON.stringify(bad)} is not an OpenSSL cipher name`);
  // The error above stops the bundle; the placeholder only keeps the view well-formed.
  if (bad !== undefined || ciphers.length === 0) return literal("HIGH:!aNULL");
  // Rendered once with the list (a few hundred characters every TLS location prints).
  const joined = rendered(literal(ciphers.join(":")));
  ctx.cache.ciphers.set(ciphers, joined);
  return joined;
}

function optionalFile(ctx: ViewContext, file: string | null, path: string): NginxValue | null {
  return file === null ? null : ctx.checkLiteral(file, path, "file path");
}

export function buildUpstreamTls(ctx: ViewContext, tls: UpstreamTlsIR, path: string): UpstreamTlsView {
  return {
    certificate: optionalFile(ctx, tls.certFile, `${path}.certFile`),
    certificateKey: optionalFile(ctx, tls.keyFile, `${path}.keyFile`),
    // nginx has no "system trust store" setting: without a CA file it would not verify the
    // peer at all, so origination to the public internet uses the Debian/Ubuntu bundle.
    trusted: optionalFile(ctx, tls.caFile ?? SYSTEM_CA_BUNDLE, `${path}.caFile`),
    // The peer is verified by name against the trusted CA: the certificate manifest puts
    // the SNI name (`<svc>.<ns>.svc.cluster.local`) in every mesh identity's DNS SANs.
    serverName: tls.sni === null ? null : ctx.checkHost(tls.sni, `${path}.sni`, "SNI"),
    protocols: protocolsFrom(tls.minVersion),
    ciphers: buildCiphers(ctx, tls.ciphers, `${path}.ciphers`),
  };
}

/** nginx sets TLS and the module per location (per stream server), so every cluster of one must agree on both. */
export function sameWire(cache: ViewCache, a: ClusterIR, b: ClusterIR): boolean {
  if (a === b) return true; // every single-target route compares its cluster with itself
  if ((a.protocol === "grpc") !== (b.protocol === "grpc")) return false;
  // Each caller's clusters hold TLS objects of their own: compared in place, as their JSON
  // texts would compare, without making the texts; the texts only when that cannot tell.
  return sameJson(a.tls, b.tls) ?? tlsText(cache, a.tls) === tlsText(cache, b.tls);
}

/** What JSON.stringify makes of `value`, when it is certain: null for undefined, functions, symbols, bigints, non-finite numbers, toJSON and objects neither plain nor arrays. */
function jsonKind(value: unknown): "string" | "number" | "boolean" | "null" | "array" | "object" | null {
  switch (typeof value) {
    case "string": return "string";
    case "boolean": return "boolean";
    case "number": return Number.isFinite(value) ? "number" : null;
    case "object": {
      if (value === null) return "null";
      if ("toJSON" in value) return null;
      if (Array.isArray(value)) return "array";
      return Object.getPrototypeOf(value) === Object.prototype ? "object" : null;
    }
    default: return null;
  }
}

/**
 * Whether JSON.stringify(a) === JSON.stringify(b), decided without making the texts; null
 * when this cannot tell (see jsonKind; or objects whose keys differ, as JSON leaves out an
 * undefined member). JSON values are self-delimiting and each kind starts its own way, so
 * two arrays of one length, or two objects with the same keys in the same order, give the
 * same text exactly when each pair of members does.
 */
export function sameJson(a: unknown, b: unknown): boolean | null {
  const kind = jsonKind(a);
  const other = jsonKind(b);
  if (kind === null || other === null) return null;
  if (kind !== other) return false;
  if (kind === "array") {
    const x = a as readonly unknown[], y = b as readonly unknown[];
    if (x.length !== y.length) return false;
    let unsure = false;
    for (let i = 0; i < x.length; i++) {
      const same = sameJson(x[i], y[i]);
      if (same === false) return false;
      if (same === null) unsure = true;
    }
    return unsure ? null : true;
  }
  if (kind === "object") {
    const keys = Object.keys(a as object);
    const otherKeys = Object.keys(b as object);
    if (keys.length !== otherKeys.length) return null;
    for (let i = 0; i < keys.length; i++) if (keys[i] !== otherKeys[i]) return null;
    let unsure = false;
    for (const key of keys) {
      const same = sameJson((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key]);
      if (same === false) return false;
      if (same === null) unsure = true;
    }
    return unsure ? null : true;
  }
  return a === b;
}

/** A cluster's upstream TLS as JSON, made once per TLS object per emitter (each split compared it again in every proxy). */
function tlsText(cache: ViewCache, tls: ClusterIR["tls"]): string {
  if (tls === null) return "null";
  let text = cache.tlsTexts.get(tls);
  if (text === undefined) cache.tlsTexts.set(tls, (text = JSON.stringify(tls)));
  return text;
}

/** The same wire but for the peer's name: the SNI (and the identities it stands for) may differ per service. */
function sameWireButName(a: ClusterIR, b: ClusterIR): boolean {
  const unnamed = (c: ClusterIR) => c.tls && { ...c.tls, sni: null, peerSpiffeIds: [], peerSubjects: [] };
  return (a.protocol === "grpc") === (b.protocol === "grpc") && JSON.stringify(unnamed(a)) === JSON.stringify(unnamed(b));
}

/**
 * The pass settings for clusters chosen by `upstream` (a fixed name or a split variable).
 * A split across services whose upstream TLS differs only in the verified name gets
 * `proxy_ssl_name` from a map over the chosen upstream (the directive takes a variable).
 */
export function buildPass(ctx: ViewContext, clusters: readonly ClusterIR[], splitVariable: string | null, connectTimeoutMs: number, path: string): PassView | null {
  // One cluster, no split: a pure function of the cluster and the timeout (the checks only
  // report), so the routes to one service reuse the first one's view when it reported nothing.
  const only = splitVariable === null && clusters.length === 1 ? clusters[0]! : null;
  const known = only && ctx.passes.get(only);
  if (known && known.connectTimeoutMs === connectTimeoutMs) return known.view;
  const reported = ctx.diagnostics.length;
  const view = buildPassView(ctx, clusters, splitVariable, connectTimeoutMs, path);
  if (only && view && ctx.diagnostics.length === reported) ctx.passes.set(only, { connectTimeoutMs, view });
  return view;
}

function buildPassView(ctx: ViewContext, clusters: readonly ClusterIR[], splitVariable: string | null, connectTimeoutMs: number, path: string): PassView | null {
  const first = clusters[0];
  if (first === undefined) return null;
  // Compared once: each comparison of two clusters serializes their TLS settings.
  const same = clusters.every((c) => sameWire(ctx.cache, first, c));
  const perName = splitVariable !== null && !same && clusters.every((c) => sameWireButName(first, c));
  if (!perName && !same) {
    ctx.report(NGINX_CODES.splitBackendsDiffer, path, "the split's clusters differ in protocol or upstream TLS");
    return null;
  }
  const module = first.protocol === "grpc" ? "grpc" : "proxy";
  const scheme = module === "grpc" ? (first.tls ? "grpcs://" : "grpc://") : (first.tls ? "https://" : "http://");
  const host = splitVariable === null ? { text: upstreamName(first.name) } : { variable: splitVariable };
  const tls = first.tls ? buildUpstreamTls(ctx, first.tls, `${first.origin}.tls`) : null;
  if (perName && tls) {
    const names = clusters.map((c) => (c.tls?.sni ? ctx.checkHost(c.tls.sni, `${c.origin}.tls.sni`, "SNI") : null));
    if (names.some((n) => n === null)) return null;
    const variable = ctx.addMap({ source: template({ variable: splitVariable! }), variable: `${splitVariable}_ssl_name`,
      entries: clusters.map((c, i) => ({ key: { kind: "regex" as const, pattern: upstreamName(c.name), prefix: "" as const }, value: names[i]! })),
      fallback: names[0]! });
    return { module, url: template({ text: scheme }, host), tls: { ...tls, serverName: template({ variable }) }, connectTimeout: formatDuration(connectTimeoutMs) };
  }
  return { module, url: template({ text: scheme }, host), tls, connectTimeout: formatDuration(connectTimeoutMs) };
}

/**
 * A weighted choice between upstreams. `key` must differ for every request (HTTP:
 * $request_id) or connection (stream): split_clients hashes it, so each one draws anew.
 */
export function buildSplitVariable(ctx: ViewContext, variable: string, backends: readonly WeightedClusterIR[], key: readonly TemplatePart[]): string | null {
  const weighted = backends.filter((b) => b.weight > 0);
  if (weighted.length <= 1) return null;
  const buckets = weighted.map((b, i) => ({
    share: i === weighted.length - 1 ? "*" : `${b.weight}%`,
    value: literal(upstreamName(b.cluster)),
  }));
  return ctx.addSplit({ key: template(...key, { text: variable }), variable, buckets });
}
