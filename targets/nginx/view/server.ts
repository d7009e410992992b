// An HTTP listener as nginx server blocks, one per virtual host. nginx's location matching
// is not first-match, so each server has a single `location /` that jumps to a named
// location chosen by a map over the request model's refusal, the authorization bit and
// every route's match bit: `error_page 418 = @$route; return 418;`. Map regexes are tried
// in order, so a refusal comes first and then the first matching IR route wins.
import type { ClusterIR, HttpListenerIR, VirtualHostIR } from "../../../compiler/ir/types.ts";
import { NGINX_CODES } from "../codes.ts";
import { literal, regex, rendered, type LiteralValue, type NginxValue, type TemplatePart } from "../escape.ts";
import type { ServerNames, ViewContext } from "./context.ts";
import { bitPart, firstSetEntries, type Bit } from "./match.ts";
import { buildAuthorization, buildRateLimit, buildServerTls } from "./policy.ts";
import { buildRoute } from "./route.ts";
import type { MapView, MirrorLocationView, RateLimitZoneView, RouteLocationView, ServerView } from "./types.ts";
import { clusterSource, routeSource, type TraceSource } from "../../../compiler/trace.ts";

const DOMAIN = /^(\*|(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*)$/;

function buildServerNames(ctx: ViewContext, vhost: VirtualHostIR, path: string): LiteralValue[] | null {
  const names: LiteralValue[] = [];
  const seen = new Set<string>();
  for (const withPort of vhost.domains) {
    // nginx matches server_name against $host, which never has a port: `catalog:8080` and
    // `catalog` are the same name to it.
    const domain = withPort.replace(/:\d{1,5}$/, "");
    if (seen.has(domain)) continue;
    seen.add(domain);
    if (domain === "*") continue; // the catch-all is default_server, not a name
    if (!DOMAIN.test(domain) || domain.length > 253) {
      ctx.report(NGINX_CODES.invalidDomain, path, `domain ${JSON.stringify(domain)} cannot be an nginx server_name`);
      return null;
    }
    names.push(literal(domain));
  }
  return names;
}

/**
 * The dispatch map. Its source starts with the request model's refusal (view/njs.ts): `b`
 * answers 400 (encoded slash or backslash in the path, a header name with `_`, a repeated
 * header a rule names), `u` 403 (an Upgrade); then the authorization bit (`0` denies), then
 * the route bits: the first set one picks its route, else no route.
 */
function buildDispatch(ctx: ViewContext, names: ServerNames, refusal: string, authz: Bit, routes: readonly { bit: Bit; index: number; fault: string | null }[]): string {
  const keys = firstSetEntries(ctx.cache, routes.length, ".1");
  // Filled in place, no spreads: every server block of every proxy has one dispatch map.
  const source: TemplatePart[] = [{ variable: refusal }, bitPart(authz)];
  // The location names are positional (the same in every sidecar): their tokens are rendered once per emitter.
  const forbidden = names.forbiddenToken;
  const entries: MapView["entries"][number][] = [
    { key: BAD_REQUEST_KEY, value: names.badRequestToken }, { key: UPGRADE_KEY, value: forbidden },
    { key: DENIED_KEY, value: forbidden },
  ];
  for (let i = 0; i < routes.length; i++) {
    const route = routes[i]!;
    source.push(bitPart(route.bit));
    // A lone text part prints as the literal of that text would (same check, same quoting).
    const value: NginxValue = route.fault ? { kind: "template", parts: [{ text: names.routes[route.index]! }, { variable: route.fault }] } : names.routeTokens[route.index]!;
    entries.push({ key: keys[i]!, value });
  }
  return ctx.addMap({ source: { kind: "template", parts: source }, variable: names.routeVariable, entries, fallback: names.noRouteToken });
}

// The dispatch map's first keys, rendered once at load: every server block prints them.
const BAD_REQUEST_KEY = rendered(regex("^b"));
const UPGRADE_KEY = rendered(regex("^u"));
const DENIED_KEY = rendered(regex("^.0"));

const HEADER_NAME = /^[a-z0-9]+(-[a-z0-9]+)*$/;

/** Every header name a route match or authorization rule of the listener reads: a request may carry each at most once. */
function ruleHeaderNames(listener: HttpListenerIR): string[] {
  // Loops, not nested flatMap: this runs for every listener of every proxy.
  const names: string[] = [];
  // Other names are rejected (MESH3153) and never reach the module.
  const take = (headers: readonly { readonly name: string }[]) => { for (const h of headers) if (HEADER_NAME.test(h.name)) names.push(h.name); };
  for (const rule of listener.authorization?.rules ?? []) take(rule.headers);
  for (const v of listener.virtualHosts) for (const r of v.routes) take(r.match.headers);
  return names;
}

/**
 * What a server block comes from: an inbound listener (sidecar or gateway) is its proxy's
 * own; an outbound virtual host is the destination its first route forwards to.
 */
function serverSource(ctx: ViewContext, listener: HttpListenerIR, vhost: VirtualHostIR | null, clusters: ReadonlyMap<string, ClusterIR>): TraceSource {
  const route = vhost?.routes[0];
  if (listener.direction === "inbound" || route === undefined) return ctx.owner;
  const cluster = route.action.kind === "forward" ? clusters.get(route.action.backends[0]?.cluster ?? "") : undefined;
  return cluster ? clusterSource(cluster, ctx.owner) : routeSource(route, ctx.owner);
}

export interface BuiltListener {
  readonly servers: ServerView[];
  readonly zone: RateLimitZoneView | null;
}

export function buildListener(ctx: ViewContext, listener: HttpListenerIR, index: number, clusters: ReadonlyMap<string, ClusterIR>): BuiltListener {
  const lid = `meshc_l${index}`;
  const refusal = ctx.njs.refusal(lid, ruleHeaderNames(listener));
  const authz = buildAuthorization(ctx, lid, listener.authorization);
  const limit = buildRateLimit(ctx, `${lid}_ratelimit`, listener.rateLimit);
  const hasCatchAll = listener.virtualHosts.some((v) => v.domains.includes("*"));
  // Envoy answers 404 when no virtual host matches; nginx would use the first server, so
  // an explicit default server with no routes answers 404 instead.
  const count = listener.virtualHosts.length + (hasCatchAll ? 0 : 1);
  const servers: ServerView[] = [];
  for (let v = 0; v < count; v++) {
    const vhost: VirtualHostIR | null = listener.virtualHosts[v] ?? null;
    const vhostRoutes = vhost?.routes ?? [];
    const names = ctx.serverNames(index, v, vhostRoutes.length);
    const serverNames = vhost === null ? [] : buildServerNames(ctx, vhost, `${listener.origin}.virtualHosts[${v}]`) ?? [];
    // One loop over the routes, no intermediate arrays: this runs for every server block of every proxy.
    const routes: RouteLocationView[] = [];
    const mirrors: MirrorLocationView[] = [];
    const usable: { bit: Bit; index: number; fault: string | null }[] = [];
    for (let r = 0; r < vhostRoutes.length; r++) {
      const b = buildRoute(ctx, names.routes[r]!, vhostRoutes[r]!, clusters, listener.direction === "inbound");
      routes.push(b.location);
      if (b.mirror) mirrors.push(b.mirror);
      if (b.bit !== null) usable.push({ bit: b.bit, index: r, fault: b.faultVariable });
    }
    const tls = listener.tls ? buildServerTls(ctx, listener.tls, vhost?.domains ?? [], `${listener.origin}.tls`) : null;
    const trace = serverSource(ctx, listener, vhost, clusters);
    servers.push({
      trace,
      listen: `${listener.address}:${listener.port}`,
      defaultServer: vhost === null || vhost.domains.includes("*"),
      ssl: listener.tls !== null,
      http2: listener.protocol !== "http",
      serverNames,
      tls,
      rateLimit: limit ? { zone: limit.zoneView.zone, burst: limit.burst } : null,
      acceptsPlainText: listener.tls?.mode === "permissive",
      dispatchVariable: ctx.within(trace, () => buildDispatch(ctx, names, refusal, authz, usable)),
      routes, mirrors, noRouteLocation: names.noRoute, forbiddenLocation: names.forbidden, badRequestLocation: names.badRequest,
    });
  }
  return { servers, zone: limit?.zoneView ?? null };
}
