// IR route matches and filters in Gateway API terms. Gateway API has no negated or
// prefix header/query matches: prefix and presence become anchored RE2 regexes, a
// negation is reported (MESH3255) rather than silently dropped.
import type { GatewayRouteIR, HeaderMutationIR, PathMatchIR, StringMatchIR } from "../../compiler/ir/types.ts";
import { kubernetesCodes as codes } from "./codes.ts";
import type { EmitContext } from "./context.ts";

const escapeRegex = (text: string) => text.replace(/[\\^$.*+?()[\]{}|]/g, "\\$&");

/** Gateway API Duration: `^([0-9]{1,5}(h|m|s|ms)){1,4}$`. */
export function formatGatewayDuration(ms: number): string {
  const parts: [number, string][] = [[Math.floor(ms / 3_600_000), "h"], [Math.floor(ms / 60_000) % 60, "m"], [Math.floor(ms / 1000) % 60, "s"], [ms % 1000, "ms"]];
  const text = parts.filter(([n]) => n > 0).map(([n, unit]) => `${n}${unit}`).join("");
  return text === "" ? "0s" : text;
}

export function buildStringMatch(ctx: EmitContext, match: StringMatchIR, path: string) {
  if (match.invert) {
    ctx.report(codes.gatewayMatchInverted, { message: `"${match.name}" is negated; Gateway API cannot negate a match`, path });
  }
  switch (match.kind) {
    case "exact": return { type: "Exact" as const, name: match.name, value: match.value };
    case "regex": return { type: "RegularExpression" as const, name: match.name, value: match.value };
    case "prefix": return { type: "RegularExpression" as const, name: match.name, value: `${escapeRegex(match.value)}.*` };
    case "present": return { type: "RegularExpression" as const, name: match.name, value: ".*" };
  }
}

/** meshc's `prefix` is Gateway API's PathPrefix (element-wise); a string prefix has no Gateway API form but a regex. */
export function buildPathMatch(ctx: EmitContext, path: PathMatchIR, origin: string) {
  switch (path.kind) {
    case "exact": return { type: "Exact" as const, value: path.value };
    case "regex": return { type: "RegularExpression" as const, value: path.value };
    case "prefix": return { type: "PathPrefix" as const, value: path.value };
    case "string-prefix":
      ctx.report(codes.gatewayStringPrefix, {
        message: `string prefix "${path.value}" becomes the RegularExpression ^${escapeRegex(path.value)}.* (implementation-specific support)`, path: `${origin}.match.path`,
      });
      return { type: "RegularExpression" as const, value: `^${escapeRegex(path.value)}.*` };
  }
}

/** One Gateway API match per method, since a match holds a single method. */
export function buildHttpMatches(ctx: EmitContext, route: GatewayRouteIR) {
  const { match, origin } = route;
  const common = {
    path: match.path === null ? undefined : buildPathMatch(ctx, match.path, origin),
    headers: match.headers.length === 0 ? undefined : match.headers.map((h, i) => buildStringMatch(ctx, h, `${origin}.match.headers[${i}]`)),
    queryParams: match.query.length === 0 ? undefined : match.query.map((q, i) => buildStringMatch(ctx, q, `${origin}.match.query[${i}]`)),
  };
  return match.methods.length === 0 ? [common] : match.methods.map((method) => ({ ...common, method }));
}

export function isEmptyMutation(headers: HeaderMutationIR): boolean {
  return headers.set.length === 0 && headers.add.length === 0 && headers.remove.length === 0;
}

export function buildHeaderModifier(headers: HeaderMutationIR) {
  const pairs = (list: HeaderMutationIR["set"]) => (list.length === 0 ? undefined : list.map((h) => ({ name: h.name, value: h.value })));
  return {
    type: "RequestHeaderModifier" as const,
    requestHeaderModifier: { set: pairs(headers.set), add: pairs(headers.add), remove: headers.remove.length === 0 ? undefined : [...headers.remove] },
  };
}

/** ReplacePrefixMatch means what meshc's prefix replacement means (same slash rules), ReplaceFullPath a whole-path one. */
function buildPathModifier(prefix: string | null | undefined, full: string | null | undefined) {
  if (prefix != null) return { type: "ReplacePrefixMatch" as const, replacePrefixMatch: prefix };
  if (full != null) return { type: "ReplaceFullPath" as const, replaceFullPath: full };
  return undefined;
}

function buildRewriteFilter(route: GatewayRouteIR) {
  const path = buildPathModifier(route.rewritePrefix, route.rewritePath);
  if (path === undefined && !route.rewriteHost) return null;
  return { type: "URLRewrite" as const, urlRewrite: { path, hostname: route.rewriteHost ?? undefined } };
}

/** RequestRedirect: the IR's port already follows Gateway API's rules (null: the scheme's default). 303, 307 and 308 are Gateway API's extended statuses. */
function buildRedirectFilter(route: GatewayRouteIR) {
  const r = route.redirect;
  if (!r) return null;
  return {
    type: "RequestRedirect" as const,
    requestRedirect: {
      scheme: r.scheme ?? undefined, hostname: r.host ?? undefined, port: r.port ?? undefined,
      path: buildPathModifier(r.prefix, r.path), statusCode: r.status,
    },
  };
}

export function buildHttpFilters(ctx: EmitContext, route: GatewayRouteIR) {
  if (route.direct) ctx.report(codes.gatewayActionUnsupported, { message: `route "${route.name}" answers directly; an HTTPRoute cannot`, path: `${route.origin}.directResponse` });
  if (route.rewriteRegex) ctx.report(codes.gatewayActionUnsupported, { message: `route "${route.name}" rewrites by regex; an HTTPRoute cannot`, path: `${route.origin}.rewrite.regex` });
  const filters: object[] = [];
  const redirect = buildRedirectFilter(route);
  if (redirect) filters.push(redirect);
  const rewrite = buildRewriteFilter(route);
  if (rewrite) filters.push(rewrite);
  if (!isEmptyMutation(route.requestHeaders)) filters.push(buildHeaderModifier(route.requestHeaders));
  return filters.length === 0 ? undefined : filters;
}

/** A gRPC path `/pkg.Service/Method` (exact) or `/pkg.Service/` (prefix) as a GRPCMethodMatch; null when it is neither. */
export function buildGrpcMethodMatch(path: PathMatchIR): { type: "Exact"; service: string; method?: string } | null {
  const exact = /^\/([A-Za-z0-9_.]+)\/([A-Za-z0-9_]+)$/.exec(path.value);
  if (path.kind === "exact" && exact) return { type: "Exact" as const, service: exact[1], method: exact[2] };
  const service = /^\/([A-Za-z0-9_.]+)\/$/.exec(path.value);
  if (path.kind === "prefix" && service) return { type: "Exact" as const, service: service[1] };
  return null;
}
