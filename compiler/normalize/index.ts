// normalize: schema-valid config -> NMesh. Pure. Tolerates unknown references (it
// leaves them for the checks to report) and never throws on a schema-valid input.
import type * as D from "../dsl/types.ts";
import type { HttpMethod, PathMatchIR, RetryCondition, StringMatchIR } from "../ir/types.ts";
import type {
  NAction, NBackend, NCapture, NDefaults, NKubernetes, NResources, NEgress, NEndpoint, NGateway, NHeaderChanges, NMatch, NMesh, NRetries, NRoute, NRule, NService,
} from "./model.ts";
import { sameJson } from "../ir/share.ts";
import { sortInPlace } from "../ir/sort.ts";
import { rawChanges } from "../raw-diff.ts";
import { MOZILLA_INTERMEDIATE_CIPHERS, parseDuration, parseEndpoint } from "./values.ts";

type Raw = D.MeshConfig<Record<string, D.Service<string, string, string>>, Record<string, D.Gateway<Record<string, D.Service<string, string, string>>>>, string>;
type RawRoute = Raw["routes"] extends (infer R)[] | undefined ? R & Record<string, unknown> : never;

const byName = <T extends { name: string }>(a: T, b: T) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
const byKey = ([a]: [string, unknown], [b]: [string, unknown]) => (a < b ? -1 : a > b ? 1 : 0);
// Most optional maps of a route are absent or hold one entry: no copy or sort for those.
const sortedEntries = <V>(rec: Record<string, V> | undefined): [string, V][] => {
  if (rec === undefined) return [];
  const entries = Object.entries(rec);
  // Most are in order already (sortInPlace: the same list as sort, without TimSort's work arrays).
  return entries.length > 1 ? sortInPlace(entries, byKey) : entries;
};
/** The distinct values, sorted (a fresh array: callers own it). */
const sortedSet = <T extends string>(xs: readonly T[] | undefined): T[] => (xs === undefined || xs.length === 0 ? [] : xs.length === 1 ? [xs[0]!] : [...new Set(xs)].sort());
const ms = (d: string | undefined): number | null => (d === undefined ? null : parseDuration(d));
// What a route leaves out (no match, no header changes, no headers or query or methods to
// match), one object for every route: the normalized mesh is never changed once built, and
// its JSON is the same. At 1,000 services the 3,000 routes made ~30,000 empty objects and
// lists, which lived until the emit and were moved by every young-generation collection.
const NONE: never[] = [];
const NO_MATCH: NMatch = { path: null, methods: NONE, headers: NONE, query: NONE };
const NO_HEADER_CHANGES: NHeaderChanges = { set: NONE, add: NONE, remove: NONE };
const toMs = (d: string | undefined, fallback: number): number => ms(d) ?? fallback;

/** Which parts of `raw` are JSON-equal to `before`'s (all false without `before`). */
function sameParts(raw: Raw, before: Raw | null): { field(k: string): boolean; element(list: "routes" | "authorization", i: number): boolean } {
  const changes = before === null ? null : rawChanges(raw, before);
  if (changes === null) {
    // Not two objects (never for a schema-valid config): compare directly.
    const b = before as Record<string, unknown> | null;
    const r = raw as unknown as Record<string, unknown>;
    return {
      field: (k) => b !== null && sameJson(r[k], b[k]),
      element: (list, i) => b !== null && sameJson((r[list] as unknown[] | undefined)?.[i], (b[list] as unknown[] | undefined)?.[i]),
    };
  }
  // A field changed whole (within null), or changed in some of its elements or services.
  const whole = new Set<string | number>();
  const parts = new Set<string>();
  const elements = { routes: new Set<number>(), authorization: new Set<number>() };
  for (const c of changes) {
    if (c.within === null) whole.add(c.key);
    else {
      parts.add(c.within);
      if (c.within !== "services") elements[c.within].add(c.key as number);
    }
  }
  return {
    field: (k) => !whole.has(k) && !parts.has(k),
    element: (list, i) => !whole.has(list) && !elements[list].has(i),
  };
}

/** The last save's raw config and its normalization (watch mode). */
export interface LastNormalized { readonly raw: unknown; readonly mesh: NMesh }

/**
 * With `last` (watch mode), a part whose raw input and context are JSON-equal to the last
 * save's is the last save's object, not a new equal one: the services and defaults when
 * both are unchanged, and then each route and rule whose raw value at the same index is
 * unchanged (a route reads only itself, its index, the defaults and the services; a rule only
 * itself and its index). Equal inputs give equal outputs, and the IR build and the checks
 * downstream find unchanged parts by identity.
 */
export function normalize(raw: Raw, last?: LastNormalized | null): NMesh {
  const before = last ? (last.raw as Raw) : null;
  // What changed since the last save, element by element: the comparison the watched limits
  // walk already made for this pair (raw-diff.ts remembers it), not a second walk of the config.
  const same = sameParts(raw, before);
  const sameContext = before !== null && same.field("defaults") && same.field("services");
  const defaults = sameContext ? last!.mesh.defaults : normalizeDefaults(raw.defaults ?? {});
  const services = sameContext ? last!.mesh.services : sortedEntries(raw.services).map(([name, s]) => normalizeService(name, s, defaults));
  const servicesByName = new Map(services.map((s) => [s.name, s]));
  const routes: NRoute[] = [];
  const gatewayRoutes = (g: Raw["gateways"]) => Object.values(g ?? {}).reduce((n, gw) => n + gw.routes.length, 0);
  if (sameContext && same.field("gateways")) {
    for (let i = 0; i < gatewayRoutes(raw.gateways); i++) routes.push(last!.mesh.routes[i]!);
  } else {
    for (const [gwName, gw] of sortedEntries(raw.gateways)) {
      gw.routes.forEach((r, i) => routes.push(normalizeRoute(
        { ...r, from: { gateway: gwName }, name: r.name ?? `${gwName}-${i}` } as RawRoute,
        `gateways.${gwName}.routes[${i}]`, defaults, servicesByName, true)));
    }
  }
  const lastTop = before ? gatewayRoutes(before.gateways) : 0;
  (raw.routes ?? []).forEach((r, i) => routes.push(sameContext && same.element("routes", i)
    ? last!.mesh.routes[lastTop + i]!
    : normalizeRoute(r as RawRoute, `routes[${i}]`, defaults, servicesByName, false)));
  return {
    name: raw.name,
    trustDomain: raw.trustDomain,
    namespace: raw.namespace,
    targets: raw.targets ? [...new Set(raw.targets)].sort() : null,
    defaults,
    services,
    routes,
    authorization: (raw.authorization ?? []).map((r, i) => (before && same.element("authorization", i) ? last!.mesh.authorization[i]! : normalizeRule(r, i))),
    jwtProviders: sortedEntries(raw.jwtProviders).map(([name, p]) => ({
      name, issuer: p.issuer, audiences: [...(p.audiences ?? [])].sort(), jwksUri: p.jwksUri ?? null, jwksFile: p.jwksFile ?? null,
    })),
    gateways: sortedEntries(raw.gateways).map(([name, g]): NGateway => ({
      name, origin: `gateways.${name}`, port: g.port, hosts: [...g.hosts].sort(), tls: g.tls ?? true,
      rateLimit: normalizeRateLimit(g.rateLimit, `gateways.${name}.rateLimit`),
    })),
    egress: sortedEntries(raw.egress).map(([name, e]): NEgress => ({
      name, origin: `egress.${name}`, host: e.host, port: e.port, tls: e.tls ?? e.port === 443,
      addresses: endpoints(e.addresses), from: [...e.from].sort(), timeoutMs: ms(e.timeout) ?? defaults.timeoutMs,
    })),
    observability: {
      accessLog: raw.observability?.accessLog ?? true,
      metricsPort: raw.observability?.metricsPort === false ? null : raw.observability?.metricsPort ?? 15090,
      requestId: raw.observability?.requestId ?? true,
    },
    kubernetes: normalizeKubernetes(raw.kubernetes ?? {}),
  };
}

function normalizeResources(r: D.ContainerResources | undefined): NResources | null {
  if (!r) return null;
  const amounts = (a: D.ResourceAmounts | undefined) => Object.fromEntries(sortedEntries(a as Record<string, string> | undefined));
  return { requests: amounts(r.requests), limits: amounts(r.limits) };
}

function normalizeKubernetes(k: D.MeshKubernetes): NKubernetes {
  return {
    images: { envoy: k.images?.envoy ?? null, nginx: k.images?.nginx ?? null, haproxy: k.images?.haproxy ?? null, init: k.images?.init ?? null },
    imagePullPolicy: k.imagePullPolicy ?? null,
    resources: { proxy: normalizeResources(k.resources?.proxy), init: normalizeResources(k.resources?.init) },
    gatewayClassName: k.gatewayClassName ?? null,
    emitNamespace: k.emitNamespace ?? true,
  };
}

function normalizeCapture(c: D.Defaults["capture"]): NCapture | null {
  if (c === undefined || c === false) return null;
  const spec = c === true ? {} : c;
  return { proxyUid: spec.proxyUid ?? 1337, inboundPort: spec.inboundPort ?? 15006 };
}

function normalizeDefaults(d: D.Defaults): NDefaults {
  return {
    mtls: d.mtls ?? "strict",
    authorization: d.authorization ?? "deny",
    timeoutMs: ms(d.timeout) ?? 15_000,
    retries: d.retries === false ? null : normalizeRetries(d.retries ?? { attempts: 2, perTryTimeout: undefined }),
    connectTimeoutMs: toMs(d.connectTimeout, 1000),
    tls: { minVersion: d.tls?.minVersion ?? "1.2", ciphers: d.tls?.ciphers ?? [...MOZILLA_INTERMEDIATE_CIPHERS] },
    certificates: {
      keyAlgorithm: d.certificates?.keyAlgorithm ?? "ecdsa-p256",
      lifetimeMs: toMs(d.certificates?.lifetime, 2160 * 3_600_000),
      renewBeforeMs: toMs(d.certificates?.renewBefore, 360 * 3_600_000),
    },
    outboundPort: d.outboundPort ?? 15001,
    adminPort: d.adminPort ?? 15000,
    capture: normalizeCapture(d.capture),
  };
}

function normalizeRetries(r: D.Retries): NRetries {
  const on = r.on?.filter((c): c is RetryCondition => typeof c === "string");
  return {
    retries: r.attempts,
    perTryTimeoutMs: ms(r.perTryTimeout),
    on: on ? [...new Set(on)].sort() : null,
    statusCodes: [...new Set(r.on?.filter((c): c is number => typeof c === "number") ?? [])].sort((a, b) => a - b),
    idempotentOnly: r.idempotentOnly ?? true,
  };
}

const byAddress = (a: NEndpoint, b: NEndpoint) => (a.address < b.address ? -1 : a.address > b.address ? 1 : (a.port ?? 0) - (b.port ?? 0));

function endpoints(list: readonly string[] | undefined): NEndpoint[] {
  // One loop and no sort of a list in order (the usual one or two endpoints), not map, filter and sort.
  const out: NEndpoint[] = [];
  if (list === undefined) return out;
  for (let i = 0; i < list.length; i++) {
    const e = parseEndpoint(list[i]!);
    if (e !== null) out.push(e);
  }
  return sortInPlace(out, byAddress);
}

function normalizeRateLimit(r: D.RateLimit | undefined, origin: string): NService["rateLimit"] {
  return r ? { requests: r.requests, windowMs: parseDuration(r.per) ?? 1000, burst: r.burst ?? 0, origin } : null;
}

/** The ports' declared targetPorts by port name, in name order (`{}` when none declares one). */
function declaredTargetPorts(ports: readonly [string, D.PortSpec][]): Record<string, number> {
  const out: Record<string, number> = {};
  for (let i = 0; i < ports.length; i++) {
    const [n, p] = ports[i]!;
    if (p.targetPort !== undefined) out[n] = p.targetPort;
  }
  return out;
}

function normalizeService(name: string, s: D.Service<string, string, string>, defaults: NDefaults): NService {
  const origin = `services.${name}`;
  const lb = s.loadBalancing ?? "round-robin";
  const od = s.outlierDetection;
  const hc = s.healthCheck;
  const cl = s.connectionLimits;
  const ports = sortedEntries(s.ports as Record<string, D.PortSpec>);
  return {
    name, origin,
    ports: ports.map(([portName, p]) => ({
      // With capture the app keeps its own port: traffic to it is redirected into the sidecar.
      name: portName, port: p.port, targetPort: p.targetPort ?? (defaults.capture ? p.port : p.port + 10000), protocol: p.protocol, origin: `${origin}.ports.${portName}`,
    })),
    endpoints: endpoints(s.endpoints),
    selector: s.selector == null ? { app: name } : Object.fromEntries(sortedEntries(s.selector)),
    versions: sortedEntries(s.versions as Record<string, D.VersionSpec> | undefined).map(([v, spec]) => ({
      name: v, endpoints: endpoints(spec.endpoints), labels: spec.labels == null ? { version: v } : Object.fromEntries(sortedEntries(spec.labels)),
    })),
    identity: s.kubernetes?.serviceAccount ?? s.identity ?? name,
    owner: s.owner ?? null,
    loadBalancing: typeof lb === "string" ? { policy: lb } : {
      policy: "hash",
      hashOn: "header" in lb.hash ? { kind: "header", name: lb.hash.header.toLowerCase() }
        : "cookie" in lb.hash ? { kind: "cookie", name: lb.hash.cookie, ttlMs: ms(lb.hash.ttl) }
        : { kind: "source-ip" },
    },
    connectionLimits: cl ? { maxConnections: cl.maxConnections ?? null, maxPendingRequests: cl.maxPendingRequests ?? null, maxRequests: cl.maxRequests ?? null, maxRetries: cl.maxRetries ?? null } : null,
    outlierDetection: od ? { consecutive5xx: od.consecutive5xx, intervalMs: toMs(od.interval, 10_000), baseEjectionMs: toMs(od.ejectFor, 30_000), maxEjectionPercent: od.maxEjectedPercent ?? 50 } : null,
    healthCheck: hc ? { path: hc.path ?? null, intervalMs: toMs(hc.interval, 10_000), timeoutMs: toMs(hc.timeout, 1000), healthyThreshold: hc.healthyThreshold ?? 2, unhealthyThreshold: hc.unhealthyThreshold ?? 3 } : null,
    rateLimit: normalizeRateLimit(s.rateLimit, `${origin}.rateLimit`),
    mtls: s.mtls ?? defaults.mtls,
    authorization: s.authorization ?? defaults.authorization,
    jwt: s.jwt ? { provider: s.jwt.provider, required: s.jwt.required ?? true, origin: `${origin}.jwt` } : null,
    kubernetes: {
      declaredIdentity: s.identity ?? null,
      declaredTargetPorts: declaredTargetPorts(ports),
      serviceAccount: s.kubernetes?.serviceAccount ?? null,
      emitService: s.kubernetes?.emitService ?? true,
      workloadLabels: s.kubernetes?.workloadLabels == null && s.selector == null ? { app: name } : Object.fromEntries(sortedEntries(s.kubernetes?.workloadLabels ?? s.selector)),
    },
  };
}

export function normalizeStringMatch(name: string, m: D.StringMatch): StringMatchIR {
  if (typeof m === "string") return { name, kind: "exact", value: m, invert: false };
  if ("exact" in m) return { name, kind: "exact", value: m.exact, invert: false };
  if ("prefix" in m) return { name, kind: "prefix", value: m.prefix, invert: false };
  if ("regex" in m) return { name, kind: "regex", value: m.regex, invert: false };
  if ("notExact" in m) return { name, kind: "exact", value: m.notExact, invert: true };
  return { name, kind: "present", value: "", invert: false };
}

function normalizePath(p: D.PathMatch | undefined): PathMatchIR | null {
  if (!p) return null;
  if ("exact" in p) return { kind: "exact", value: p.exact };
  if ("prefix" in p) return { kind: "prefix", value: p.prefix };
  if ("stringPrefix" in p) return { kind: "string-prefix", value: p.stringPrefix };
  return { kind: "regex", value: p.regex };
}

function normalizeMatch(m: D.HttpMatch | undefined): NMatch {
  if (m == null) return NO_MATCH;
  return {
    path: normalizePath(m.path),
    methods: m.methods === undefined ? NONE : sortedSet(m.methods) as HttpMethod[],
    headers: m.headers === undefined ? NONE : sortedEntries(m.headers).map(([n, v]) => normalizeStringMatch(n.toLowerCase(), v)),
    query: m.query === undefined ? NONE : sortedEntries(m.query).map(([n, v]) => normalizeStringMatch(n, v)),
  };
}

export function normalizeHeaderChanges(h: D.HeaderChanges | undefined): NHeaderChanges {
  if (h == null) return NO_HEADER_CHANGES;
  const pairs = (rec: Record<string, string> | undefined) =>
    sortedEntries(rec).map(([name, value]) => ({ name: name.toLowerCase(), value }));
  return { set: pairs(h?.set), add: pairs(h?.add), remove: [...new Set((h?.remove ?? []).map((n) => n.toLowerCase()))].sort() };
}

function normalizeRoute(
  r: RawRoute, origin: string, defaults: NDefaults, services: ReadonlyMap<string, NService>, implicitAuthorization: boolean,
): NRoute {
  const from = r.from as string | string[] | { gateway: string };
  const sources = typeof from === "string" ? [{ kind: "service" as const, name: from }] // one caller: nothing to sort or dedupe
    : typeof from === "object" && !Array.isArray(from)
    ? [{ kind: "gateway" as const, name: from.gateway }]
    : [...new Set(from)].sort().map((name) => ({ kind: "service" as const, name }));
  const to = r.to as string;
  const dest = services.get(to);
  const port = (r.port as string | undefined) ?? (dest && dest.ports.length === 1 ? dest.ports[0]!.name : null);
  const fromLabel = sources.length === 1 ? sources[0]!.name : "many";
  let action: NAction;
  if (r.redirect) {
    const rd = r.redirect as NonNullable<D.Route<Record<string, D.Service<string, string, string>>, string>["redirect"]>;
    action = { kind: "redirect", scheme: rd.scheme ?? null, host: rd.host ?? null, port: rd.port ?? null, path: rd.path ?? null, prefix: rd.prefix ?? null, status: rd.status ?? 302 };
  } else if (r.directResponse) {
    const dr = r.directResponse as { status: number; body?: string };
    // An empty body is no body: the same response on every target (HAProxy refuses `string ""`).
    action = { kind: "direct", status: dr.status, body: dr.body ? dr.body : null };
  } else {
    action = { kind: "forward", backends: normalizeBackends(r, to) };
  }
  const rw = r.rewrite as { prefix?: string; path?: string; regex?: { pattern: string; substitution: string }; host?: string } | undefined;
  const retries = r.retries === false ? null : r.retries ? normalizeRetries(r.retries as D.Retries) : defaults.retries;
  const mirror = r.mirror as { to: string; percent?: number } | undefined;
  const fault = r.fault as D.Fault | undefined;
  return {
    name: (r.name as string | undefined) ?? `${fromLabel}-${to}-${origin.replace(/\D+/g, "")}`,
    origin, sources, to, port,
    match: normalizeMatch(r.match as D.HttpMatch | undefined),
    hostnames: r.hostnames === undefined ? NONE : sortedSet(r.hostnames as string[]),
    action,
    rewrite: rw ? { prefix: rw.prefix ?? null, path: rw.path ?? null, regex: rw.regex ?? null, host: rw.host ?? null } : null,
    timeoutMs: ms(r.timeout as string | undefined) ?? defaults.timeoutMs,
    idleTimeoutMs: ms(r.timeout as string | undefined),
    retries,
    mirror: mirror ? { service: mirror.to, percent: mirror.percent ?? 100 } : null,
    fault: fault ? {
      delay: fault.delay ? { durationMs: parseDuration(fault.delay.fixed) ?? 0, percent: fault.delay.percent } : null,
      abort: fault.abort ? { status: fault.abort.status, percent: fault.abort.percent } : null,
    } : null,
    requestHeaders: normalizeHeaderChanges(r.requestHeaders as D.HeaderChanges | undefined),
    responseHeaders: normalizeHeaderChanges(r.responseHeaders as D.HeaderChanges | undefined),
    implicitAuthorization,
  };
}

function normalizeBackends(r: RawRoute, to: string): NBackend[] {
  if (Array.isArray(r.backends)) {
    return (r.backends as { service: string; version?: string; weight: number }[])
      .map((b) => ({ service: b.service, subset: b.version ?? null, weight: b.weight }));
  }
  if (r.split && typeof r.split === "object") {
    return Object.entries(r.split as Record<string, number>).map(([subset, weight]) => ({ service: to, subset, weight }));
  }
  return [{ service: to, subset: null, weight: 100 }];
}

function normalizeRule(r: D.AuthorizationRule<Record<string, D.Service<string, string, string>>>, i: number): NRule {
  const action = "allow" in r ? "allow" : "deny";
  const m = ("allow" in r ? r.allow : r.deny) as D.AuthorizationMatch<Record<string, D.Service<string, string, string>>>;
  const to = m.to as string;
  return {
    name: r.name ?? `${action}-${to}-${i}`,
    origin: `authorization[${i}]`,
    action,
    from: m.from === "*" ? null : [...new Set(m.from as string[])].sort(),
    to,
    methods: m.methods === undefined ? NONE : sortedSet(m.methods) as HttpMethod[],
    // `/api/*` is a string prefix ("/api/"): the `*` says "anything after", element-wise or not.
    paths: m.paths === undefined ? NONE : m.paths.map((p): PathMatchIR => (p.endsWith("*") ? { kind: "string-prefix", value: p.slice(0, -1) } : { kind: "exact", value: p })),
    headers: m.headers === undefined ? NONE : sortedEntries(m.headers).map(([n, v]) => normalizeStringMatch(n.toLowerCase(), v)),
  };
}
