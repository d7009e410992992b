// Virtual hosts and routes of an HTTP listener, in IR order: the first matching route
// wins in Envoy as in the IR, so nothing here reorders.
import type {
  DirectResponseActionIR, HeaderMutationIR, HttpListenerIR, RedirectActionIR, RouteIR, RouteMatchIR, VirtualHostIR,
} from "../../compiler/ir/types.ts";
import { ENVOY_CODES } from "./codes.ts";
import { report, type ProxyContext } from "./context.ts";
import { escapeHeaderValue, type Json } from "./format.ts";
import { buildHeaderMatcher, buildMethodMatcher, buildStringMatcher } from "./matchers.ts";
import { buildFaultPerFilterConfig, buildForwardAction, buildPrefixReplacement } from "./route-action.ts";
import { hostnamesRegex, prefixElements } from "../../compiler/ir/path-prefix.ts";
import { proxySource, routeSource } from "../../compiler/trace.ts";
import { buildSourceMetadata, sharedTraceMetadata, virtualHostSource } from "./trace.ts";

const REDIRECT_CODES: Record<RedirectActionIR["status"], string> = {
  301: "MOVED_PERMANENTLY", 302: "FOUND", 303: "SEE_OTHER", 307: "TEMPORARY_REDIRECT", 308: "PERMANENT_REDIRECT",
};

function buildPathSpecifier(match: RouteMatchIR): Record<string, unknown> {
  const path = match.path;
  if (path === null) return { prefix: "/" };
  switch (path.kind) {
    case "regex": return { safe_regex: { regex: path.value } };
    case "exact": return { path: path.value };
    case "string-prefix": return { prefix: path.value };
    // Gateway API PathPrefix is Envoy's path_separated_prefix (no trailing `/`; "/" is every path).
    case "prefix": return prefixElements(path.value) === "" ? { prefix: "/" } : { path_separated_prefix: prefixElements(path.value) };
  }
}

/** Route hostnames as an `:authority` regex (the port allowed); the virtual host already chose the gateway. */
function buildHostnameMatchers(match: RouteMatchIR): Json[] {
  const hostnames = match.hostnames ?? [];
  return hostnames.length === 0 ? [] : [{ name: ":authority", string_match: { safe_regex: { regex: hostnamesRegex(hostnames) } } }];
}

function buildQueryMatchers(ctx: ProxyContext, route: RouteIR): Json[] {
  return route.match.query.map((q) => {
    if (q.invert) {
      report(ctx, ENVOY_CODES.invertedQueryMatch, `${route.origin}.match.query`,
        `route ${route.name} matches the absence of query parameter ${q.name}, which Envoy cannot express`,
        "match the values you want instead of excluding one");
    }
    return q.kind === "present"
      ? { name: q.name, present_match: true }
      : { name: q.name, string_match: buildStringMatcher(q.kind, q.value) };
  });
}

function buildRouteMatch(ctx: ProxyContext, route: RouteIR): Json {
  const headers = [
    ...(route.match.methods.length > 0 ? [buildMethodMatcher(route.match.methods)] : []),
    ...route.match.headers.map(buildHeaderMatcher),
    ...buildHostnameMatchers(route.match),
  ];
  const query = buildQueryMatchers(ctx, route);
  // Added in place to the path specifier (made for this route), not spread.
  const match = buildPathSpecifier(route.match);
  if (headers.length > 0) match.headers = headers;
  if (query.length > 0) match.query_parameters = query;
  return match;
}

/** `set` overwrites, `add` appends; every value is a formatter string, hence the escape. */
const HEADER_KEYS = {
  request: { add: "request_headers_to_add", remove: "request_headers_to_remove" },
  response: { add: "response_headers_to_add", remove: "response_headers_to_remove" },
} as const;

/**
 * A route's header mutation, added to `route` (most routes have none: nothing is made for
 * them; a cold compile builds every route in V8's baseline tier, where each spread and
 * temporary object costs).
 */
function addHeaderMutation(route: Record<string, unknown>, mutation: HeaderMutationIR, direction: "request" | "response"): void {
  if (mutation.set.length > 0 || mutation.add.length > 0) {
    route[HEADER_KEYS[direction].add] = [
      ...mutation.set.map((h) => ({ header: { key: h.name, value: escapeHeaderValue(h.value) }, append_action: "OVERWRITE_IF_EXISTS_OR_ADD" })),
      ...mutation.add.map((h) => ({ header: { key: h.name, value: escapeHeaderValue(h.value) }, append_action: "APPEND_IF_EXISTS_OR_ADD" })),
    ];
  }
  if (mutation.remove.length > 0) route[HEADER_KEYS[direction].remove] = [...mutation.remove];
}

function buildRedirect(route: RouteIR, action: RedirectActionIR): Json {
  return {
    ...(action.scheme !== null ? { scheme_redirect: action.scheme } : {}),
    ...(action.host !== null ? { host_redirect: action.host } : {}),
    ...(action.port !== null ? { port_redirect: action.port } : {}),
    ...(action.path !== null ? { path_redirect: action.path } : {}),
    ...(action.prefix != null ? buildPrefixReplacement(route.match.path, action.prefix) : {}),
    response_code: REDIRECT_CODES[action.status],
  };
}

function buildDirectResponse(action: DirectResponseActionIR): Json {
  return { status: action.status, ...(action.body !== null ? { body: { inline_string: action.body } } : {}) };
}

export function buildRoute(ctx: ProxyContext, route: RouteIR): Json {
  const action = route.action;
  const perFilter = action.kind === "forward" ? buildFaultPerFilterConfig(action) : null;
  // Members added in place, not spread from temporary objects: one route per route of every proxy.
  const out: Record<string, unknown> = {
    name: route.name,
    metadata: buildSourceMetadata(routeSource(route, proxySource(ctx.proxy))),
    match: buildRouteMatch(ctx, route),
  };
  if (action.kind === "forward") out.route = buildForwardAction(ctx, route, action);
  else if (action.kind === "redirect") out.redirect = buildRedirect(route, action);
  else if (action.kind === "direct") out.direct_response = buildDirectResponse(action);
  addHeaderMutation(out, route.requestHeaders, "request");
  addHeaderMutation(out, route.responseHeaders, "response");
  if (perFilter !== null) out.typed_per_filter_config = perFilter;
  return out;
}

function buildVirtualHost(ctx: ProxyContext, vhost: VirtualHostIR, direction: HttpListenerIR["direction"]): Json {
  return {
    name: vhost.name, domains: [...vhost.domains], routes: vhost.routes.map((r) => buildRoute(ctx, r)),
    metadata: sharedTraceMetadata(ctx.shared, virtualHostSource(ctx.proxy, direction, vhost, ctx.clusters)),
  };
}

export function buildRouteConfiguration(ctx: ProxyContext, listener: HttpListenerIR): Json {
  return { name: listener.name, virtual_hosts: listener.virtualHosts.map((v) => buildVirtualHost(ctx, v, listener.direction)) };
}

/** True when some route of the listener injects faults, so the fault filter is needed. */
export function usesFaultInjection(listener: HttpListenerIR): boolean {
  return listener.virtualHosts.some((v) => v.routes.some((r) => r.action.kind === "forward" && r.action.fault !== null));
}
