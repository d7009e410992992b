// Authorization rules no routed request can match. A rule on service D only ever sees what
// the mesh delivers to D: the paths and methods of the routes into it (as rewritten), any
// request from a caller that gets the default route, and the health check. The shop's
// deny on /admin/* never applied because every route into api kept its /api/ prefix, and
// nothing said so.
// Conservative by construction: a regex match or rewrite delivers any path, headers are
// ignored, and paths are compared as the proxies see them after normalization (so a
// rewrite that could re-introduce a `..` segment delivers any path). That assumes the
// callers' and D's proxies normalize alike, as they do when the mesh runs one target.
import { coreCodes } from "../diagnostics/codes.ts";
import type { HttpMethod, PathMatchIR } from "../ir/types.ts";
import { gatewayProxyName } from "../ir/proxies.ts";
import { destinationPort } from "../ir/routes.ts";
import { matchesPathPrefix, prefixElements } from "../ir/path-prefix.ts";
import { indexMesh, type MeshIndex } from "../normalize/mesh-index.ts";
import type { NRoute, NRule, NService } from "../normalize/model.ts";
import type { ModelCheck, Report } from "./context.ts";
import { projected } from "./memo.ts";

/** The paths a delivery can carry to D, after rewrites: a path match's kinds (prefix = whole elements). */
type Reach = { readonly kind: "any" } | { readonly kind: "prefix" | "string-prefix" | "exact"; readonly value: string };

interface Delivery {
  readonly reach: Reach;
  /** Empty: any method. */
  readonly methods: readonly HttpMethod[];
  /** Whether a proxy with one of these identities sends it (null: any identity). */
  readonly sentBy: (identities: ReadonlySet<string> | null) => boolean;
}

const ANY: Reach = { kind: "any" };

function matchedReach(path: PathMatchIR | null): Reach {
  return path === null || path.kind === "regex" ? ANY : { kind: path.kind, value: path.kind === "prefix" ? prefixElements(path.value) : path.value };
}

function deliveredReach(route: NRoute): Reach {
  const rewrite = route.rewrite;
  const path = route.match.path;
  if (rewrite?.path != null) return { kind: "exact", value: rewrite.path };
  if (rewrite === null || (rewrite.prefix === null && rewrite.regex === null)) return matchedReach(path);
  if (rewrite.prefix === null || path?.kind === "regex") return ANY;
  // Whole elements replaced: the rest starts at an element boundary (Gateway API's slash rules).
  if (path?.kind === "prefix") return { kind: "prefix", value: prefixElements(rewrite.prefix) };
  if (path === null) return { kind: "string-prefix", value: rewrite.prefix };
  if (path.kind === "exact") return { kind: "exact", value: rewrite.prefix };
  // `/api` matches the normalized `/api../x`; under `/catalog/` its rest `../x` normalizes away.
  if (!path.value.endsWith("/") && rewrite.prefix.endsWith("/")) return ANY;
  return { kind: "string-prefix", value: rewrite.prefix };
}

/** Whether some path in `reach` (not "any") satisfies `path` (not a regex); all values lowercase. */
function reachMeets(kind: "prefix" | "string-prefix" | "exact", a: string, path: { kind: "prefix" | "string-prefix" | "exact"; value: string }): boolean {
  const b = path.kind === "prefix" ? prefixElements(path.value) : path.value;
  const accepts = (k: typeof kind, v: string, x: string) => (k === "exact" ? x === v : k === "prefix" ? matchesPathPrefix(v, x) : x.startsWith(v));
  if (kind === "exact") return accepts(path.kind, b, a);
  if (path.kind === "exact") return accepts(kind, a, b);
  // Two prefixes meet when one's shortest member (the prefix itself, or prefix + "/") lies in the other.
  const shortest = (k: typeof kind, v: string) => (k === "prefix" ? [v === "" ? "/" : v, v + "/"] : [v]);
  return shortest(kind, a).some((x) => accepts(path.kind, b, x)) || shortest(path.kind, b).some((x) => accepts(kind, a, x));
}

/** Whether some request delivered with `reach` has a path the rule's `path` matches. */
function intersects(reach: Reach, path: PathMatchIR): boolean {
  if (reach.kind === "any" || path.kind === "regex") return true;
  // Percent escapes may be decoded by normalization, and case handling differs by proxy.
  if (reach.value.includes("%") || path.value.includes("%")) return true;
  return reachMeets(reach.kind, reach.value.toLowerCase(), { kind: path.kind, value: path.value.toLowerCase() });
}

function deliversTo(route: NRoute, dest: string): boolean {
  if (route.action.kind !== "forward") return false;
  return route.to === dest || route.action.backends.some((b) => b.service === dest) || route.mirror?.service === dest;
}

function onHttpPort(index: MeshIndex, route: NRoute): boolean {
  const target = index.services.get(route.to);
  const port = target && destinationPort(target, route.port);
  return !port || port.protocol !== "tcp";
}

function identityOf(index: MeshIndex, proxy: { kind: "service" | "gateway"; name: string }): string {
  return proxy.kind === "gateway" ? gatewayProxyName(proxy.name) : index.services.get(proxy.name)?.identity ?? proxy.name;
}

function someIn(ids: ReadonlySet<string>, senders: ReadonlySet<string>): boolean {
  for (const id of ids) if (senders.has(id)) return true;
  return false;
}

/** sentByAny of the set holding `sender` alone: one lookup, no iteration of `ids`. */
const sentByOne = (sender: string) => (ids: ReadonlySet<string> | null) => ids === null || ids.has(sender);

function sentByAny(senders: ReadonlySet<string>): (ids: ReadonlySet<string> | null) => boolean {
  if (senders.size === 0) return () => false;
  if (senders.size === 1) return sentByOne(senders.values().next().value as string);
  return (ids) => ids === null || someIn(ids, senders);
}

/** Services that get the default route to `dest` (mirrors ir/proxies.ts): allowed to call it, with no route of their own on some HTTP port. */
function defaultDelivery(index: MeshIndex, byIdentity: ReadonlyMap<string, readonly string[]>, dest: NService): Delivery {
  const httpPorts = dest.ports.filter((p) => p.protocol !== "tcp").map((p) => p.name);
  const getsDefault = (caller: string): boolean => {
    if (caller === dest.name || !index.services.has(caller)) return false;
    const own = index.routesBySource.get(`service:${caller}`) ?? [];
    return httpPorts.some((port) => !own.some((r) => r.to === dest.name && destinationPort(dest, r.port)?.name === port));
  };
  if (index.openTo.has(dest.name)) {
    // Every service may call: checking only the few that route to dest keeps this linear.
    const routed = new Set((index.routesByTo.get(dest.name) ?? []).flatMap((r) => r.sources.filter((s) => s.kind === "service").map((s) => s.name)));
    const calls = (name: string) => (routed.has(name) ? getsDefault(name) : name !== dest.name);
    let anyone: boolean | undefined;
    return {
      reach: ANY, methods: [],
      sentBy: (ids) => (ids === null ? (anyone ??= [...index.services.keys()].some(calls)) : [...ids].some((id) => (byIdentity.get(id) ?? []).some(calls))),
    };
  }
  const callers = (index.rulesByTo.get(dest.name) ?? []).flatMap((r) => (r.action === "allow" && r.from ? r.from : []));
  return { reach: ANY, methods: [], sentBy: sentByAny(new Set(callers.filter(getsDefault).map((c) => index.services.get(c)!.identity))) };
}

/**
 * Routes by every service in `wanted` they can deliver to (their destination, backends and
 * mirror), each route once per service, in route order. Only the services rules protect are
 * wanted: the other lists were most of this check's allocations on a large mesh.
 */
function collectRoutesInto(routes: readonly NRoute[], wanted: ReadonlySet<string>): Map<string, NRoute[]> {
  const into = new Map<string, NRoute[]>();
  const add = (d: string, route: NRoute) => {
    if (!wanted.has(d)) return;
    const list = into.get(d);
    // A route names a service several times only in a row (its own destinations).
    if (list === undefined) into.set(d, [route]);
    else if (list[list.length - 1] !== route) list.push(route);
  };
  for (const route of routes) {
    add(route.to, route);
    if (route.action.kind === "forward") for (const b of route.action.backends) add(b.service, route);
    if (route.mirror) add(route.mirror.service, route);
  }
  return into;
}

function collectDeliveries(index: MeshIndex, byIdentity: ReadonlyMap<string, readonly string[]>, routes: readonly NRoute[], dest: NService): Delivery[] {
  const out: Delivery[] = [];
  for (const route of routes) {
    if (!deliversTo(route, dest.name) || !onHttpPort(index, route)) continue;
    // One caller (the usual route): its identity alone, without a list and a set per route.
    const sentBy = route.sources.length === 1 ? sentByOne(identityOf(index, route.sources[0]!)) : sentByAny(new Set(route.sources.map((s) => identityOf(index, s))));
    out.push({ reach: deliveredReach(route), methods: route.match.methods, sentBy });
    // Which path a mirror copy carries differs by proxy: the matched one or the rewritten one.
    if (route.mirror?.service === dest.name) out.push({ reach: matchedReach(route.match.path), methods: route.match.methods, sentBy });
  }
  out.push(defaultDelivery(index, byIdentity, dest));
  // Every proxy holding a cluster to dest health-checks it through its inbound listener.
  if (dest.healthCheck?.path) {
    const others = [...out];
    out.push({ reach: { kind: "exact", value: dest.healthCheck.path }, methods: [], sentBy: (ids) => others.some((d) => d.sentBy(ids)) });
  }
  return out;
}

/** Whether a request a route delivers with `reach` and `methods` is one `rule` names (checkRule's path and method tests). */
function ruleMeets(rule: NRule, reach: Reach, methods: readonly HttpMethod[]): boolean {
  const paths = rule.paths;
  if (paths.length > 0) {
    let reaches = false;
    for (let j = 0; !reaches && j < paths.length; j++) reaches = intersects(reach, paths[j]!);
    if (!reaches) return false;
  }
  if (rule.methods.length === 0 || methods.length === 0) return true;
  for (let j = 0; j < methods.length; j++) if (rule.methods.includes(methods[j]!)) return true;
  return false;
}

/** Whether one of the route's callers is among the rule's (`from`, all known services; null: anyone): a route delivery's sentBy, without the set. */
function routeSentBy(index: MeshIndex, route: NRoute, from: readonly string[] | null): boolean {
  const sources = route.sources;
  if (sources.length === 0) return false;
  if (from === null) return true;
  for (let i = 0; i < sources.length; i++) {
    const sender = identityOf(index, sources[i]!);
    for (let j = 0; j < from.length; j++) if (index.services.get(from[j]!)!.identity === sender) return true;
  }
  return false;
}

/**
 * Whether a route into `dest` settles that checkRule reports nothing for `rule`: a delivery of
 * it (collectDeliveries) sent by one of the rule's callers, on a path the rule names (any,
 * when it names none), with a method it names (any, when either names none). Each of
 * checkRule's findings needs there be no such delivery. Most rules are settled by a route into
 * their service, and then no delivery (with its closures) is made for them.
 */
function settledByRoutes(index: MeshIndex, rule: NRule, routes: readonly NRoute[], dest: NService): boolean {
  for (let i = 0; i < routes.length; i++) {
    const route = routes[i]!;
    if (!deliversTo(route, dest.name) || !onHttpPort(index, route) || !routeSentBy(index, route, rule.from)) continue;
    const methods = route.match.methods;
    if (ruleMeets(rule, rule.paths.length === 0 ? ANY : deliveredReach(route), methods)) return true;
    if (route.mirror?.service === dest.name && ruleMeets(rule, rule.paths.length === 0 ? ANY : matchedReach(route.match.path), methods)) return true;
  }
  return false;
}

function describe(reach: Reach): string {
  if (reach.kind === "any") return "any path";
  if (reach.kind === "prefix") return reach.value === "" ? "/*" : `${reach.value}, ${reach.value}/*`;
  return reach.kind === "string-prefix" ? `${reach.value}*` : reach.value;
}

function written(path: PathMatchIR): string {
  return path.kind === "string-prefix" || path.kind === "prefix" ? `${path.value}*` : path.value;
}

function pathHint(dest: string, reached: readonly Reach[], path: PathMatchIR): string {
  const list = reached.map(describe).join(", ");
  const prefixes = [...new Set(reached.flatMap((r) => (r.kind === "string-prefix" ? [r.value] : r.kind === "prefix" ? [r.value + "/"] : [])))];
  if (prefixes.length !== 1) return `write the paths as ${dest} receives them, after rewrites: ${list}`;
  const p = prefixes[0]!;
  const suggestion = p.endsWith("/") ? p + written(path).slice(1) : p + written(path);
  return `the routes into ${dest} deliver paths under ${p}: did you mean ${suggestion}?`;
}

/** The identities a rule's `from` names; undefined when it names something unknown (references reports that). */
function ruleIdentities(index: MeshIndex, rule: NRule): ReadonlySet<string> | null | undefined {
  if (rule.from === null) return null;
  if (rule.from.some((f) => !index.services.has(f))) return undefined;
  return new Set(rule.from.map((f) => index.services.get(f)!.identity));
}

function allKnown(index: MeshIndex, from: readonly string[] | null): boolean {
  if (from !== null) for (let i = 0; i < from.length; i++) if (!index.services.has(from[i]!)) return false;
  return true;
}

function hasHttpPort(service: NService): boolean {
  for (let i = 0; i < service.ports.length; i++) if (service.ports[i]!.protocol !== "tcp") return true;
  return false;
}

function checkRule(rule: NRule, dest: NService, deliveries: readonly Delivery[], ids: ReadonlySet<string> | null, report: Report): void {
  const at = `${rule.origin}.${rule.action}`;
  const sent = deliveries.filter((d) => d.sentBy(ids));
  if (sent.length === 0) {
    if (rule.from === null) return; // nothing calls dest through the mesh: more likely an unfinished mesh than a dead rule
    report(coreCodes.unmatchableAuthz, {
      message: `rule ${rule.name} can never match: ${rule.from.join(", ")} ${rule.from.length === 1 ? "sends" : "send"} ${dest.name} no requests (no route to it, and no allow rule lets ${rule.from.length === 1 ? "it" : "them"} call it)`,
      path: `${at}.from`, hint: `remove ${rule.name}, or route ${rule.from[0]} to ${dest.name}`,
    });
    return;
  }
  // Plaintext clients outside the mesh reach a permissive service with any path; only a named `from` excludes them.
  if (rule.from === null && dest.mtls === "permissive") return;
  const reaching = rule.paths.length === 0 ? sent : sent.filter((d) => rule.paths.some((p) => intersects(d.reach, p)));
  if (reaching.length === 0) {
    const reached = [...new Map(sent.map((d) => [describe(d.reach), d.reach])).entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([, r]) => r);
    report(coreCodes.unmatchableAuthz, {
      message: `rule ${rule.name} can never match: none of its paths (${rule.paths.map(written).join(", ")}) is a path the mesh delivers to ${dest.name}${rule.from ? ` from ${rule.from.join(", ")}` : ""} (${reached.map(describe).join(", ")})`,
      path: rule.paths.length === 1 ? `${at}.paths[0]` : `${at}.paths`, hint: pathHint(dest.name, reached, rule.paths[0]!),
    });
    return;
  }
  if (rule.methods.length === 0 || reaching.some((d) => d.methods.length === 0)) return;
  const carried = [...new Set(reaching.flatMap((d) => d.methods))].sort();
  if (rule.methods.some((m) => carried.includes(m))) return;
  report(coreCodes.unmatchableAuthz, {
    message: `rule ${rule.name} can never match: the routes delivering its requests to ${dest.name} carry only ${carried.join(", ")}, never ${rule.methods.join(", ")}`,
    path: `${at}.methods`, hint: `match ${carried.join(" or ")} in ${rule.name}, or let a route into ${dest.name} carry ${rule.methods.join(" or ")}`,
  });
}

export const unreachableAuthorization: ModelCheck = {
  name: "unreachable-authorization",
  stage: "model",
  // Of the routes, what decides deliveries (collectRoutesInto, settledByRoutes, collectDeliveries, defaultDelivery): not names, timeouts or retries.
  reads: (mesh) => [mesh.services, mesh.authorization, projected(mesh.routes, (r) => [
    r.to, r.port, r.sources, r.match.path, r.match.methods, r.rewrite, r.action.kind,
    r.action.kind === "forward" ? r.action.backends.map((b) => b.service) : null, r.mirror?.service ?? null,
  ])],
  run(mesh, report) {
    const index = indexMesh(mesh);
    let byIdentity: Map<string, string[]> | undefined; // for defaultDelivery, only when a rule needs all deliveries
    const identities = () => {
      if (byIdentity) return byIdentity;
      byIdentity = new Map<string, string[]>();
      for (const s of mesh.services) {
        const names = byIdentity.get(s.identity);
        if (names) names.push(s.name);
        else byIdentity.set(s.identity, [s.name]);
      }
      return byIdentity;
    };
    const checked = (rule: NRule) => !(rule.from === null && rule.paths.length === 0 && rule.methods.length === 0);
    const wanted = new Set<string>();
    for (const rule of mesh.authorization) if (checked(rule)) wanted.add(rule.to);
    const routesInto = collectRoutesInto(mesh.routes, wanted);
    const deliveriesByDest = new Map<string, Delivery[]>();
    for (const rule of mesh.authorization) {
      if (!checked(rule)) continue;
      const dest = index.services.get(rule.to);
      // TCP-only services are MESH2021's business; a rule naming an unknown caller, references'.
      if (!dest || !allKnown(index, rule.from) || !hasHttpPort(dest)) continue;
      const routes = routesInto.get(dest.name) ?? [];
      if (settledByRoutes(index, rule, routes, dest)) continue;
      let deliveries = deliveriesByDest.get(dest.name);
      if (deliveries === undefined) deliveriesByDest.set(dest.name, (deliveries = collectDeliveries(index, identities(), routes, dest)));
      checkRule(rule, dest, deliveries, ruleIdentities(index, rule)!, report);
    }
  },
};
