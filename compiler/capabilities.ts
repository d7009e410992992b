// The capability check: which features the IR uses (and where the user asked for them),
// against what each selected target declares. Gaps are reported before emitting, so
// emitters carry no "unsupported" branches and nothing is dropped silently.
import { coreCodes } from "./diagnostics/codes.ts";
import { diagnostic } from "./diagnostics/define.ts";
import type { Diagnostic } from "./diagnostics/types.ts";
import type { MeshIR, ProxyIR, RetryCondition } from "./ir/types.ts";
import { FEATURES, type Feature, type Target } from "./target.ts";

export interface FeatureUse { readonly feature: Feature; readonly origin: string }

const GRPC_CONDITIONS: readonly RetryCondition[] = ["cancelled", "deadline-exceeded", "internal", "resource-exhausted", "unavailable"];

/** `cache` (watch mode): each proxy's uses by identity, for proxies shared with the last run (ir/share.ts). */
/**
 * Watch mode's memory of the feature scan between saves: each proxy's uses by the proxy
 * object (an unchanged proxy is the last run's object), the last uses by proxy name (a
 * rebuilt proxy whose uses are equal keeps the old list, so it counts as unchanged), and the
 * last merged result with the per-proxy lists it came from: when every list is the same,
 * the merged, sorted result is too.
 */
export interface FeatureCache {
  readonly byProxy: WeakMap<ProxyIR, readonly FeatureUse[]>;
  readonly byName: Map<string, readonly FeatureUse[]>;
  last: { readonly parts: readonly (readonly FeatureUse[])[]; readonly uses: FeatureUse[] } | null;
}

export const createFeatureCache = (): FeatureCache => ({ byProxy: new WeakMap(), byName: new Map(), last: null });

const sameUses = (a: readonly FeatureUse[], b: readonly FeatureUse[]) => a.length === b.length && a.every((u, i) => u.feature === b[i]!.feature && u.origin === b[i]!.origin);

/** One proxy's uses: from the cache when the proxy is the last run's object (or its uses are equal to the last ones). */
function proxyUses(proxy: ProxyIR, cache?: FeatureCache): readonly FeatureUse[] {
  let found = cache?.byProxy.get(proxy);
  if (!found) {
    found = collectProxyFeatures(proxy);
    const before = cache?.byName.get(proxy.name);
    if (before && sameUses(before, found)) found = before;
    cache?.byProxy.set(proxy, found);
  }
  cache?.byName.set(proxy.name, found);
  return found;
}

const byOriginThenFeature = (a: FeatureUse, b: FeatureUse) => (a.origin < b.origin ? -1 : a.origin > b.origin ? 1 : a.feature < b.feature ? -1 : 1);

export function collectFeatures(ir: MeshIR, cache?: FeatureCache): FeatureUse[] {
  const parts = ir.proxies.map((proxy) => proxyUses(proxy, cache));
  const last = cache?.last;
  if (last && last.parts.length === parts.length && parts.every((p, i) => p === last.parts[i])) return [...last.uses];
  const uses = new Map<string, FeatureUse>();
  for (const found of parts) for (const u of found) uses.set(`${u.feature}\0${u.origin}`, u);
  const sorted = [...uses.values()].sort(byOriginThenFeature);
  if (cache) cache.last = { parts, uses: [...sorted] };
  return sorted;
}

/**
 * `wanted` (a compile without watch mode's cache): only the uses of these features, the rest
 * never built. Most features are fully supported by every selected target, and building each
 * use's origin string for all 20,000 uses of 1,000 services was most of this stage.
 */
function collectProxyFeatures(proxy: ProxyIR, wanted?: ReadonlyMap<Feature, unknown>): FeatureUse[] {
  // A plain list: a use found twice (subset clusters of one service) is merged by the callers.
  const uses: FeatureUse[] = [];
  // The origin as `at` + `suffix`, concatenated only for a use that is kept.
  const use = (feature: Feature, at: string, suffix = "") => {
    if (wanted === undefined || wanted.has(feature)) uses.push({ feature, origin: suffix === "" ? at : at + suffix });
  };
  if (proxy.observability.accessLog) use("observability.access-log", "observability.accessLog");
  if (proxy.observability.metricsPort !== null) use("observability.metrics", "observability.metricsPort");
  if (proxy.observability.requestId) use("observability.request-id", "observability.requestId");
  for (const l of proxy.listeners) {
    if (l.tls?.mode === "strict") use("inbound.mtls.strict", l.origin);
    if (l.tls?.mode === "permissive") use("inbound.mtls.permissive", l.origin);
    if (l.tls?.mode === "server-only") use("gateway.tls", l.origin);
    if (l.rateLimit) use("inbound.rate-limit", l.rateLimit.origin);
    for (const rule of l.authorization?.rules ?? []) {
      if (rule.principals) use("inbound.authz.principal", rule.origin);
      if (rule.methods.length) use("inbound.authz.method", rule.origin);
      if (rule.paths.length) use("inbound.authz.path", rule.origin);
      if (rule.headers.length) use("inbound.authz.header", rule.origin);
    }
    if (l.kind === "tcp") { if (l.direction === "outbound") use("route.tcp", l.origin); continue; }
    if (l.jwt) use("inbound.jwt", l.jwt.origin);
    for (const vh of l.virtualHosts) for (const r of vh.routes) {
      const o = r.origin;
      const m = r.match;
      if (m.path) use(`route.match.path.${m.path.kind}`, o, ".match.path");
      if (m.methods.length) use("route.match.method", o, ".match.methods");
      if (m.headers.length) use("route.match.header", o, ".match.headers");
      if (m.query.length) use("route.match.query", o, ".match.query");
      if (m.hostnames?.length) use("route.match.hostnames", o, ".hostnames");
      if (r.requestHeaders.set.length + r.requestHeaders.add.length + r.requestHeaders.remove.length) use("route.headers.request", o, ".requestHeaders");
      if (r.responseHeaders.set.length + r.responseHeaders.add.length + r.responseHeaders.remove.length) use("route.headers.response", o, ".responseHeaders");
      const a = r.action;
      if (a.kind === "redirect") { use("route.redirect", o, ".redirect"); continue; }
      if (a.kind === "direct") { use("route.direct-response", o, ".directResponse"); continue; }
      if (a.backends.length > 1) use("route.split", o);
      if (a.rewrite?.prefix) use("route.rewrite.prefix", o, ".rewrite.prefix");
      if (a.rewrite?.path) use("route.rewrite.path", o, ".rewrite.path");
      if (a.rewrite?.regex) use("route.rewrite.regex", o, ".rewrite.regex");
      if (a.rewrite?.host) use("route.rewrite.host", o, ".rewrite.host");
      if (a.mirror) use("route.mirror", o, ".mirror");
      if (a.timeoutMs !== null && l.direction === "outbound") use("route.timeout", o, ".timeout");
      if (a.retries) {
        use("route.retries", o, ".retries");
        if (a.retries.perTryTimeoutMs !== null) use("route.retries.per-try-timeout", o, ".retries.perTryTimeout");
        if (a.retries.on.some((c) => GRPC_CONDITIONS.includes(c))) use("route.retries.grpc-conditions", o, ".retries.on");
        if (a.retries.idempotentOnly) use("route.retries.idempotent-only", o, ".retries.idempotentOnly");
      }
      if (a.fault?.delay) use("route.fault.delay", o, ".fault.delay");
      if (a.fault?.abort) use("route.fault.abort", o, ".fault.abort");
    }
  }
  for (const c of proxy.clusters) {
    if (c.kind === "local") continue;
    // Traffic policy is declared on the service, whichever subset cluster carries it.
    const policy = c.kind === "mesh" ? `services.${c.service}` : c.origin;
    const lb = c.loadBalancing;
    use(lb.policy === "hash" ? `lb.hash.${lb.hashOn.kind}` : `lb.${lb.policy}`, policy, ".loadBalancing");
    if (c.connectionLimits) use("cluster.connection-limits", policy, ".connectionLimits");
    if (c.outlierDetection) use("cluster.outlier-detection", policy, ".outlierDetection");
    if (c.healthCheck) use("cluster.health-check", policy, ".healthCheck");
    if (c.discovery === "dns") use("cluster.dns-discovery", c.origin, c.kind === "egress" ? "" : ".endpoints");
    if (c.tls?.mode === "origination") use("egress.tls-origination", c.origin);
    if (c.tls?.mode === "mesh" && c.tls.peerSpiffeIds.length > 0) use("upstream.peer-identity", policy);
  }
  return uses;
}

/**
 * The uses a diagnostic can come from, sorted as collectFeatures sorts: every use of a feature
 * some target lacks ("none": each is reported), and the first use of a feature some target
 * only partly supports (said once, at its first use). Most features are fully supported by
 * every selected target, so the 20,000 uses of 1,000 services are neither merged nor sorted.
 */
function usesToReport(ir: MeshIR, targets: readonly Target[], cache?: FeatureCache): FeatureUse[] {
  const gap = new Map<Feature, "none" | "partial">();
  for (const target of targets) {
    for (const feature of FEATURES) {
      const s = target.capabilities[feature];
      if (s.support === "none") gap.set(feature, "none");
      else if (s.support === "partial" && !gap.has(feature)) gap.set(feature, "partial");
    }
  }
  if (gap.size === 0) return [];
  const every = new Map<Feature, Map<string, FeatureUse>>();
  const first = new Map<Feature, FeatureUse>();
  for (const proxy of ir.proxies) {
    // Watch mode keeps every use of a proxy (its cache serves the next save's targets too).
    for (const u of cache ? proxyUses(proxy, cache) : collectProxyFeatures(proxy, gap)) {
      const kind = gap.get(u.feature);
      if (kind === "none") {
        const seen = every.get(u.feature);
        if (!seen) every.set(u.feature, new Map([[u.origin, u]]));
        else if (!seen.has(u.origin)) seen.set(u.origin, u);
      } else if (kind === "partial") {
        const now = first.get(u.feature);
        if (!now || u.origin < now.origin) first.set(u.feature, u);
      }
    }
  }
  const out = [...first.values()];
  for (const seen of every.values()) out.push(...seen.values());
  return out.sort(byOriginThenFeature);
}

export function checkCapabilities(ir: MeshIR, targets: readonly Target[], cache?: FeatureCache): Diagnostic[] {
  const uses = usesToReport(ir, targets, cache);
  const out: Diagnostic[] = [];
  const noted = new Set<string>();
  for (const target of targets) {
    for (const { feature, origin } of uses) {
      const s = target.capabilities[feature];
      if (s.support === "none") {
        out.push(diagnostic(s.security ? coreCodes.unsupportedSecurity : coreCodes.unsupportedFeature, {
          message: `${target.name} cannot express ${feature}${s.security ? "; its output would not enforce it" : "; its output leaves it out"}`,
          path: origin, hint: s.hint,
        }));
      } else if (s.support === "partial" && !noted.has(`${target.name}\0${feature}`)) {
        // A difference in meaning is the target's, not the route's: said once per feature.
        noted.add(`${target.name}\0${feature}`);
        out.push(diagnostic(coreCodes.partialFeature, { message: `${target.name} expresses ${feature} with a difference: ${s.note}`, path: origin, hint: `see targets/${target.name}/README.md` }));
      }
    }
  }
  return out;
}
