// The forward action of a route: where requests go (weighted clusters, hash policy) and
// how they get there (rewrite, timeout, retries, mirror, fault).
import type { ForwardActionIR, HashKeyIR, PathMatchIR, RetryCondition, RetryPolicyIR, RouteIR } from "../../compiler/ir/types.ts";
import { prefixRewriteRegex } from "../../compiler/ir/path-prefix.ts";
import { escapeRe2 } from "./matchers.ts";
import { ENVOY_CODES } from "./codes.ts";
import { report, type ProxyContext } from "./context.ts";
import { buildFractionalPercent, buildTypedConfig, FILTER_NAMES, formatDuration, TYPES, type Json } from "./format.ts";

/** IR retry conditions are named after Envoy's, HTTP (`retry_on`) and gRPC (`grpc-on`) alike. */
const RETRY_ON: Record<RetryCondition, string> = {
  "5xx": "5xx", "gateway-error": "gateway-error", "reset": "reset", "connect-failure": "connect-failure",
  "retriable-4xx": "retriable-4xx", "refused-stream": "refused-stream", "cancelled": "cancelled",
  "deadline-exceeded": "deadline-exceeded", "internal": "internal", "resource-exhausted": "resource-exhausted",
  "unavailable": "unavailable",
};

/** Methods safe to send twice (RFC 9110 idempotent methods). */
const IDEMPOTENT_METHODS = "GET|HEAD|OPTIONS|PUT|DELETE|TRACE";

/** Most routes of a mesh retry alike: one policy object per distinct IR policy (the key is all of it). */
function sharedRetryPolicy(ctx: ProxyContext, retries: RetryPolicyIR): Json {
  const key = `${retries.on.join(",")}\u0000${retries.retries}\u0000${retries.perTryTimeoutMs}\u0000${retries.statusCodes.join(",")}\u0000${retries.idempotentOnly}`;
  return ctx.shared.of("retry-policy", key, () => buildRetryPolicy(retries));
}

export function buildRetryPolicy(retries: RetryPolicyIR): Json {
  const on = retries.on.map((c) => RETRY_ON[c]);
  if (retries.statusCodes.length > 0) on.push("retriable-status-codes");
  return {
    retry_on: on.join(","),
    num_retries: retries.retries,
    ...(retries.perTryTimeoutMs !== null ? { per_try_timeout: formatDuration(retries.perTryTimeoutMs) } : {}),
    ...(retries.statusCodes.length > 0 ? { retriable_status_codes: [...retries.statusCodes] } : {}),
    // Envoy retries only requests carrying all of these headers: here, an idempotent :method.
    ...(retries.idempotentOnly
      ? { retriable_request_headers: [{ name: ":method", string_match: { safe_regex: { regex: IDEMPOTENT_METHODS } } }] }
      : {}),
  };
}

function buildHashPolicy(key: HashKeyIR): Json {
  switch (key.kind) {
    case "header": return { header: { header_name: key.name } };
    case "cookie": return { cookie: { name: key.name, ...(key.ttlMs !== null ? { ttl: formatDuration(key.ttlMs) } : {}) } };
    case "source-ip": return { connection_properties: { source_ip: true } };
  }
}

/**
 * Envoy hashes on the route, while the IR puts the hash key on the cluster: the route
 * carries the keys of the ring-hash clusters it targets (non-hash clusters ignore them).
 */
function collectHashPolicies(ctx: ProxyContext, route: RouteIR, action: ForwardActionIR): Json[] {
  const keys = new Map<string, HashKeyIR>();
  for (const backend of action.backends) {
    const lb = ctx.clusters.get(backend.cluster)?.loadBalancing;
    if (lb?.policy === "hash") keys.set(JSON.stringify(lb.hashOn), lb.hashOn);
  }
  if (keys.size > 1) {
    report(ctx, ENVOY_CODES.hashPolicyMerged, route.origin,
      `route ${route.name} splits across ring-hash clusters with different keys; Envoy hashes on all of them`,
      "give the clusters of one route the same hash key");
  }
  return [...keys.values()].map(buildHashPolicy);
}

function buildClusterSpecifier(action: ForwardActionIR): Record<string, unknown> {
  if (action.backends.length === 1) return { cluster: action.backends[0].cluster };
  return { weighted_clusters: { clusters: action.backends.map((b) => ({ name: b.cluster, weight: b.weight })) } };
}

/**
 * Replacing the matched prefix: after a string prefix, Envoy's own prefix_rewrite; after an
 * element-wise prefix, Gateway API's slash rules as one regex_rewrite (prefix_rewrite
 * would turn `/strip` + "/" into `//three`). The same fields exist on routes and redirects.
 */
export function buildPrefixReplacement(match: PathMatchIR | null, replacement: string): Json {
  if (match?.kind !== "prefix") return { prefix_rewrite: replacement };
  const { pattern, before } = prefixRewriteRegex(match.value, replacement, escapeRe2);
  return { regex_rewrite: { pattern: { regex: pattern }, substitution: `${before}\\1` } };
}

function buildRewrite(route: RouteIR, action: ForwardActionIR): Json {
  const rewrite = action.rewrite;
  if (rewrite === null) return {};
  return {
    ...(rewrite.prefix !== null ? buildPrefixReplacement(route.match.path, rewrite.prefix) : {}),
    ...(rewrite.path != null ? { regex_rewrite: { pattern: { regex: "^/.*$" }, substitution: rewrite.path } } : {}),
    ...(rewrite.regex !== null ? { regex_rewrite: { pattern: { regex: rewrite.regex.pattern }, substitution: rewrite.regex.substitution } } : {}),
    ...(rewrite.host !== null ? { host_rewrite_literal: rewrite.host } : {}),
  };
}

export function buildForwardAction(ctx: ProxyContext, route: RouteIR, action: ForwardActionIR): Json {
  const hashPolicies = collectHashPolicies(ctx, route, action);
  // Members added in place to the cluster specifier (made for this route), not spread from
  // temporary objects: one action per route of every proxy, built in V8's baseline tier.
  const out: Record<string, unknown> = buildClusterSpecifier(action);
  if (action.rewrite !== null) Object.assign(out, buildRewrite(route, action));
  // Envoy's default route timeout is 15 s; the IR's null means no deadline, which is "0s".
  out.timeout = action.timeoutMs === null ? "0s" : formatDuration(action.timeoutMs);
  if (action.retries !== null) out.retry_policy = sharedRetryPolicy(ctx, action.retries);
  if (action.mirror !== null) {
    out.request_mirror_policies = [{ cluster: action.mirror.cluster, runtime_fraction: { default_value: buildFractionalPercent(action.mirror.percent) } }];
  }
  if (hashPolicies.length > 0) out.hash_policy = hashPolicies;
  return out;
}

/** Per-route fault config; the listener's fault filter itself is empty and injects nothing. */
export function buildFaultPerFilterConfig(action: ForwardActionIR): Json | null {
  const fault = action.fault;
  if (fault === null || (fault.delay === null && fault.abort === null)) return null;
  return {
    [FILTER_NAMES.fault]: buildTypedConfig(TYPES.fault, {
      ...(fault.delay !== null
        ? { delay: { fixed_delay: formatDuration(fault.delay.durationMs), percentage: buildFractionalPercent(fault.delay.percent) } }
        : {}),
      ...(fault.abort !== null
        ? { abort: { http_status: fault.abort.status, percentage: buildFractionalPercent(fault.abort.percent) } }
        : {}),
    }),
  };
}
