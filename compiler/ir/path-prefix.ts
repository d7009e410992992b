// Gateway API's path semantics, written once for explain, the analysis checks and the
// targets: element-wise prefixes (PathPrefix), prefix replacement (ReplacePrefixMatch)
// with its slash rules, hostnames with wildcards, and redirect ports. Each target writes
// the regexes below in its own dialect through an `escape` function of its own.
import type { PathMatchIR } from "./types.ts";

/** The prefix as path elements: the trailing `/` dropped ("/" becomes "", which matches every path). */
export function prefixElements(prefix: string): string {
  return prefix.endsWith("/") ? prefix.slice(0, -1) : prefix;
}

/** PathPrefix: `/v2` (and `/v2/`) match `/v2`, `/v2/` and `/v2/x`, never `/v2example`. */
export function matchesPathPrefix(prefix: string, path: string): boolean {
  const q = prefixElements(prefix);
  return q === "" || path === q || path.startsWith(q + "/");
}

/** Whether a path match accepts a path (exact, element-wise prefix, string prefix; regex is the caller's). */
export function matchesLiteralPath(match: PathMatchIR, path: string): boolean {
  switch (match.kind) {
    case "exact": return path === match.value;
    case "prefix": return matchesPathPrefix(match.value, path);
    case "string-prefix": return path.startsWith(match.value);
    case "regex": throw new Error("regex path matches need an RE2 engine");
  }
}

/**
 * ReplacePrefixMatch, with the upstream table's slash rules: the matched elements are
 * replaced, a trailing `/` of either side does not double, and an empty result is "/"
 * (`/strip-prefix` replaced by "/" turns `/strip-prefix/three` into `/three`).
 */
export function replacePathPrefix(prefix: string, replacement: string, path: string): string {
  const q = prefixElements(prefix);
  const rest = path.slice(q.length);
  const out = prefixElements(replacement) + rest;
  return out === "" ? "/" : out;
}

/** A plain string prefix replaced by a plain string (Envoy's prefix_rewrite). */
export function replaceStringPrefix(prefix: string, replacement: string, path: string): string {
  return replacement + path.slice(prefix.length);
}

/**
 * One regex rewrite doing `replacePathPrefix` on a whole path, for proxies that rewrite by
 * regex: `pattern` (anchored, one group) and the substitution as text around group 1.
 * Non-empty replacement: `^<q>(/.*)?$` -> `<r>\1`. Empty replacement ("/" or ""): the
 * rest keeps its own leading `/`, or is "/": `^<q>/?(.*)$` -> `/\1`.
 */
export function prefixRewriteRegex(prefix: string, replacement: string, escape: (literal: string) => string): { pattern: string; before: string } {
  const q = escape(prefixElements(prefix));
  const r = prefixElements(replacement);
  return r === "" ? { pattern: `^${q}/?(.*)$`, before: "/" } : { pattern: `^${q}(/.*)?$`, before: r };
}

/** The anchored regex of an element-wise prefix: `^<q>(?:/.*)?$`, or `^/` (any path) for "/". */
export function pathPrefixRegex(prefix: string, escape: (literal: string) => string): string {
  const q = prefixElements(prefix);
  return q === "" ? "^/" : `^${escape(q)}(?:/.*)?$`;
}

/**
 * Hostnames as one anchored regex over a Host header value, port allowed: exact names, and
 * `*.example.com` as one or more labels before `example.com` (Gateway API's suffix match).
 */
export function hostnamesRegex(hostnames: readonly string[]): string {
  const alternatives = hostnames.map((h) => {
    const wildcard = h.startsWith("*.");
    const body = (wildcard ? h.slice(2) : h).replace(/\./g, "\\.");
    return wildcard ? `[^.:]+(?:\\.[^.:]+)*\\.${body}` : body;
  });
  return `^(?:${alternatives.join("|")})(?::[0-9]+)?$`;
}

/** Gateway API hostname match of a request host (port and case ignored). */
export function matchesHostnames(hostnames: readonly string[], host: string): boolean {
  if (hostnames.length === 0) return true;
  const name = host.toLowerCase().replace(/:\d+$/, "");
  return hostnames.some((h) => (h.startsWith("*.") ? name.endsWith(h.slice(1)) && name.length > h.length - 1 : name === h));
}

/** Whether two hostname lists (each empty = any) can both accept some host. */
export function hostnamesIntersect(a: readonly string[], b: readonly string[]): boolean {
  if (a.length === 0 || b.length === 0) return true;
  const meets = (x: string, y: string) => {
    if (!x.startsWith("*.")) return matchesHostnames([y], x);
    if (!y.startsWith("*.")) return matchesHostnames([x], y);
    return x.endsWith(y.slice(1)) || y.endsWith(x.slice(1));
  };
  return a.some((x) => b.some((y) => meets(x, y)));
}

export const DEFAULT_PORTS: Readonly<Record<"http" | "https", number>> = { http: 80, https: 443 };
