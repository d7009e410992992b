// Logic-free templates: they walk the view model with #each/#if and print user values
// only through `hap` (words.ts). The only user text in a comment is a name printed by
// `trace` (compiler/trace.ts), above the frontend, ACLs, rules and backends it produced.
// Rule order inside a frontend is the order HAProxy evaluates http-request rules:
// request id, log captures, request guards (the request model), authorization, rate
// limit, route choice, per-route actions.
import { PEER_URI_SAMPLE } from "./identity-lua.ts";
import { traceComment } from "../../compiler/trace.ts";
import type { AclFetch, AclName, AclView, BackendView, HeaderRuleView, RouteView, ServerView } from "./view.ts";
import { encodeWord, type Word } from "./words.ts";

const bindLine = `    bind {{#if internal}}abns@{{hap address}} accept-proxy{{else}}{{hap address}}{{/if}}{{#if h2c}} proto h2{{/if}}{{#if tls}} ssl{{#each tls.certificates}} crt {{hap this}}{{/each}}{{#if tls.caFile}} ca-file {{hap tls.caFile}}{{/if}} verify {{tls.verify}} ssl-min-ver {{tls.minVersion}} ciphers {{hap tls.ciphers}}{{#if tls.alpn}} alpn {{tls.alpn}}{{/if}}{{/if}}`;

// An ACL's line is written when its view is made (aclView, below): one \`hap\` here.
const aclLine = `{{hap line}}`;

// The request model (README "Request model"), before any decision:
// - header names with "_" are refused (a backend may read x_user as x-user);
// - a path holding an encoded slash or backslash, or a backslash, is refused: no reading of
//   it is the only one (decoded, it is another path; kept, a backend may decode it);
// - an Upgrade (h2c, websocket, anything) is refused: after a 101 no rule sees a request;
// - the path is normalized: unreserved escapes decoded (invalid escapes refused), other
//   escapes uppercased, "." and ".." segments removed (RFC 3986 5.2.4), then "//" merged (the
//   order Envoy's normalize_path + merge_slashes and explain use); every
//   later rule and the backend see that path, absolute-form targets included; the two
//   percent rules rewrite the query too, so the query is saved first and put back as sent;
// - a header a rule reads must come at most once;
// - the client's x-forwarded-client-cert is removed; a verified peer's identity is set.
const requestGuards = `    http-request deny deny_status 400 if { req.hdrs -m reg -- "(^|\\\\n)[^:\\\\n]*_[^:\\\\n]*:" }
    http-request deny deny_status 400 if { path -m sub -i -- %2F %5C "\\\\" }
    http-request deny deny_status 403 if { req.fhdr_cnt(upgrade) -m int -- gt 0 }
    http-request set-var(txn.meshc_query) query
    http-request normalize-uri percent-decode-unreserved strict
    http-request normalize-uri percent-to-uppercase strict
    http-request normalize-uri path-strip-dot
    http-request normalize-uri path-strip-dotdot full
    http-request normalize-uri path-merge-slashes
    http-request set-query %[var(txn.meshc_query)] if { var(txn.meshc_query) -m found }
{{#each guards.singleHeaders}}
    http-request deny deny_status 400 if { req.fhdr_cnt({{hap this}}) -m int -- gt 1 }
{{/each}}
    http-request del-header x-forwarded-client-cert
{{#if guards.clientCert}}
    http-request set-header x-forwarded-client-cert {{hap guards.clientCert}} if { ssl_c_used } { ssl_c_verify -- 0 } { ${PEER_URI_SAMPLE} -m len -- gt 0 }
{{/if}}
`;

const conditions = `{{#each conditions}} {{this}}{{/each}}`;

// Permissive mTLS (view.ts PermissiveDispatchView): TLS or plain text is decided on the
// first bytes, then relayed with the client's address (PROXY v2) to one of the two inner
// binds of the listener's frontend. Silence for the whole inspect delay closes the
// connection; a partial ClientHello waits for more bytes.
export const dispatchTemplate = `
{{trace trace}}
frontend {{hap name}}
    mode tcp
    bind {{hap address}}
    no log
    timeout client {{timeoutMs}}ms
    tcp-request inspect-delay {{inspectDelayMs}}ms
    tcp-request content accept if { req.ssl_hello_type -m int -- 1 }
    tcp-request content accept if { req.len -m int -- gt 0 }
    tcp-request content reject
    use_backend {{hap tls.backend}} if { req.ssl_hello_type -m int -- 1 }
    default_backend {{hap plain.backend}}

{{trace trace}}
backend {{hap tls.backend}}
    mode tcp
    timeout server {{timeoutMs}}ms
    server tls abns@{{hap tls.socket}} send-proxy-v2

{{trace trace}}
backend {{hap plain.backend}}
    mode tcp
    timeout server {{timeoutMs}}ms
    server plain abns@{{hap plain.socket}} send-proxy-v2
`;

/** The start every frontend shares: the permissive dispatcher, binds, logging. */
const frontendHead = (mode: "http" | "tcp") => `{{#if dispatch}}{{> dispatch dispatch trace=trace}}{{/if}}
{{trace trace}}
frontend {{hap name}}
    mode ${mode}
{{#each binds}}
${bindLine}
{{/each}}
{{#if logFormat}}
    log global
    log-format {{hap logFormat}}
{{else}}
    no log
{{/if}}
`;

/**
 * One loop of the HTTP frontend over its routes' written parts (routeTexts): every route's
 * `select` line, then its `actions`, then its `use` lines, each only when it has some.
 */
export const writtenRouteLoop = (part: "select" | "actions" | "use"): string => part === "select"
  ? "{{#each routes}}\n{{hap select}}\n{{/each}}\n"
  : `{{#each routes}}\n{{#if ${part}}}\n{{hap ${part}}}\n{{/if}}\n{{/each}}\n`;

export const httpFrontendTemplate = `${frontendHead("http")}{{#if requestId}}
    http-request set-header x-request-id %[uuid()]{{#unless requestId.replace}} unless { req.hdr(x-request-id) -m found }{{/unless}}
{{/if}}
{{#if logFormat}}
    http-request set-var(txn.meshc_path) path
    http-request set-var(txn.meshc_authority) req.hdr(host)
    http-request set-var(txn.meshc_user_agent) req.hdr(user-agent)
    http-request set-var(txn.meshc_request_id) req.hdr(x-request-id)
{{/if}}
${requestGuards}{{#if authz}}
{{#each authz.acls}}
${aclLine}
{{/each}}
{{#each authz.ruleAcls}}
    {{trace trace}}
{{#each acls}}
${aclLine}
{{/each}}
{{/each}}
{{#each authz.denyRules}}
    {{trace trace}}
    http-request deny deny_status 403 if${conditions}
{{/each}}
{{#each authz.allowRules}}
    {{trace trace}}
    http-request set-var(txn.meshc_allowed) bool(true) if${conditions}
{{/each}}
{{#if authz.defaultDeny}}
    http-request deny deny_status 403 unless { var(txn.meshc_allowed) -m bool }
{{/if}}
{{/if}}
{{#if rateLimit}}
    stick-table type integer size 1 expire {{rateLimit.windowMs}}ms store gpc0_rate({{rateLimit.windowMs}}ms)
    http-request track-sc0 int(1)
    http-request deny deny_status 429 if { sc_gpc0_rate(0) -m int -- ge {{rateLimit.limit}} }
    http-request sc-inc-gpc0(0)
{{/if}}
{{#each acls}}
${aclLine}
{{/each}}
{{#each vhostSelectors}}
{{hap this}}
{{/each}}
{{#if usesPick}}
    http-request set-var(txn.meshc_pick) rand(100)
{{/if}}
${writtenRouteLoop("select")}    http-request return status 404 unless meshc_route_chosen
${writtenRouteLoop("actions")}${writtenRouteLoop("use")}`;

export const tcpFrontendTemplate = `${frontendHead("tcp")}{{#if idleTimeoutMs}}
    timeout client {{idleTimeoutMs}}ms
{{/if}}
{{#if authz}}
{{#each authz.acls}}
${aclLine}
{{/each}}
{{#each authz.ruleAcls}}
    {{trace trace}}
{{#each acls}}
${aclLine}
{{/each}}
{{/each}}
{{#each authz.denyRules}}
    {{trace trace}}
    tcp-request content reject if${conditions}
{{/each}}
{{#each authz.allowRules}}
    {{trace trace}}
    tcp-request content set-var(sess.meshc_allowed) bool(true) if${conditions}
{{/each}}
{{#if authz.defaultDeny}}
    tcp-request content reject unless { var(sess.meshc_allowed) -m bool }
{{/if}}
{{/if}}
{{#if rateLimit}}
    stick-table type integer size 1 expire {{rateLimit.windowMs}}ms store gpc0_rate({{rateLimit.windowMs}}ms)
    tcp-request content track-sc0 int(1)
    tcp-request content reject if { sc_gpc0_rate(0) -m int -- ge {{rateLimit.limit}} }
    tcp-request content sc-inc-gpc0(0)
{{/if}}
{{#if usesPick}}
    tcp-request content set-var(sess.meshc_pick) rand(100)
{{/if}}
    {{trace trace}}
{{#each backends}}
    use_backend {{hap name}}{{#if below}} if { var(sess.meshc_pick) -m int -- lt {{below}} }{{/if}}
{{/each}}
`;

/**
 * A backend block, as the template
 *
 * ```
 * {{trace trace}}
 * backend {{hap name}}
 *     mode {{mode}}
 *     balance {{balance.keyword}}{{#if balance.key}}({{hap balance.key}}){{/if}}
 * {{#if balance.consistent}}
 *     hash-type consistent
 * {{/if}}
 *     timeout connect {{connectTimeoutMs}}ms
 *     timeout server {{serverTimeoutMs}}ms
 * {{#if retries}}
 *     retries {{retries.count}}
 *     retry-on {{retries.on}}
 *     option redispatch 1
 * {{else}}
 *     retries 0
 * {{/if}}
 * {{#if idempotentOnly}}
 *     http-request disable-l7-retry unless METH_GET || METH_OPTIONS || METH_PUT || METH_DELETE || METH_TRACE
 * {{/if}}
 * {{#if httpCheck}}
 *     option httpchk
 *     http-check send meth GET uri {{hap httpCheck.path}}
 * {{/if}}
 * {{#if checkTimeoutMs}}
 *     timeout check {{checkTimeoutMs}}ms
 * {{/if}}
 * {{hap servers}}
 * ```
 *
 * (after a blank line) would print it: written where the backend's view is made, so the
 * config template prints each backend whole (`BackendView.text`). A word `hap` would refuse
 * is returned instead (its proxy is left out before rendering).
 */
export function backendText(b: Omit<BackendView, "text">): Word {
  const name = hapText(b.name);
  if (name === null) return b.name;
  let text = `\n${traceComment(b.trace)}\nbackend ${name}\n    mode ${b.mode}\n    balance ${b.balance.keyword}`;
  if (b.balance.key) {
    const key = hapText(b.balance.key);
    if (key === null) return b.balance.key;
    text += `(${key})`;
  }
  text += b.balance.consistent ? "\n    hash-type consistent\n" : "\n";
  text += `    timeout connect ${b.connectTimeoutMs}ms\n    timeout server ${b.serverTimeoutMs}ms\n`;
  text += b.retries ? `    retries ${b.retries.count}\n    retry-on ${b.retries.on}\n    option redispatch 1\n` : "    retries 0\n";
  if (b.idempotentOnly) text += "    http-request disable-l7-retry unless METH_GET || METH_OPTIONS || METH_PUT || METH_DELETE || METH_TRACE\n";
  if (b.httpCheck) {
    const path = hapText(b.httpCheck.path);
    if (path === null) return b.httpCheck.path;
    text += `    option httpchk\n    http-check send meth GET uri ${path}\n`;
  }
  if (b.checkTimeoutMs) text += `    timeout check ${b.checkTimeoutMs}ms\n`;
  const servers = hapText(b.servers);
  if (servers === null) return b.servers;
  return { word: "checked", text: text + servers };
}

/**
 * One `server` line of a backend (the backend template prints a cluster's lines whole: see
 * BackendView.servers), as the template line
 * `    server {{name}} {{hap address}}{{#if dns}} resolvers meshc init-addr none{{/if}}...` would
 * print it, with handlebars' truthiness (0, null and false print nothing). A word `hap` would
 * refuse is returned instead of a line (its proxy is left out before rendering).
 */
export function serverLine(s: ServerView, observe: BackendView["observe"]): string | Word {
  const address = hapText(s.address);
  if (address === null) return s.address;
  let line = `    server ${s.name} ${address}`;
  if (s.dns) line += " resolvers meshc init-addr none";
  if (s.maxconn) line += ` maxconn ${s.maxconn}`;
  if (s.maxqueue) line += ` maxqueue ${s.maxqueue}`;
  if (s.check) line += ` check inter ${s.check.interMs}ms rise ${s.check.rise} fall ${s.check.fall}`;
  if (s.errorLimit) line += ` observe ${observe} error-limit ${s.errorLimit} on-error mark-down`;
  if (s.protoH2) line += " proto h2";
  const tls = s.tls;
  if (tls) {
    line += " ssl verify required";
    if (tls.certificate) { const t = hapText(tls.certificate); if (t === null) return tls.certificate; line += ` crt ${t}`; }
    if (tls.caFile) { const t = hapText(tls.caFile); if (t === null) return tls.caFile; line += ` ca-file ${t}`; } else line += " ca-file @system-ca";
    if (tls.verifyHost) { const t = hapText(tls.verifyHost); if (t === null) return tls.verifyHost; line += ` verifyhost ${t}`; }
    if (tls.sni) { const t = hapText(tls.sni); if (t === null) return tls.sni; line += ` sni str(${t})`; }
    const ciphers = hapText(tls.ciphers);
    if (ciphers === null) return tls.ciphers;
    line += ` ssl-min-ver ${tls.minVersion} ciphers ${ciphers}`;
    if (tls.alpnH2) line += " alpn h2";
  }
  return line + "\n";
}

/**
 * A host-selector line (`vhostSelectors`, made by build-routes.ts), as the template line
 * `    http-request set-var(txn.meshc_vhost) int({{vhost}}) if !{ var(txn.meshc_vhost) -m found }{{#if pattern}} { hdr(host),field(1,:),lower -m {{match}} -- {{hap pattern}} }{{/if}}`
 * would print it; a pattern `hap` would refuse is returned instead of a line.
 */
export function vhostSelectorLine(vhost: number, match: "str" | "end" | "beg", pattern: Word | null): string | Word {
  const head = `    http-request set-var(txn.meshc_vhost) int(${vhost}) if !{ var(txn.meshc_vhost) -m found }`;
  if (!pattern) return head;
  const text = hapText(pattern);
  return text === null ? pattern : `${head} { hdr(host),field(1,:),lower -m ${match} -- ${text} }`;
}

/**
 * A route's parts of its frontend (RouteView `select`, `actions`, `use`), as these template
 * lines, one route at a time, would print them (each part without its last newline):
 *
 * ```
 *     {{trace trace}}
 * {{#each acls}}
 * {{hap line}}
 * {{/each}}
 *     http-request set-var(txn.meshc_route) int({{index}}) if !meshc_route_chosen{{#each conditions}} {{this}}{{/each}}
 * ```
 * ```
 * {{#if hasActions}}
 *     {{trace trace}}
 * {{/if}}
 * {{#if faultAbort}}
 *     http-request return status {{faultAbort.status}} if meshc_route_{{index}} { rand(1000000) -m int -- lt {{faultAbort.threshold}} }
 * {{/if}}
 * {{#each requestHeaders}}
 *     http-request {{action}} {{hap name}}{{#if value}} {{hap value}}{{/if}} if meshc_route_{{../index}}
 * {{/each}}
 * {{#if rewritePath}}
 *     http-request replace-path {{hap rewritePath.regex}} {{hap rewritePath.replacement}} if meshc_route_{{index}}
 * {{/if}}
 * {{#if rewriteHost}}
 *     http-request set-header host {{hap rewriteHost}} if meshc_route_{{index}}
 * {{/if}}
 * {{#each redirects}}
 *     http-request redirect location {{hap location}} code {{status}} if meshc_route_{{../index}}{{#each conditions}} {{this}}{{/each}}
 * {{/each}}
 * {{#if direct}}
 *     http-request return status {{direct.status}}{{#if direct.body}} content-type text/plain string {{hap direct.body}}{{/if}} if meshc_route_{{index}}
 * {{/if}}
 * {{#each responseHeaders}}
 *     http-after-response {{action}} {{hap name}}{{#if value}} {{hap value}}{{/if}} if meshc_route_{{../index}}
 * {{/each}}
 * ```
 * ```
 * {{#if backends.length}}
 *     {{trace trace}}
 * {{/if}}
 * {{#each backends}}
 *     use_backend {{hap name}} if meshc_route_{{../index}}{{#if below}} meshc_pick_below_{{below}}{{/if}}
 * {{/each}}
 * ```
 *
 * A word `hap` would refuse stands for the part it is in (its proxy is left out before rendering).
 */
export function routeTexts(r: Omit<RouteView, "select" | "actions" | "use">): Pick<RouteView, "select" | "actions" | "use"> {
  const comment = `    ${traceComment(r.trace)}`;
  const on = ` if meshc_route_${r.index}`;
  return { select: routeSelect(r, comment), actions: r.hasActions ? routeActions(r, comment, on) : null, use: r.backends.length ? routeUse(r, comment, on) : null };
}

function routeSelect(r: Omit<RouteView, "select" | "actions" | "use">, comment: string): Word {
  let text = comment;
  for (const acl of r.acls) {
    const line = hapText(acl.line);
    if (line === null) return acl.line;
    text += `\n${line}`;
  }
  text += `\n    http-request set-var(txn.meshc_route) int(${r.index}) if !meshc_route_chosen`;
  for (const c of r.conditions) text += ` ${c}`;
  return { word: "checked", text };
}

function headerLines(rules: readonly HeaderRuleView[], directive: string, on: string): string | Word {
  let text = "";
  for (const h of rules) {
    const name = hapText(h.name);
    if (name === null) return h.name;
    text += `\n    ${directive} ${h.action} ${name}`;
    if (h.value) {
      const value = hapText(h.value);
      if (value === null) return h.value;
      text += ` ${value}`;
    }
    text += on;
  }
  return text;
}

function routeActions(r: Omit<RouteView, "select" | "actions" | "use">, comment: string, on: string): Word {
  let text = comment;
  if (r.faultAbort) text += `\n    http-request return status ${r.faultAbort.status}${on} { rand(1000000) -m int -- lt ${r.faultAbort.threshold} }`;
  const request = headerLines(r.requestHeaders, "http-request", on);
  if (typeof request !== "string") return request;
  text += request;
  if (r.rewritePath) {
    const regex = hapText(r.rewritePath.regex);
    if (regex === null) return r.rewritePath.regex;
    const replacement = hapText(r.rewritePath.replacement);
    if (replacement === null) return r.rewritePath.replacement;
    text += `\n    http-request replace-path ${regex} ${replacement}${on}`;
  }
  if (r.rewriteHost) {
    const host = hapText(r.rewriteHost);
    if (host === null) return r.rewriteHost;
    text += `\n    http-request set-header host ${host}${on}`;
  }
  for (const redirect of r.redirects) {
    const location = hapText(redirect.location);
    if (location === null) return redirect.location;
    text += `\n    http-request redirect location ${location} code ${redirect.status}${on}`;
    for (const c of redirect.conditions) text += ` ${c}`;
  }
  if (r.direct) {
    text += `\n    http-request return status ${r.direct.status}`;
    if (r.direct.body) {
      const body = hapText(r.direct.body);
      if (body === null) return r.direct.body;
      text += ` content-type text/plain string ${body}`;
    }
    text += on;
  }
  const response = headerLines(r.responseHeaders, "http-after-response", on);
  if (typeof response !== "string") return response;
  return { word: "checked", text: text + response };
}

function routeUse(r: Omit<RouteView, "select" | "actions" | "use">, comment: string, on: string): Word {
  let text = comment;
  for (const b of r.backends) {
    const name = hapText(b.name);
    if (name === null) return b.name;
    text += `\n    use_backend ${name}${on}`;
    if (b.below) text += ` meshc_pick_below_${b.below}`;
  }
  return { word: "checked", text };
}

/** What `hap` prints for any word (encodeWord's text); null where `hap` would refuse it. */
function hapText(word: Word): string | null {
  if (word.word === "checked") return word.text;
  const encoded = encodeWord(word);
  return encoded.ok ? encoded.text : null;
}

/**
 * An ACL view and its line, as the template line
 * `    acl {{name}} {{fetch}}{{#if arg}}({{hap arg}}){{/if}}{{#if flags}} {{flags}}{{/if}}{{#if patterns.length}} --{{#if operator}} {{operator}}{{/if}}{{#each patterns}} {{hap this}}{{/each}}{{/if}}`
 * would print it: written once, where the view is made (routing ACLs are the same in every
 * proxy, and made once: build-routes.ts). `--` ends the options: a pattern word starting with
 * `-` is then a pattern, not an option. A word `hap` would refuse is the line itself, so
 * printing it fails as `hap` on that word did (a refused word is reported while the view is
 * built, and its proxy is left out before rendering).
 */
export function aclView(name: AclName, fetch: AclFetch, arg: Word | null, flags: string, operator: AclView["operator"], patterns: readonly Word[]): AclView {
  return { name, fetch, arg, flags, operator, patterns, line: aclLineWord(name, fetch, arg, flags, operator, patterns) };
}

function aclLineWord(name: AclName, fetch: AclFetch, arg: Word | null, flags: string, operator: AclView["operator"], patterns: readonly Word[]): Word {
  let line = `    acl ${name} ${fetch}`;
  if (arg) {
    const text = hapText(arg);
    if (text === null) return arg;
    line += `(${text})`;
  }
  if (flags) line += ` ${flags}`;
  if (patterns.length) {
    line += " --";
    if (operator) line += ` ${operator}`;
    for (const p of patterns) {
      const text = hapText(p);
      if (text === null) return p;
      line += ` ${text}`;
    }
  }
  return { word: "checked", text: line };
}

/** The file: process settings, then the admin and metrics listeners, then the proxies. */
export const configTemplate = `# Generated by meshc from the mesh IR. Do not edit: change the mesh and recompile.
global
    # Header count and size bounds: at most 100 header fields, all within one 16 kB buffer.
    tune.http.maxhdr 100
    tune.bufsize 16384
{{#if experimental}}
    expose-experimental-directives
{{/if}}
{{#if lua}}
    # Relative paths are read from the config's folder: the Lua file ships beside it.
    default-path config
    lua-load {{hap lua}}
{{/if}}
{{#if logToStdout}}
    log stdout format raw local0 info
{{/if}}
{{#if usesDns}}

resolvers meshc
    parse-resolv-conf
    hold valid 10s
{{/if}}

defaults
    mode http
    timeout connect 5s
    timeout client 5m
    timeout server 1h
    timeout http-request 10s
    timeout http-keep-alive 60s
    timeout check 5s

{{trace trace}}
frontend meshc-admin
    bind 127.0.0.1:{{admin.port}}
    no log
    stats enable
    stats uri /stats
    http-request return status 200 content-type text/plain string "ready" if { path -- /ready }
{{#if metrics}}

{{trace trace}}
frontend meshc-metrics
    bind 127.0.0.1:{{metrics.port}}
    no log
    http-request use-service prometheus-exporter
{{/if}}
{{#each httpFrontends}}
{{> httpFrontend}}
{{/each}}
{{#each tcpFrontends}}
{{> tcpFrontend}}
{{/each}}
{{#each backends}}{{hap text}}{{/each}}`;
