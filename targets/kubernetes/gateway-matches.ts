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

export function buildPathMatch(ctx: EmitContext, path: PathMatchIR, origin: string) {
  switch (path.kind) {
    case "exact": return { type: "Exact" as const, value: path.value };
    case "regex": return { type: "RegularExpression" as const, value: path.value };
    case "prefix":
      if (!path.value.endsWith("/")) {
        ctx.report(codes.gatewayPrefixSegments, {
          message: `prefix "${path.value}" matches ${path.value}/... but not ${path.value}x... on a Gateway`, path: `${origin}.match.path`,
        });
      }
      return { type: "PathPrefix" as const, value: path.value };
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

function buildRewriteFilter(prefix: string) {
  return { type: "URLRewrite" as const, urlRewrite: { path: { type: "ReplacePrefixMatch" as const, replacePrefixMatch: prefix } } };
}

export function buildHttpFilters(route: GatewayRouteIR) {
  const filters: ReturnType<typeof buildHeaderModifier | typeof buildRewriteFilter>[] = [];
  if (route.rewritePrefix !== null) {
    filters.push(buildRewriteFilter(route.rewritePrefix));
  }
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
