// Matchers shared by routes and RBAC: the IR's string, path and method matches become
// Envoy's StringMatcher / HeaderMatcher / PathMatcher in exactly one way.
import type { HttpMethod, PathMatchIR, StringMatchIR } from "../../compiler/ir/types.ts";
import type { Json } from "./format.ts";
import { pathPrefixRegex, prefixElements } from "../../compiler/ir/path-prefix.ts";

/** RE2 for a literal string. */
export const escapeRe2 = (text: string): string => text.replace(/[\\.+*?()|[\]{}^$]/g, "\\$&");

/** A StringMatcher. Envoy's safe_regex matches the whole value, which is the IR's meaning. */
export function buildStringMatcher(kind: "exact" | "prefix" | "regex", value: string): Json {
  if (kind === "regex") return { safe_regex: { regex: value } };
  return { [kind]: value };
}

export function buildHeaderMatcher(match: StringMatchIR): Json {
  const matcher: Record<string, unknown> = { name: match.name };
  if (match.invert) matcher.invert_match = true;
  if (match.kind === "present") matcher.present_match = true;
  else matcher.string_match = buildStringMatcher(match.kind, match.value);
  return matcher;
}

/** Methods are the `:method` pseudo-header: one exact value, or an alternation (RE2 full match). */
export function buildMethodMatcher(methods: readonly HttpMethod[]): Json {
  if (methods.length === 1) return { name: ":method", string_match: { exact: methods[0] } };
  return { name: ":method", string_match: { safe_regex: { regex: methods.join("|") } } };
}

/** RBAC's url_path ignores the query string, as the IR's path match does; it has no element-wise prefix, so that one is a regex. */
export function buildPathMatcher(path: PathMatchIR): Json {
  if (path.kind === "prefix") {
    return prefixElements(path.value) === "" ? { path: { prefix: "/" } } : { path: { safe_regex: { regex: pathPrefixRegex(path.value, escapeRe2) } } };
  }
  return { path: buildStringMatcher(path.kind === "string-prefix" ? "prefix" : path.kind, path.value) };
}
