// Request-matching primitives shared by `explain`: the semantics the proxies apply to
// route matches, authorization rules and rewrites, written once. Regexes are RE2 (re2js)
// so a pattern means here what it means in the proxies, not what JavaScript would make of it.
import { RE2JS } from "re2js";
import type { HttpMethod, PathMatchIR, RewriteIR, RouteMatchIR, StringMatchIR } from "../ir/types.ts";
import { matchesHostnames, matchesLiteralPath, matchesPathPrefix, replacePathPrefix, replaceStringPrefix } from "../ir/path-prefix.ts";

/** A request as a proxy sees it: path without query, lowercase header names. */
export interface WireRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly query: Readonly<Record<string, string>>;
}

/** Why a condition did not match; null when it did. */
export type Mismatch = string | null;

/** Compiles an RE2 pattern; a pattern RE2 rejects never matches (and says why). */
function compileRe2(pattern: string): RE2JS | string {
  try {
    return RE2JS.compile(pattern);
  } catch (error) {
    return `invalid RE2 pattern ${JSON.stringify(pattern)}: ${(error as Error).message}`;
  }
}

/** RE2 full match: the pattern must match the whole input, as the proxies anchor it. */
export function fullMatchRe2(pattern: string, input: string): boolean {
  const re = compileRe2(pattern);
  return typeof re !== "string" && re.matches(input);
}

export function describePathMatch(match: PathMatchIR): string {
  return `${match.kind} ${match.value}`;
}

export function matchPath(match: PathMatchIR | null, path: string): Mismatch {
  if (match === null) return null;
  const invalid = match.kind === "regex" ? compileRe2(match.value) : null;
  if (typeof invalid === "string") return `${invalid}: the proxies reject it, so it never matches`;
  const ok = match.kind === "regex" ? fullMatchRe2(match.value, path) : matchesLiteralPath(match, path);
  if (ok) return null;
  const partial = match.kind === "regex" && findRe2(match.value, path);
  return `path ${path} does not match ${describePathMatch(match)}${partial ? " (the regex matches only part of the path; RE2 route regexes must match the whole path)" : ""}`;
}

function findRe2(pattern: string, input: string): boolean {
  const re = compileRe2(pattern);
  return typeof re !== "string" && re.matcher(input).find();
}

export function matchMethod(methods: readonly HttpMethod[], method: string): Mismatch {
  if (methods.length === 0 || (methods as readonly string[]).includes(method)) return null;
  return `method ${method} is not one of ${methods.join(", ")}`;
}

export function describeStringMatch(match: StringMatchIR): string {
  const body = match.kind === "present" ? "is present" : `${match.kind === "exact" ? "=" : match.kind === "prefix" ? "starts with" : "matches regex"} ${JSON.stringify(match.value)}`;
  return `${match.invert ? "NOT " : ""}${match.name} ${body}`;
}

/**
 * One header or query matcher. A missing value matches only an inverted `present`
 * (Envoy's semantics without treat_missing_header_as_empty): "NOT x = 1" does not match
 * a request that lacks x altogether.
 */
export function matchString(match: StringMatchIR, value: string | undefined): boolean {
  if (value === undefined) return match.kind === "present" && match.invert;
  const ok = match.kind === "present" ? true
    : match.kind === "exact" ? value === match.value
    : match.kind === "prefix" ? value.startsWith(match.value)
    : fullMatchRe2(match.value, value);
  return ok !== match.invert;
}

export function matchHeaders(matches: readonly StringMatchIR[], headers: Readonly<Record<string, string>>): Mismatch {
  for (const match of matches) {
    const value = headers[match.name.toLowerCase()];
    if (!matchString(match, value)) {
      return `header ${describeStringMatch(match)} failed (${value === undefined ? "header absent" : `value ${JSON.stringify(value)}`})`;
    }
  }
  return null;
}

export function matchQuery(matches: readonly StringMatchIR[], query: Readonly<Record<string, string>>): Mismatch {
  for (const match of matches) {
    const value = Object.hasOwn(query, match.name) ? query[match.name] : undefined;
    if (!matchString(match, value)) {
      return `query ${describeStringMatch(match)} failed (${value === undefined ? "parameter absent" : `value ${JSON.stringify(value)}`})`;
    }
  }
  return null;
}

/** Route hostnames against the request's Host (port and case ignored). */
export function matchHostnames(hostnames: readonly string[] | undefined, host: string | undefined): Mismatch {
  if (!hostnames || hostnames.length === 0 || matchesHostnames(hostnames, host ?? "")) return null;
  return `host ${JSON.stringify(host ?? "")} is not one of the route's hostnames ${hostnames.join(", ")}`;
}

/** Every failed condition of a route match, in evaluation order (path, hostnames, method, headers, query). */
export function routeMismatches(match: RouteMatchIR, request: WireRequest): string[] {
  return [
    matchPath(match.path, request.path),
    matchHostnames(match.hostnames, request.headers.host),
    matchMethod(match.methods, request.method),
    matchHeaders(match.headers, request.headers),
    matchQuery(match.query, request.query),
  ].filter((reason): reason is string => reason !== null);
}

/**
 * The path the upstream receives after a route's rewrite. A prefix rewrite replaces the
 * matched prefix (only meaningful after a prefix match); a regex rewrite substitutes every
 * match of the RE2 pattern (RE2::GlobalReplace, `\1` groups), as Envoy's regex_rewrite does.
 */
export function rewritePath(rewrite: RewriteIR | null, matched: PathMatchIR | null, path: string): string {
  if (rewrite === null) return path;
  if (rewrite.path != null) return rewrite.path;
  if (rewrite.prefix !== null) {
    const replaced = replaceMatchedPrefix(matched, rewrite.prefix, path);
    if (replaced !== null) return replaced;
  }
  if (rewrite.regex !== null) {
    const re = compileRe2(rewrite.regex.pattern);
    if (typeof re === "string") return path;
    const groups = re.groupCount();
    return re.matcher(path).replaceAll((...args: unknown[]) =>
      rewrite.regex!.substitution.replace(/\\(\d)/g, (_, n: string) => String(Number(n) <= groups ? args[Number(n)] ?? "" : "")));
  }
  return path;
}

/** The matched prefix replaced (Gateway API's slash rules after an element-wise prefix); null without a prefix match. */
export function replaceMatchedPrefix(matched: PathMatchIR | null, replacement: string, path: string): string | null {
  if (matched?.kind === "prefix" && matchesPathPrefix(matched.value, path)) return replacePathPrefix(matched.value, replacement, path);
  if (matched?.kind === "string-prefix" && path.startsWith(matched.value)) return replaceStringPrefix(matched.value, replacement, path);
  return null;
}

/** Splits `/a/b?x=1` into the path proxies match on and its query parameters. */
export function splitPathAndQuery(raw: string): { path: string; query: Record<string, string> } {
  const at = raw.indexOf("?");
  if (at < 0) return { path: raw, query: {} };
  const query: Record<string, string> = {};
  for (const [key, value] of new URLSearchParams(raw.slice(at + 1))) if (!Object.hasOwn(query, key)) query[key] = value;
  return { path: raw.slice(0, at), query };
}
