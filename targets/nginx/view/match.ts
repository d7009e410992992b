// Request conditions as nginx maps. Each condition becomes a map yielding "1" or "0";
// a route or authorization rule ANDs its conditions by concatenating their bits and
// matching `^1+$`. Maps are evaluated lazily, per request, only when a variable is read.
// All matching is case-sensitive regex: nginx's plain map keys compare case-insensitively.
import type { HttpMethod, PathMatchIR, StringMatchIR } from "../../../compiler/ir/types.ts";
import { NGINX_CODES } from "../codes.ts";
import { escapeRegexLiteral, ONE, regex, rendered, template, ZERO, type NginxValue, type TemplatePart } from "../escape.ts";
import type { ViewCache, ViewContext } from "./context.ts";
import { hostnamesRegex, pathPrefixRegex } from "../../../compiler/ir/path-prefix.ts";

/** A condition's bit: a generated variable, or a constant when nothing is required. */
export type Bit = { readonly variable: string } | { readonly constant: "1" };
export const ALWAYS: Bit = { constant: "1" };

export function bitPart(bit: Bit): TemplatePart {
  return "variable" in bit ? { variable: bit.variable } : { text: bit.constant };
}

/** Anchors a path match like Envoy: exact and regex match the whole path, a string prefix its start, a prefix whole elements. */
export function pathPattern(match: PathMatchIR): string {
  switch (match.kind) {
    case "exact": return `^${escapeRegexLiteral(match.value)}$`;
    case "prefix": return pathPrefixRegex(match.value, escapeRegexLiteral);
    case "string-prefix": return `^${escapeRegexLiteral(match.value)}`;
    case "regex": return `^(?:${match.value})$`;
  }
}

/**
 * `mark` is what the source puts before a present value: "=" for a header read through
 * njs (view/njs.ts: "=" + trimmed value, "" when absent), "" for an argument.
 */
function stringPattern(match: StringMatchIR, mark: string): string {
  switch (match.kind) {
    case "exact": return `^${mark}${escapeRegexLiteral(match.value)}$`;
    case "prefix": return `^${mark}${escapeRegexLiteral(match.value)}`;
    case "regex": return `^${mark}(?:${match.value})$`;
    // With the mark, a present empty header is "=" (present); nginx gives "" for an absent
    // argument and an empty one alike, so for arguments presence means "not empty".
    case "present": return mark === "" ? "." : `^${mark}`;
  }
}

/** A map from `source` to "1" when any pattern matches (or none does, when inverted). */
function bitMap(ctx: ViewContext, variable: string, source: TemplatePart[], patterns: readonly string[], invert: boolean): Bit {
  const hit = invert ? ZERO : ONE;
  const miss = invert ? ONE : ZERO;
  const entries = patterns.map((p): { key: NginxValue; value: NginxValue } => ({ key: ctx.patternToken(p), value: hit }));
  const only = source.length === 1 ? source[0]! : null;
  ctx.addMap({ source: only !== null && "variable" in only ? ctx.variableToken(only.variable) : template(...source), variable, entries, fallback: miss });
  return { variable };
}

export function buildPathBit(ctx: ViewContext, variable: string, paths: readonly PathMatchIR[], path: string): Bit | null {
  if (paths.length === 0) return ALWAYS;
  const patterns = paths.map(pathPattern);
  if (!patterns.every((p, i) => ctx.checkPattern(p, `${path}[${i}]`, "path"))) return null;
  return bitMap(ctx, variable, [{ variable: "uri" }], patterns, false);
}

/** Route hostnames on $host (lowercase, no port), as Gateway API compares them. */
export function buildHostnameBit(ctx: ViewContext, variable: string, hostnames: readonly string[]): Bit {
  if (hostnames.length === 0) return ALWAYS;
  return bitMap(ctx, variable, [{ variable: "host" }], [hostnamesRegex(hostnames)], false);
}

export function buildMethodBit(ctx: ViewContext, variable: string, methods: readonly HttpMethod[]): Bit {
  if (methods.length === 0) return ALWAYS;
  return bitMap(ctx, variable, [{ variable: "request_method" }], [`^(?:${methods.join("|")})$`], false);
}

const HEADER_VARIABLE = /^[a-z0-9]+(-[a-z0-9]+)*$/;
const ARG_VARIABLE = /^[A-Za-z0-9_]+$/;

/** `$http_x_user_id` for `x-user-id`, or null (reported) when nginx has no variable for the name. */
export function headerVariable(ctx: ViewContext, name: string, path: string): string | null {
  if (HEADER_VARIABLE.test(name)) return "http_" + name.replace(/-/g, "_");
  ctx.report(NGINX_CODES.nameNotAVariable, path, `header name ${JSON.stringify(name)} has characters nginx cannot read through $http_*`,
    "use letters, digits and single hyphens");
  return null;
}

export function argVariable(ctx: ViewContext, name: string, path: string, prefix: "arg_" | "cookie_"): string | null {
  if (ARG_VARIABLE.test(name)) return prefix + name.toLowerCase();
  ctx.report(NGINX_CODES.nameNotAVariable, path, `${prefix === "arg_" ? "query parameter" : "cookie"} name ${JSON.stringify(name)} has characters nginx cannot read`,
    "use letters, digits and `_`");
  return null;
}

/** One bit per header or query condition, appended to `bits`; null entries mean the condition was rejected. */
export function buildStringBits(ctx: ViewContext, variablePrefix: string, matches: readonly StringMatchIR[], path: string, on: "header" | "query", bits: (Bit | null)[]): void {
  for (let i = 0; i < matches.length; i++) {
    const match = matches[i]!;
    const at = `${path}[${i}]`;
    // Headers: the request model's view (trimmed, the only copy: repeats are refused before
    // any decision, see view/server.ts), not $http_*, which keeps tabs and reads the first copy.
    const checked = on === "header" ? headerVariable(ctx, match.name, at) : argVariable(ctx, match.name, at, "arg_");
    const source = checked !== null && on === "header" ? ctx.njs.header(match.name) : checked;
    const pattern = stringPattern(match, on === "header" ? "=" : "");
    bits.push(source === null || !ctx.checkPattern(pattern, at, `${on} match value`) ? null
      : bitMap(ctx, `${variablePrefix}${i}`, [{ variable: source }], [pattern], match.invert));
  }
}

/** ANDs bits into one: a constant for none, the bit itself for one, a `^1+$` map otherwise. */
export function combineBits(ctx: ViewContext, variable: string, bits: readonly Bit[]): Bit {
  const needed = bits.filter((b): b is { variable: string } => "variable" in b);
  if (needed.length === 0) return ALWAYS;
  if (needed.length === 1) return needed[0];
  return bitMap(ctx, variable, needed.map(bitPart), ["^1+$"], false);
}

/**
 * The first-match-wins choice among ordered bits: entry i is `^<prefix>.{i}1`, and map
 * tries regex entries in order, so the earliest set bit decides. The keys are the same in
 * every proxy: made once per emitter and shared (views are read-only), so the list returned
 * may be longer than `count`; callers read entries below `count` only.
 */
export function firstSetEntries(cache: ViewCache, count: number, prefix = ""): readonly NginxValue[] {
  let keys = cache.firstSetKeys.get(prefix);
  if (keys === undefined) cache.firstSetKeys.set(prefix, (keys = []));
  for (let i = keys.length; i < count; i++) keys.push(rendered(regex(`^${prefix}${i === 0 ? "" : `.{${i}}`}1`)));
  return keys;
}
