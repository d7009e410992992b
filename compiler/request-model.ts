// The request model (README "Request model"), as pure functions: the one reading of a
// request that every route and authorization decision makes, on every target and in
// `meshc explain`. The proxies are configured to do exactly this; explain calls it.
//
// Path: percent-encoded unreserved characters are decoded and other escapes keep their
// bytes with uppercase hex; dot segments are removed (RFC 3986 5.2.4), then runs of "/" are
// merged (Envoy's order: normalize_path, then merge_slashes). A path holding %2F, %5C or a
// literal backslash is refused with 400: what the backend would make of it is not ours to
// guess. An absolute-form target (`http://host/a/../b`) is decided on its path.

export type PathVerdict =
  | { readonly ok: true; readonly path: string; readonly query: string }
  | { readonly ok: false; readonly status: 400; readonly reason: string };

const UNRESERVED = /^[A-Za-z0-9\-._~]$/;
const ABSOLUTE_FORM = /^[A-Za-z][A-Za-z0-9+.\-]*:\/\/[^/?#]*/;

/** Decodes %XX of unreserved characters; uppercases the hex of every other valid escape. */
export function decodeUnreserved(path: string): string {
  return path.replace(/%([0-9A-Fa-f]{2})/g, (_, hex: string) => {
    const char = String.fromCharCode(parseInt(hex, 16));
    return UNRESERVED.test(char) ? char : `%${hex.toUpperCase()}`;
  });
}

/**
 * Dot-segment removal on a path starting with "/": a stack of segments. Equivalent to the
 * buffer algorithm of RFC 3986 5.2.4 (the tests check it against a literal reading of it).
 */
export function removeDotSegments(path: string): string {
  const segments = path.split("/").slice(1);
  const out: string[] = [];
  for (const [i, segment] of segments.entries()) {
    const last = i === segments.length - 1;
    if (segment === ".") { if (last) out.push(""); continue; }
    if (segment === "..") { out.pop(); if (last) out.push(""); continue; }
    out.push(segment);
  }
  return "/" + out.join("/");
}

export function mergeSlashes(path: string): string {
  return path.replace(/\/{2,}/g, "/");
}

/** The one path normalization; `raw` is a request-target (origin or absolute form). */
export function normalizeRequestPath(raw: string): PathVerdict {
  let target = raw;
  const absolute = ABSOLUTE_FORM.exec(target);
  if (absolute !== null) target = target.slice(absolute[0].length) || "/";
  const at = target.indexOf("?");
  const rawPath = at < 0 ? target : target.slice(0, at);
  const query = at < 0 ? "" : target.slice(at + 1);
  if (rawPath.includes("\\")) return { ok: false, status: 400, reason: "the path holds a backslash" };
  if (/%(2f|5c)/i.test(rawPath)) return { ok: false, status: 400, reason: "the path holds an encoded slash or backslash (%2F, %5C)" };
  if (!rawPath.startsWith("/")) return { ok: false, status: 400, reason: "the path does not start with /" };
  return { ok: true, path: mergeSlashes(removeDotSegments(decodeUnreserved(rawPath))), query };
}

export type HeaderInput = Readonly<Record<string, string | readonly string[]>>;

/** Header values as every target compares them: surrounding spaces and tabs removed. */
export function trimHeaderValue(value: string): string {
  return value.replace(/^[ \t]+|[ \t]+$/g, "");
}

/**
 * Lowercases names and trims values; a header given several times keeps every copy.
 * `repeated` lists, sorted, the names that came more than once.
 */
export function readHeaders(input: HeaderInput): { readonly headers: Record<string, string[]>; readonly repeated: string[] } {
  const headers: Record<string, string[]> = {};
  for (const [name, value] of Object.entries(input)) {
    const key = name.toLowerCase();
    const values = (typeof value === "string" ? [value] : [...value]).map(trimHeaderValue);
    headers[key] = [...(headers[key] ?? []), ...values];
  }
  return { headers, repeated: Object.keys(headers).filter((k) => headers[k].length > 1).sort() };
}

/** True when the request asks for a protocol upgrade (h2c, websocket, anything). */
export function asksForUpgrade(headers: Readonly<Record<string, readonly string[]>>): boolean {
  return (headers["upgrade"] ?? []).some((v) => v !== "");
}
