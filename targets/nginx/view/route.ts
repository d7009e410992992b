// One IR route as one named location, plus the bit that says whether it matches.
// Forward, redirect and direct actions; header mutations; rewrites; abort faults; mirrors.
import type { ClusterIR, ForwardActionIR, HeaderMutationIR, RedirectActionIR, RewriteIR, RouteIR } from "../../../compiler/ir/types.ts";
import { NGINX_CODES } from "../codes.ts";
import { EMPTY_KEY, escapeRegexLiteral, literal, regex, rendered, renderedLiteral, template, type NginxValue, type TemplatePart } from "../escape.ts";
import { prefixRewriteRegex } from "../../../compiler/ir/path-prefix.ts";
import { formatDuration, type ViewContext } from "./context.ts";
import { buildHostnameBit, buildMethodBit, buildPathBit, buildStringBits, combineBits, headerVariable, type Bit } from "./match.ts";
import { buildNextUpstream, buildPass, buildSplitVariable } from "./pass.ts";
import type { ForwardView, HeaderLineView, MirrorLocationView, ResponseHeadersView, RouteLocationView } from "./types.ts";
import { routeSource } from "../../../compiler/trace.ts";

export interface BuiltRoute {
  readonly bit: Bit | null;
  readonly location: RouteLocationView;
  readonly mirror: MirrorLocationView | null;
  /** Suffix variable choosing the abort location, or null. */
  readonly faultVariable: string | null;
}

export function buildRouteBit(ctx: ViewContext, id: string, route: RouteIR): Bit | null {
  const at = route.origin + ".match";
  // One array filled in place (no spread of the string bits): this runs for every route of every proxy.
  const bits: (Bit | null)[] = [
    buildPathBit(ctx, `${id}_path`, route.match.path ? [route.match.path] : [], `${at}.path`),
    buildMethodBit(ctx, `${id}_method`, route.match.methods),
    buildHostnameBit(ctx, `${id}_host`, route.match.hostnames ?? []),
  ];
  buildStringBits(ctx, `${id}_header`, route.match.headers, `${at}.headers`, "header", bits);
  buildStringBits(ctx, `${id}_query`, route.match.query, `${at}.query`, "query", bits);
  for (const b of bits) if (b === null) return null;
  return combineBits(ctx, id, bits as Bit[]);
}

function headerLine(ctx: ViewContext, name: string, value: string, path: string): HeaderLineView | null {
  const checkedName = ctx.checkHeaderName(name, path);
  const checkedValue = ctx.checkLiteral(value, path, "header value");
  return checkedName && checkedValue ? { name: checkedName, value: checkedValue } : null;
}

/**
 * The request model's identity header: every copy the client sent is dropped (a
 * proxy_set_header replaces them all) and, with a verified peer, `By=<self>;URI=<peer>` is
 * sent; with none the value is "" and nginx sends no header.
 */
export function identityHeader(ctx: ViewContext): HeaderLineView {
  const variable = ctx.njs.xfcc(ctx.selfSpiffeId);
  return variable === XFCC_LINE_VARIABLE ? XFCC_LINE : { name: XFCC_NAME, value: template({ variable }) };
}

// Lines every forwarding route sends: built once (views are read-only data).
// Their tokens are rendered once, at load: every forwarding location of every proxy prints them.
const CONNECTION_LINE: HeaderLineView = { name: renderedLiteral("connection"), value: renderedLiteral("") };
const REQUEST_ID_LINE: HeaderLineView = { name: renderedLiteral("x-request-id"), value: rendered(template({ variable: "meshc_request_id" })) };
const CLIENT_HOST = rendered(template({ variable: "http_host" }));
const XFCC_NAME = renderedLiteral("x-forwarded-client-cert");
const XFCC_LINE_VARIABLE = "meshc_xfcc";
const XFCC_LINE: HeaderLineView = { name: XFCC_NAME, value: rendered(template({ variable: XFCC_LINE_VARIABLE })) };
const REQUEST_ID_KEY: readonly TemplatePart[] = [{ variable: "request_id" }];

/**
 * proxy_set_header lines, appended to `lines`: `set` replaces, `add` appends to the incoming
 * value, `remove` sends "" (nginx drops empty headers). Loops into one array, no temporaries.
 */
function buildRequestHeaders(ctx: ViewContext, id: string, headers: HeaderMutationIR, path: string, lines: HeaderLineView[]): void {
  for (let i = 0; i < headers.set.length; i++) {
    const h = headers.set[i]!;
    const line = headerLine(ctx, h.name, h.value, `${path}.set[${i}]`);
    if (line !== null) lines.push(line);
  }
  for (let i = 0; i < headers.add.length; i++) {
    const h = headers.add[i]!;
    const at = `${path}.add[${i}]`;
    const line = headerLine(ctx, h.name, h.value, at);
    const incoming = headerVariable(ctx, h.name, at);
    if (line === null || incoming === null) continue;
    // Absent header: just the value; present: "incoming,value" (RFC 9110 list syntax).
    const joined = ctx.addMap({ source: template({ variable: incoming }), variable: `${id}_add${i}`,
      entries: [{ key: EMPTY_KEY, value: line.value }], fallback: template({ variable: incoming }, { text: "," + h.value }) });
    lines.push({ name: line.name, value: template({ variable: joined }) });
  }
  for (let i = 0; i < headers.remove.length; i++) {
    const line = headerLine(ctx, headers.remove[i]!, "", `${path}.remove[${i}]`);
    if (line !== null) lines.push(line);
  }
}

/** add_header ... always: `set` hides the upstream's header first; `remove` only hides. */
function buildResponseHeaders(ctx: ViewContext, headers: HeaderMutationIR, path: string): ResponseHeadersView {
  const hide: NginxValue[] = [];
  const add: HeaderLineView[] = [];
  for (const h of headers.set) { const name = ctx.checkHeaderName(h.name, path); if (name !== null) hide.push(name); }
  for (const name of headers.remove) { const checked = ctx.checkHeaderName(name, path); if (checked !== null) hide.push(checked); }
  let i = 0;
  for (const h of headers.set) { const line = headerLine(ctx, h.name, h.value, `${path}[${i++}]`); if (line !== null) add.push(line); }
  for (const h of headers.add) { const line = headerLine(ctx, h.name, h.value, `${path}[${i++}]`); if (line !== null) add.push(line); }
  return { hide, add };
}

function buildRewrite(ctx: ViewContext, rewrite: RewriteIR, route: RouteIR, path: string): ForwardView["rewrite"] {
  const bad = (why: string) => { ctx.report(NGINX_CODES.rewriteUnsupported, path, why); return null; };
  if (rewrite.prefix !== null) {
    const replaced = prefixReplacement(route, rewrite.prefix);
    if (replaced === null) return bad("a prefix rewrite needs a prefix path match");
    if (!ctx.checkLiteral(rewrite.prefix, `${path}.prefix`, "rewrite prefix")) return null;
    if (rewrite.prefix.includes("?")) return bad("a `?` in the replacement would replace the query string");
    return replaced;
  }
  if (rewrite.path != null) {
    if (!ctx.checkLiteral(rewrite.path, `${path}.path`, "rewrite path")) return null;
    if (rewrite.path.includes("?")) return bad("a `?` in the replacement would replace the query string");
    return { pattern: regex("^/.*$", ""), replacement: template({ text: rewrite.path }) };
  }
  if (rewrite.regex === null) return null;
  const { pattern, substitution } = rewrite.regex;
  if (!ctx.checkPattern(pattern, `${path}.regex.pattern`, "rewrite pattern")) return null;
  // Envoy replaces every match; nginx replaces the whole URI once. A fully anchored
  // pattern means the same in both; otherwise keep the text around the first match.
  const anchored = pattern.startsWith("^") && pattern.endsWith("$");
  const tail = countGroups(pattern) + 2;
  const parts: TemplatePart[] = anchored ? [] : [{ capture: 1 }];
  for (const piece of substitution.split(/(\\[0-9])/)) {
    if (/^\\[0-9]$/.test(piece)) parts.push({ capture: Number(piece[1]) + (anchored ? 0 : 1) });
    else if (piece !== "") {
      if (!ctx.checkLiteral(piece, `${path}.regex.substitution`, "rewrite substitution")) return null;
      parts.push({ text: piece });
    }
  }
  if (!anchored) parts.push({ capture: tail });
  if (parts.some((p) => "capture" in p && (p.capture < 1 || p.capture > 9))) return bad("too many capture groups for nginx ($1-$9)");
  if (substitution.includes("?")) return bad("a `?` in the replacement would replace the query string");
  const first = parts[0];
  if (first === undefined || ("text" in first && !first.text.startsWith("/"))) return bad("the rewritten path must start with `/`");
  const nginxPattern = anchored ? pattern : `^(.*?)(?:${pattern})(.*)$`;
  return { pattern: regex(nginxPattern, ""), replacement: template(...parts) };
}

/**
 * The matched prefix replaced, as one regex over $uri: after an element-wise prefix with
 * Gateway API's slash rules (ir/path-prefix.ts), after a string prefix literally. Null
 * without a prefix match. The caller checks the replacement text.
 */
function prefixReplacement(route: RouteIR, replacement: string): { pattern: ReturnType<typeof regex>; replacement: ReturnType<typeof template> } | null {
  const match = route.match.path;
  if (match?.kind === "prefix") {
    const { pattern, before } = prefixRewriteRegex(match.value, replacement, escapeRegexLiteral);
    return { pattern: regex(pattern, ""), replacement: template({ text: before }, { capture: 1 }) };
  }
  if (match?.kind === "string-prefix") {
    return { pattern: regex(`^${escapeRegexLiteral(match.value)}(.*)$`, ""), replacement: template({ text: replacement }, { capture: 1 }) };
  }
  return null;
}

function buildForward(ctx: ViewContext, id: string, route: RouteIR, action: ForwardActionIR, clusters: ReadonlyMap<string, ClusterIR>): ForwardView | null {
  const at = `${route.origin}.action`;
  const targets: ClusterIR[] = [];
  let slowest = -Infinity;
  for (const b of action.backends) {
    const c = b.weight > 0 ? clusters.get(b.cluster) : undefined;
    if (c === undefined) continue;
    targets.push(c);
    if (c.connectTimeoutMs > slowest) slowest = c.connectTimeoutMs;
  }
  const split = buildSplitVariable(ctx, `${id}_split`, action.backends, REQUEST_ID_KEY);
  const perTry = action.retries?.perTryTimeoutMs ?? action.timeoutMs;
  const connect = Math.min(slowest, perTry ?? Infinity);
  const pass = buildPass(ctx, targets, split, connect, at);
  if (pass === null) return null;
  // The fixed lines first, then the route's own (built after them: nothing the fixed lines
  // do reports or adds a map, so the order of diagnostics and maps is unchanged).
  const requestHeaders: HeaderLineView[] = [identityHeader(ctx)];
  if (ctx.requestIdHeader) requestHeaders.push(REQUEST_ID_LINE);
  // Upstream keepalive needs HTTP/1.1 without `Connection: close` (gRPC runs on HTTP/2).
  if (pass.module === "proxy") requestHeaders.push(CONNECTION_LINE);
  buildRequestHeaders(ctx, id, route.requestHeaders, `${route.origin}.requestHeaders`, requestHeaders);
  const nextUpstream = buildNextUpstream(ctx, action.retries, `${at}.retries`);
  const hostRewrite = action.rewrite?.host ? ctx.checkHost(action.rewrite.host, `${at}.rewrite.host`, "host rewrite") : null;
  return {
    // PassView's fields by name: a spread followed by more properties is V8's slow path.
    module: pass.module, url: pass.url, tls: pass.tls, connectTimeout: pass.connectTimeout,
    host: hostRewrite ?? CLIENT_HOST,
    requestHeaders,
    rewrite: action.rewrite ? buildRewrite(ctx, action.rewrite, route, `${at}.rewrite`) : null,
    nextUpstream,
    tries: nextUpstream[0] === "off" ? 1 : 1 + (action.retries?.retries ?? 0),
    retryTimeout: action.timeoutMs === null ? null : formatDuration(action.timeoutMs),
    readTimeout: perTry === null ? null : formatDuration(perTry),
    mirrorUri: action.mirror ? `/__meshc_mirror_${id}` : null,
  };
}

function buildMirror(ctx: ViewContext, id: string, action: ForwardActionIR, clusters: ReadonlyMap<string, ClusterIR>): MirrorLocationView | null {
  const cluster = action.mirror ? clusters.get(action.mirror.cluster) : undefined;
  if (!action.mirror || !cluster) return null;
  const pass = buildPass(ctx, [cluster], null, cluster.connectTimeoutMs, `${cluster.origin}`);
  if (pass === null) return null;
  const name = `${id}_mirror`;
  const pickVariable = action.mirror.percent >= 100 ? null : ctx.addSplit({
    key: template({ variable: "request_id" }, { text: name }), variable: `${name}_pick`,
    buckets: [{ share: `${formatPercent(action.mirror.percent)}%`, value: literal("") }, { share: "*", value: literal("_skip") }],
  });
  return { trace: ctx.source, uri: `/__meshc_mirror_${id}`, name, pickVariable, skipName: `${name}_skip`, pass,
    requestHeaders: [identityHeader(ctx)] };
}

/** Capturing groups in a pattern: `(` not escaped and not starting `(?`; enough to renumber. */
function countGroups(pattern: string): number {
  return (pattern.match(/(?<!\\)\((?!\?)/g) ?? []).length;
}

/** split_clients accepts up to two decimals. */
export function formatPercent(percent: number): string {
  return String(Math.round(percent * 100) / 100);
}

/** `portResolved`: the IR already applied the gateway's port rules, so a null port means "none". */
function buildRedirectUrl(ctx: ViewContext, id: string, route: RouteIR, action: RedirectActionIR, path: string, portResolved: boolean) {
  const parts: TemplatePart[] = [action.scheme ? { text: action.scheme } : { variable: "scheme" }, { text: "://" }];
  const host = action.host === null ? null : ctx.checkHost(action.host, `${path}.host`, "redirect host");
  if (action.host !== null && host === null) return null;
  if (host === null && action.port === null && !portResolved) ctx.report(NGINX_CODES.redirectSchemeOnlyPort, path, "the redirect keeps the host without its port");
  parts.push(host ? { text: action.host! } : { variable: "host" });
  if (action.port !== null) parts.push({ text: `:${action.port}` });
  if (action.prefix != null) {
    // The new path comes from a map over $uri: `return` cannot follow a `rewrite` in one location.
    const replaced = prefixReplacement(route, action.prefix);
    if (replaced === null) { ctx.report(NGINX_CODES.rewriteUnsupported, `${path}.prefix`, "a prefix redirect needs a prefix path match"); return null; }
    if (!ctx.checkLiteral(action.prefix, `${path}.prefix`, "redirect prefix")) return null;
    const variable = ctx.addMap({ source: template({ variable: "uri" }), variable: `${id}_location`,
      entries: [{ key: { ...replaced.pattern, prefix: "~" }, value: replaced.replacement }], fallback: template({ variable: "uri" }) });
    parts.push({ variable }, { variable: "is_args" }, { variable: "args" });
  } else if (action.path === null) parts.push({ variable: "request_uri" });
  else {
    if (!ctx.checkLiteral(action.path, `${path}.path`, "redirect path")) return null;
    parts.push({ text: action.path }, { variable: "is_args" }, { variable: "args" });
  }
  return template(...parts);
}

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

/** The route's location, and every map and split it needs, marked with the route it implements. */
export function buildRoute(ctx: ViewContext, id: string, route: RouteIR, clusters: ReadonlyMap<string, ClusterIR>, portResolved = false): BuiltRoute {
  return ctx.within(routeSource(route, ctx.owner), () => buildRouteParts(ctx, id, route, clusters, portResolved));
}

function buildRouteParts(ctx: ViewContext, id: string, route: RouteIR, clusters: ReadonlyMap<string, ClusterIR>, portResolved: boolean): BuiltRoute {
  const action = route.action;
  const at = `${route.origin}.action`;
  const abort = action.kind === "forward" ? action.fault?.abort ?? null : null;
  const faultVariable = abort === null ? null : ctx.addSplit({
    key: template({ variable: "request_id" }, { text: `${id}_fault` }), variable: `${id}_fault`,
    buckets: [{ share: `${formatPercent(abort.percent)}%`, value: literal("_abort") }, { share: "*", value: literal("") }],
  });
  let direct: RouteLocationView["direct"] = null;
  if (action.kind === "direct") {
    if (REDIRECT_STATUSES.has(action.status)) ctx.report(NGINX_CODES.directResponseRedirectStatus, `${at}.status`, `status ${action.status} would make nginx send the body as a Location`);
    direct = { status: action.status, body: action.body === null ? null : ctx.checkLiteral(action.body, `${at}.body`, "direct response body") };
  }
  const redirectUrl = action.kind === "redirect" ? buildRedirectUrl(ctx, id, route, action, at, portResolved) : null;
  return {
    bit: buildRouteBit(ctx, id, route),
    faultVariable,
    mirror: action.kind === "forward" ? buildMirror(ctx, id, action, clusters) : null,
    location: {
      trace: ctx.source,
      name: id,
      abort: abort === null ? null : { name: `${id}_abort`, status: abort.status },
      responseHeaders: buildResponseHeaders(ctx, route.responseHeaders, `${route.origin}.responseHeaders`),
      forward: action.kind === "forward" ? buildForward(ctx, id, route, action, clusters) : null,
      redirect: action.kind === "redirect" && redirectUrl ? { status: action.status, url: redirectUrl } : null,
      direct,
    },
  };
}
