// An HTTP listener's routing. HAProxy runs every `http-request` rule before any
// `use_backend`, so "first matching route wins" across forwards, redirects and direct
// responses is made explicit: the first route whose conditions hold is recorded in
// txn.meshc_route, and every action is keyed on that number.
import type { ClusterIR, HeaderMutationIR, HttpListenerIR, RedirectActionIR, RouteIR, VirtualHostIR } from "../../compiler/ir/types.ts";
import type { BuildContext } from "./context.ts";
import { buildRouteMatch } from "./build-match.ts";
import { buildRetryOn, buildRouteBackend } from "./build-backend.ts";
import type { AclName, AclRef, AclView, BackendView, HeaderRuleView, RouteView } from "./view.ts";
import { acceptedText, expr, formatWord, intWord, literal, nameWord, regexLiteral, textWord, tokenWord, type FormatPart, type Word } from "./words.ts";
import { prefixRewriteRegex } from "../../compiler/ir/path-prefix.ts";
import { routeSource, type TraceSource } from "../../compiler/trace.ts";
import { aclView, routeTexts, vhostSelectorLine } from "./templates.ts";

/** A route's text until it is written (buildRoute). */
const PENDING: Word = { word: "checked", text: "" };

export interface RoutingView {
  readonly acls: AclView[];
  readonly vhostSelectors: Word[];
  readonly routes: RouteView[];
  readonly backends: BackendView[];
  readonly usesPick: boolean;
}

/** Envoy picks the most specific domain whatever the order: exact, then `*.suffix`, then `prefix.*`, then `*`; longer first. */
function domainRank(domain: string): [number, number] {
  if (domain === "*") return [3, 0];
  if (domain.startsWith("*")) return [1, -domain.length];
  if (domain.endsWith("*")) return [2, -domain.length];
  return [0, 0];
}

/** A host-selector line (templates.ts `vhostSelectorLine`) as `hap` prints it; a refused domain word stands for its line. */
function selectorLine(vhost: number, match: "str" | "end" | "beg", pattern: Word | null): Word {
  const line = vhostSelectorLine(vhost, match, pattern);
  return typeof line === "string" ? { word: "checked", text: line } : line;
}

/** The general order: every domain of the listener sorted at once, each checked where its vhost is. */
export function buildVhostSelectorsSorted(ctx: BuildContext, vhosts: readonly VirtualHostIR[], origin: string): Word[] {
  const entries = vhosts.flatMap((vh, vhost) => vh.domains.map((domain) => ({ vhost, domain: domain.toLowerCase(), rank: domainRank(domain) })));
  entries.sort((a, b) => a.rank[0] - b.rank[0] || a.rank[1] - b.rank[1] || a.vhost - b.vhost);
  return entries.map(({ vhost, domain, rank }) => {
    if (rank[0] === 3) return selectorLine(vhost, "str", null);
    const value = rank[0] === 1 ? domain.slice(1) : rank[0] === 2 ? domain.slice(0, -1) : domain;
    const match = rank[0] === 1 ? "end" as const : rank[0] === 2 ? "beg" as const : "str" as const;
    return selectorLine(vhost, match, ctx.check(textWord(value), `${origin}.virtualHosts[${vhost}].domains`, "domain"));
  });
}

/**
 * A vhost's domains in selector order, kept per domains array (one per destination, held by
 * every proxy that routes to it: BuildContext.domains) when every domain word passed its
 * check: a domain that does not pass is reported by every proxy, on the sorted path.
 */
export interface DomainSelectors {
  /** Ranks of the first and last domain in selector order (null: no domains). */
  readonly first: readonly [number, number] | null;
  readonly last: readonly [number, number] | null;
  /** The domains' patterns in selector order, checked; null when one was refused. */
  readonly patterns: readonly { readonly match: "str" | "end" | "beg"; readonly pattern: Word | null }[] | null;
  /** The selector lines of the domains at a vhost index, one text, made once per index. */
  readonly blocks: (Word | undefined)[];
}

function domainSelectors(ctx: BuildContext, domains: readonly string[]): DomainSelectors {
  let known = ctx.domains.get(domains) as DomainSelectors | undefined;
  if (known !== undefined) return known;
  // The same order as the sorted path within one vhost: rank, then position (a stable sort).
  const entries = domains.map((domain) => ({ domain: domain.toLowerCase(), rank: domainRank(domain) }));
  entries.sort((a, b) => a.rank[0] - b.rank[0] || a.rank[1] - b.rank[1]);
  let patterns: DomainSelectors["patterns"] = entries.map(({ domain, rank }) => {
    if (rank[0] === 3) return { match: "str" as const, pattern: null };
    const value = rank[0] === 1 ? domain.slice(1) : rank[0] === 2 ? domain.slice(0, -1) : domain;
    const text = acceptedText(textWord(value));
    return { match: rank[0] === 1 ? "end" as const : rank[0] === 2 ? "beg" as const : "str" as const, pattern: text === null ? null : { word: "checked", text } };
  });
  if (patterns.some((p, i) => p.pattern === null && entries[i]!.rank[0] !== 3)) patterns = null;
  known = { first: entries[0]?.rank ?? null, last: entries[entries.length - 1]?.rank ?? null, patterns, blocks: [] };
  ctx.domains.set(domains, known);
  return known;
}

const rankAfter = (a: readonly [number, number], b: readonly [number, number]) => a[0] > b[0] || (a[0] === b[0] && a[1] > b[1]);

/**
 * The host selectors, in Envoy's order (domainRank, then vhost). When every vhost's domains
 * rank at or after the previous vhost's, that order is vhost by vhost: each vhost's lines are
 * then one text made once per domains array and index, shared by every proxy that holds it.
 */
export function buildVhostSelectors(ctx: BuildContext, vhosts: readonly VirtualHostIR[], origin: string): Word[] {
  const selectors: Word[] = [];
  let previous: readonly [number, number] | null = null;
  for (let v = 0; v < vhosts.length; v++) {
    const domains = domainSelectors(ctx, vhosts[v]!.domains);
    if (domains.first === null) continue;
    if (domains.patterns === null || (previous !== null && rankAfter(previous, domains.first))) return buildVhostSelectorsSorted(ctx, vhosts, origin);
    previous = domains.last;
    let block = domains.blocks[v];
    if (block === undefined) {
      let text = "";
      for (const { match, pattern } of domains.patterns) text += (text === "" ? "" : "\n") + (vhostSelectorLine(v, match, pattern) as string);
      // Flattened once: every proxy that prints it copies one piece.
      text.charCodeAt(0);
      domains.blocks[v] = block = { word: "checked", text };
    }
    selectors.push(block);
  }
  return selectors;
}

/** Envoy order: remove, then set, then append. */
function buildHeaderRules(ctx: BuildContext, mutation: HeaderMutationIR, origin: string): HeaderRuleView[] {
  // Loops into one array, no spread of mapped temporaries: this runs twice for every route.
  const rules: HeaderRuleView[] = [];
  for (const n of mutation.remove) rules.push({ action: "del-header", name: ctx.check(tokenWord(n), origin, "header name"), value: null });
  for (const h of mutation.set) rules.push(headerRule(ctx, "set-header", h.name, h.value, origin));
  for (const h of mutation.add) rules.push(headerRule(ctx, "add-header", h.name, h.value, origin));
  return rules;
}

function headerRule(ctx: BuildContext, action: "set-header" | "add-header", name: string, value: string, origin: string): HeaderRuleView {
  // The name is checked before the value, as diagnostics have always been ordered.
  const checkedName = ctx.check(tokenWord(name), origin, "header name");
  return { action, name: checkedName, value: ctx.check(formatWord(literal(value)), origin, "header value") };
}

/**
 * Unset parts keep the request's own: scheme from the connection, authority from Host,
 * path and query from the request. A replaced path keeps the query, as Envoy does.
 */
function buildRedirects(ctx: BuildContext, r: RedirectActionIR, origin: string, portResolved: boolean): RouteView["redirects"] {
  const parts: FormatPart[] = [r.scheme ? literal(r.scheme) : expr("%[ssl_fc,iif(https,http)]"), literal("://")];
  if (r.host) parts.push(literal(r.host));
  // A gateway's IR port is final (null: none written); a sidecar's null keeps the request's.
  else parts.push(expr(r.port === null && !portResolved ? "%[req.hdr(host)]" : "%[req.hdr(host),field(1,:)]"));
  if (r.port !== null) parts.push(literal(`:${r.port}`));
  const location = (...tail: FormatPart[]) => ctx.check(formatWord(...parts, ...tail), origin, "redirect location");
  // A prefix redirect replaces the path first (the route's replace-path line runs before it).
  if (r.path === null) return [{ location: location(expr("%[pathq]")), status: r.status, conditions: [] }];
  return [
    { location: location(literal(r.path), expr("?%[query]")), status: r.status, conditions: ["meshc_has_query"] },
    { location: location(literal(r.path)), status: r.status, conditions: [] },
  ];
}

/** The matched prefix replaced by one replace-path: element-wise with Gateway API's slash rules, or a string prefix literally. */
function buildPrefixReplacement(ctx: BuildContext, route: RouteIR, replacement: string, at: string): RouteView["rewritePath"] {
  const match = route.match.path;
  if (match?.kind === "prefix") {
    const { pattern, before } = prefixRewriteRegex(match.value, replacement, regexLiteral);
    return { regex: ctx.checkRegex(pattern, `${route.origin}.match.path`, "path prefix"),
      replacement: ctx.check(formatWord(literal(before), expr("\\1")), at, "prefix rewrite") };
  }
  const prefix = match && match.kind !== "regex" ? match.value : "";
  return { regex: ctx.check(textWord(`^${regexLiteral(prefix)}(.*)$`), `${route.origin}.match.path`, "path prefix"),
    replacement: ctx.check(formatWord(literal(replacement), expr("\\1")), at, "prefix rewrite") };
}

/** What a route does besides matching: its action lines and backends. */
type RouteActions = Pick<RouteView, "faultAbort" | "rewritePath" | "rewriteHost" | "redirects" | "direct" | "backends">;

/**
 * The route's view, `hasActions` set once its action lines are known. Built as one object
 * literal (no spread of a partial view: that took V8's slow path for every route); the
 * headers are checked before the action, as diagnostics have always been ordered.
 */
function buildRoute(ctx: BuildContext, route: RouteIR, index: number, vhost: number, clusters: ReadonlyMap<string, ClusterIR>, backends: BackendView[], portResolved: boolean, owner: TraceSource): RouteView {
  const trace = routeSource(route, owner);
  const conditions: AclRef[] = [`meshc_vhost_${vhost}`];
  const acls = buildRouteMatch(ctx, `meshc_r${index}`, route.match, route.origin, conditions);
  const requestHeaders = buildHeaderRules(ctx, route.requestHeaders, `${route.origin}.requestHeaders`);
  const responseHeaders = buildHeaderRules(ctx, route.responseHeaders, `${route.origin}.responseHeaders`);
  const actions = buildRouteActions(ctx, route, clusters, backends, portResolved, trace);
  const hasActions = actions.faultAbort !== null || actions.rewritePath !== null || actions.rewriteHost !== null || actions.direct !== null
    || actions.redirects.length + requestHeaders.length + responseHeaders.length > 0;
  const view: RouteView = {
    trace, hasActions, index, acls, conditions,
    faultAbort: actions.faultAbort, rewritePath: actions.rewritePath, rewriteHost: actions.rewriteHost,
    redirects: actions.redirects, direct: actions.direct, backends: actions.backends, requestHeaders, responseHeaders,
    select: PENDING, actions: null, use: null,
  };
  // Its texts, once every field is set (one object literal: see above).
  const texts = routeTexts(view);
  const written = view as { select: Word; actions: Word | null; use: Word | null };
  written.select = texts.select; written.actions = texts.actions; written.use = texts.use;
  return view;
}

function buildRouteActions(ctx: BuildContext, route: RouteIR, clusters: ReadonlyMap<string, ClusterIR>, backends: BackendView[], portResolved: boolean, trace: TraceSource): RouteActions {
  const a = route.action;
  if (a.kind === "redirect") {
    const rewritePath = a.prefix != null ? buildPrefixReplacement(ctx, route, a.prefix, `${route.origin}.redirect.prefix`) : null;
    return { faultAbort: null, rewritePath, rewriteHost: null, redirects: buildRedirects(ctx, a, route.origin, portResolved), direct: null, backends: [] };
  }
  if (a.kind === "direct") {
    const body = a.body === null ? null : ctx.check(textWord(a.body), `${route.origin}.body`, "direct response body");
    return { faultAbort: null, rewritePath: null, rewriteHost: null, redirects: [], direct: { status: a.status, body }, backends: [] };
  }
  let cumulative = 0;
  const live = a.backends.filter((b) => b.weight > 0);
  const retryOn = a.retries ? buildRetryOn(ctx, a.retries, `${route.origin}.retries`) : "none";
  const routeBackends = live.map((b, i) => {
    cumulative += b.weight;
    const name = `route.${route.name}.${b.cluster}`;
    const cluster = clusters.get(b.cluster);
    if (cluster) backends.push(buildRouteBackend(ctx, name, cluster, a, retryOn, trace));
    return { name: ctx.check(nameWord(name), route.origin, "backend name"), below: i === live.length - 1 ? null : cumulative };
  });
  return {
    backends: routeBackends,
    faultAbort: a.fault?.abort ? { status: a.fault.abort.status, threshold: Math.round(a.fault.abort.percent * 10_000) } : null,
    rewritePath: a.rewrite?.prefix != null
      ? buildPrefixReplacement(ctx, route, a.rewrite.prefix, `${route.origin}.rewrite.prefix`)
      : a.rewrite?.path != null
        ? { regex: ctx.check(textWord("^/.*$"), `${route.origin}.rewrite.path`, "path rewrite"),
            replacement: ctx.check(formatWord(literal(a.rewrite.path)), `${route.origin}.rewrite.path`, "path rewrite") }
      : a.rewrite?.regex
        ? { regex: ctx.checkRegex(a.rewrite.regex.pattern, `${route.origin}.rewrite.regex.pattern`, "rewrite regex"),
            replacement: ctx.check(formatWord(literal(a.rewrite.regex.substitution)), `${route.origin}.rewrite.regex.substitution`, "rewrite substitution") }
        : null,
    rewriteHost: a.rewrite?.host ? ctx.check(formatWord(literal(a.rewrite.host)), `${route.origin}.rewrite.host`, "host rewrite") : null,
    redirects: [], direct: null,
  };
}

// The txn variables the routing ACLs read, as words made once (views are read-only data).
const ROUTE_VAR = nameWord("txn.meshc_route");
const VHOST_VAR = nameWord("txn.meshc_vhost");
const PICK_VAR = nameWord("txn.meshc_pick");

/** The routing ACLs are the same in every proxy (a name and a number): each made once, with its line, and shared. */
const ROUTE_CHOSEN = aclView("meshc_route_chosen", "var", ROUTE_VAR, "-m found", null, []);
const HAS_QUERY = aclView("meshc_has_query", "query", null, "-m len", "gt", [intWord(0)]);
const numbered = new Map<string, AclView>();
function numberedAcl(kind: "vhost" | "route" | "pick_below", n: number): AclView {
  const name: AclName = `meshc_${kind}_${n}`;
  let made = numbered.get(name);
  if (made === undefined) {
    made = kind === "vhost" ? aclView(name, "var", VHOST_VAR, "-m int", null, [intWord(n)])
      : kind === "route" ? aclView(name, "var", ROUTE_VAR, "-m int", null, [intWord(n)])
      : aclView(name, "var", PICK_VAR, "-m int", "lt", [intWord(n)]);
    numbered.set(name, made);
  }
  return made;
}

export function buildRouting(ctx: BuildContext, listener: HttpListenerIR, clusters: ReadonlyMap<string, ClusterIR>, owner: TraceSource): RoutingView {
  const backends: BackendView[] = [];
  const routes: RouteView[] = [];
  listener.virtualHosts.forEach((vh, v) => vh.routes.forEach((route) => routes.push(buildRoute(ctx, route, routes.length, v, clusters, backends, listener.direction === "inbound", owner))));
  // One pass over the routes, pushes instead of spreads of mapped arrays: this runs for every listener of every proxy.
  const picks: number[] = [];
  let hasQueryRedirect = false;
  for (const r of routes) {
    if (r.redirects.length > 1) hasQueryRedirect = true;
    for (const b of r.backends) if (b.below !== null && !picks.includes(b.below)) picks.push(b.below);
  }
  picks.sort((x, y) => x - y);
  const acls: AclView[] = [ROUTE_CHOSEN];
  if (hasQueryRedirect) acls.push(HAS_QUERY);
  for (let v = 0; v < listener.virtualHosts.length; v++) acls.push(numberedAcl("vhost", v));
  for (const r of routes) acls.push(numberedAcl("route", r.index));
  for (const p of picks) acls.push(numberedAcl("pick_below", p));
  return { acls, vhostSelectors: buildVhostSelectors(ctx, listener.virtualHosts, listener.origin), routes, backends, usesPick: picks.length > 0 };
}
