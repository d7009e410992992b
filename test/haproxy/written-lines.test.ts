// Lines the builders write where a view is made (templates.ts: server lines, ACL lines, host
// selectors, backend blocks) must be exactly what the template lines they replace print
// through handlebars itself, on edge and hostile values; a word `hap` refuses must still make
// printing fail. And host selectors made per vhost (the shared, vhost-by-vhost path) must be
// the lines the sorted path makes, with the same diagnostics.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { referenceTemplates, type TemplateSet } from "../../compiler/handlebars-templates.ts";
import { haproxyHelpers } from "../../targets/haproxy/render.ts";
import { aclView, backendText, routeTexts, serverLine, vhostSelectorLine, writtenRouteLoop } from "../../targets/haproxy/templates.ts";
import { buildVhostSelectors, buildVhostSelectorsSorted } from "../../targets/haproxy/build-routes.ts";
import { createBuildContext } from "../../targets/haproxy/context.ts";
import { expr, formatWord, intWord, literal, nameWord, textWord, tokenWord, type Word } from "../../targets/haproxy/words.ts";
import type { AclRef, AclView, BackendView, HeaderRuleView, RouteView, ServerView } from "../../targets/haproxy/view.ts";
import type { VirtualHostIR } from "../../compiler/ir/types.ts";

// The template lines as they were before the builders wrote them.
const SOURCES = {
  server: `{{#each servers}}
    server {{name}} {{hap address}}{{#if dns}} resolvers meshc init-addr none{{/if}}{{#if maxconn}} maxconn {{maxconn}}{{/if}}{{#if maxqueue}} maxqueue {{maxqueue}}{{/if}}{{#if check}} check inter {{check.interMs}}ms rise {{check.rise}} fall {{check.fall}}{{/if}}{{#if errorLimit}} observe {{../observe}} error-limit {{errorLimit}} on-error mark-down{{/if}}{{#if protoH2}} proto h2{{/if}}{{#if tls}} ssl verify required{{#if tls.certificate}} crt {{hap tls.certificate}}{{/if}} ca-file {{#if tls.caFile}}{{hap tls.caFile}}{{else}}@system-ca{{/if}}{{#if tls.verifyHost}} verifyhost {{hap tls.verifyHost}}{{/if}}{{#if tls.sni}} sni str({{hap tls.sni}}){{/if}} ssl-min-ver {{tls.minVersion}} ciphers {{hap tls.ciphers}}{{#if tls.alpnH2}} alpn h2{{/if}}{{/if}}
{{/each}}
`,
  acl: `    acl {{name}} {{fetch}}{{#if arg}}({{hap arg}}){{/if}}{{#if flags}} {{flags}}{{/if}}{{#if patterns.length}} --{{#if operator}} {{operator}}{{/if}}{{#each patterns}} {{hap this}}{{/each}}{{/if}}`,
  vhost: `    http-request set-var(txn.meshc_vhost) int({{vhost}}) if !{ var(txn.meshc_vhost) -m found }{{#if pattern}} { hdr(host),field(1,:),lower -m {{match}} -- {{hap pattern}} }{{/if}}`,
  backend: `
{{trace trace}}
backend {{hap name}}
    mode {{mode}}
    balance {{balance.keyword}}{{#if balance.key}}({{hap balance.key}}){{/if}}
{{#if balance.consistent}}
    hash-type consistent
{{/if}}
    timeout connect {{connectTimeoutMs}}ms
    timeout server {{serverTimeoutMs}}ms
{{#if retries}}
    retries {{retries.count}}
    retry-on {{retries.on}}
    option redispatch 1
{{else}}
    retries 0
{{/if}}
{{#if idempotentOnly}}
    http-request disable-l7-retry unless METH_GET || METH_OPTIONS || METH_PUT || METH_DELETE || METH_TRACE
{{/if}}
{{#if httpCheck}}
    option httpchk
    http-check send meth GET uri {{hap httpCheck.path}}
{{/if}}
{{#if checkTimeoutMs}}
    timeout check {{checkTimeoutMs}}ms
{{/if}}
`,
  route: `{{#each routes}}
    {{trace trace}}
{{#each acls}}
{{hap line}}
{{/each}}
    http-request set-var(txn.meshc_route) int({{index}}) if !meshc_route_chosen{{#each conditions}} {{this}}{{/each}}
{{/each}}
{{#each routes}}
{{#if hasActions}}
    {{trace trace}}
{{/if}}
{{#if faultAbort}}
    http-request return status {{faultAbort.status}} if meshc_route_{{index}} { rand(1000000) -m int -- lt {{faultAbort.threshold}} }
{{/if}}
{{#each requestHeaders}}
    http-request {{action}} {{hap name}}{{#if value}} {{hap value}}{{/if}} if meshc_route_{{../index}}
{{/each}}
{{#if rewritePath}}
    http-request replace-path {{hap rewritePath.regex}} {{hap rewritePath.replacement}} if meshc_route_{{index}}
{{/if}}
{{#if rewriteHost}}
    http-request set-header host {{hap rewriteHost}} if meshc_route_{{index}}
{{/if}}
{{#each redirects}}
    http-request redirect location {{hap location}} code {{status}} if meshc_route_{{../index}}{{#each conditions}} {{this}}{{/each}}
{{/each}}
{{#if direct}}
    http-request return status {{direct.status}}{{#if direct.body}} content-type text/plain string {{hap direct.body}}{{/if}} if meshc_route_{{index}}
{{/if}}
{{#each responseHeaders}}
    http-after-response {{action}} {{hap name}}{{#if value}} {{hap value}}{{/if}} if meshc_route_{{../index}}
{{/each}}
{{/each}}
{{#each routes}}
{{#if backends.length}}
    {{trace trace}}
{{/if}}
{{#each backends}}
    use_backend {{hap name}} if meshc_route_{{../index}}{{#if below}} meshc_pick_below_{{below}}{{/if}}
{{/each}}
{{/each}}
`,
  // The same three loops over the written parts, as the HTTP frontend template prints them.
  routeWritten: writtenRouteLoop("select") + writtenRouteLoop("actions") + writtenRouteLoop("use"),
};
// The backend template ended with the server lines.
SOURCES.backend += SOURCES.server;
const reference: TemplateSet = {
  precompiledPath: "",
  options: { strict: true, noEscape: true },
  partials: [],
  helpers: { hap: { safe: false }, trace: { safe: false } },
  sources: () => SOURCES,
};
const hb = referenceTemplates(reference, haproxyHelpers);
const hap = (w: Word) => haproxyHelpers.hap!(w) as string;

let seed = 7;
const random = (n: number) => { seed = (seed * 1103515245 + 12345) % 2147483648; return (seed >>> 16) % n; };
const pick = <T>(xs: readonly T[]): T => xs[random(xs.length)]!;
const check = (w: Word) => createBuildContext("haproxy/x.cfg").check(w, "proxies.x", "value");
// Plain, escaped (quotes, dollars, backslashes, percent), checked and unchecked, and refused words.
const TEXTS = ["/etc/certs/a.pem", 'a "quoted" $HOME\\path', "100%", "", "ünïcode"];
const texts = (): Word => { const w = textWord(pick(TEXTS)); return random(2) ? check(w) : w; };
const REFUSED = [textWord("line\nbreak"), nameWord("has space"), tokenWord("bad/token"), textWord("\u202e")];
const maybeNull = <T>(x: () => T): T | null => (random(3) === 0 ? null : x());
const number = () => pick([0, 1, 7, 1500, 3_600_000]);

function serverView(): ServerView {
  return {
    name: `s${random(3)}`, address: random(2) ? check(nameWord("10.0.0.1:8080")) : nameWord("svc.example:80"),
    dns: random(2) === 0, maxconn: maybeNull(number), maxqueue: maybeNull(number),
    check: maybeNull(() => ({ interMs: number(), rise: number(), fall: number() })), errorLimit: maybeNull(number),
    tls: maybeNull(() => ({ certificate: maybeNull(texts), caFile: maybeNull(texts), verifyHost: maybeNull(() => tokenWord("svc.bench")), sni: maybeNull(() => check(tokenWord("svc.bench"))),
      minVersion: pick(["TLSv1.2", "TLSv1.3"] as const), ciphers: texts(), alpnH2: random(2) === 0 })),
    protoH2: random(2) === 0,
  };
}

/** What printing does: the text, or the refusal's message. */
const outcome = (print: () => string) => { try { return print(); } catch (error) { return `refused: ${(error as Error).message}`; } };

test("server lines are the template's, words escaped as hap escapes them, 0 and null printing nothing", () => {
  for (let run = 0; run < 500; run++) {
    const servers = Array.from({ length: random(3) }, serverView);
    const observe = pick(["layer4", "layer7"] as const);
    const ours = servers.map((s) => serverLine(s, observe));
    assert.is(ours.map((l) => (typeof l === "string" ? l : hap(l))).join(""), hb.server!({ servers, observe }));
  }
});

test("a refused word in a server line makes printing fail as hap did", () => {
  for (const bad of REFUSED) {
    const s: ServerView = { ...serverView(), address: check(nameWord("10.0.0.1:80")), tls: { certificate: bad, caFile: null, verifyHost: null, sni: null, minVersion: "TLSv1.2", ciphers: textWord("A:B"), alpnH2: false } };
    const line = serverLine(s, "layer7");
    assert.is(typeof line, "object");
    assert.is(outcome(() => hap(line as Word)), outcome(() => hb.server!({ servers: [s], observe: "layer7" })));
  }
});

test("ACL lines are the template's: arg, flags, operator and patterns present or not", () => {
  for (let run = 0; run < 500; run++) {
    const patterns = Array.from({ length: random(4) }, () => pick([texts, () => intWord(number()), () => check(nameWord("GET")), () => formatWord(literal("50%"), expr("%[src]"))])());
    const fields = { name: `meshc_r${random(9)}_path` as const, fetch: pick(["path", "var", "req.fhdr"] as const), arg: maybeNull(() => tokenWord("x-user")), flags: pick(["", "-m reg", "-m int"]), operator: pick([null, "gt", "lt"] as const), patterns };
    const acl: AclView = aclView(fields.name, fields.fetch, fields.arg, fields.flags, fields.operator, fields.patterns);
    assert.is(outcome(() => hap(acl.line)), outcome(() => hb.acl!(fields)));
  }
  for (const bad of REFUSED) {
    const fields = { name: "meshc_x" as const, fetch: "path" as const, arg: null, flags: "-m str", operator: null, patterns: [textWord("ok"), bad] };
    assert.is(outcome(() => hap(aclView(fields.name, fields.fetch, fields.arg, fields.flags, fields.operator, fields.patterns).line)), outcome(() => hb.acl!(fields)));
  }
});

test("host-selector lines are the template's, with and without a pattern, refused patterns failing alike", () => {
  for (const pattern of [null, textWord("a.example"), check(textWord("b.example")), textWord('q"$'), ...REFUSED]) {
    for (const match of ["str", "end", "beg"] as const) {
      const line = vhostSelectorLine(3, match, pattern);
      assert.is(outcome(() => (typeof line === "string" ? line : hap(line))), outcome(() => hb.vhost!({ vhost: 3, match, pattern })));
    }
  }
});

test("backend blocks are the template's", () => {
  for (let run = 0; run < 300; run++) {
    const servers = Array.from({ length: random(3) }, serverView);
    const observe = pick(["layer4", "layer7"] as const);
    const lines = servers.map((s) => serverLine(s, observe));
    const serversWord: Word = { word: "checked", text: lines.map((l) => (typeof l === "string" ? l : hap(l))).join("") };
    const view: BackendView = {
      trace: { kind: pick(["route", "service"] as const), name: pick(["r1", "svc-2", "Weird Name\u0007"]) },
      name: random(4) ? check(nameWord("route.r1.svc-2")) : nameWord("route.r1.svc-2"), mode: pick(["http", "tcp"] as const),
      balance: { keyword: pick(["roundrobin", "hdr", "source"] as const), key: maybeNull(() => tokenWord("x-key")), consistent: random(2) === 0 },
      connectTimeoutMs: number(), serverTimeoutMs: number(), retries: maybeNull(() => ({ count: number(), on: "conn-failure 503" })),
      idempotentOnly: random(2) === 0, httpCheck: maybeNull(() => ({ path: texts(), timeoutMs: number() })), checkTimeoutMs: maybeNull(number),
      observe, dns: false, servers: serversWord, text: serversWord,
    };
    assert.is(outcome(() => hap(backendText(view))), outcome(() => hb.backend!({ ...view, servers })), JSON.stringify(view));
  }
});

function headerRules(): HeaderRuleView[] {
  return Array.from({ length: random(3) }, () => {
    const action = pick(["del-header", "set-header", "add-header"] as const);
    return { action, name: random(2) ? check(tokenWord("x-a")) : tokenWord("x-b"), value: action === "del-header" ? null : pick([texts, () => formatWord(literal("50% $x"), expr("%[src]"))])() };
  });
}

test("a route's written parts are the template's three loops, refused words failing alike", () => {
  for (let run = 0; run < 500; run++) {
    const conditions = (): AclRef[] => Array.from({ length: random(3) }, () => pick(["meshc_vhost_0", "!meshc_r1_header0", "meshc_has_query"] as const));
    const routes = Array.from({ length: 1 + random(3) }, (_, index) => {
      const requestHeaders = headerRules();
      const responseHeaders = headerRules();
      const bad = random(15) === 0 ? pick(REFUSED) : null;
      const fields = {
        trace: { kind: "route" as const, name: pick(["r1", "odd name"]) }, index,
        acls: Array.from({ length: random(3) }, () => aclView("meshc_r0_path", "path", null, "-m beg", null, [bad ?? texts()])),
        conditions: conditions(),
        faultAbort: maybeNull(() => ({ status: pick([503, 429]), threshold: number() })),
        requestHeaders, responseHeaders,
        rewritePath: maybeNull(() => ({ regex: texts(), replacement: formatWord(literal("/x"), expr("\\1")) })),
        rewriteHost: maybeNull(() => bad ?? texts()),
        redirects: Array.from({ length: random(3) }, () => ({ location: texts(), status: pick([301, 302]), conditions: conditions() })),
        direct: maybeNull(() => ({ status: pick([200, 404]), body: maybeNull(texts) })),
        backends: Array.from({ length: random(3) }, () => ({ name: bad ?? check(nameWord("route.r1.svc-2")), below: maybeNull(number) })),
        hasActions: false,
      };
      fields.hasActions = fields.faultAbort !== null || fields.rewritePath !== null || fields.rewriteHost !== null || fields.direct !== null
        || fields.redirects.length + requestHeaders.length + responseHeaders.length > 0;
      const written: RouteView = { ...fields, ...routeTexts(fields) };
      return written;
    });
    assert.is(outcome(() => hb.routeWritten!({ routes })), outcome(() => hb.route!({ routes })));
  }
});

// Host selectors: the per-vhost path against the sorted one, on random domain sets; arrays are
// shared between listeners (as the IR shares a destination's domains), at other indexes.
const DOMAINS = ["a.example", "B.Example", "*.example", "*.x.example", "api.*", "*", "svc-1", "svc-1.bench", "*.bench", "x\ny.example", "q\"$.example"];
const vhostsOf = (arrays: readonly (readonly string[])[]) => arrays.map((domains) => ({ domains }) as unknown as VirtualHostIR);
const joined = (words: readonly Word[]) => words.map((w) => outcome(() => hap(w))).join("\n");

test("host selectors per vhost are the sorted path's lines and diagnostics, shared arrays at any index", () => {
  const pool = Array.from({ length: 12 }, () => Array.from({ length: 1 + random(4) }, () => pick(DOMAINS)));
  const memo = new WeakMap<object, unknown>();
  let fast = 0;
  for (let run = 0; run < 600; run++) {
    const arrays = Array.from({ length: 1 + random(4) }, () => pick(pool));
    const vhosts = vhostsOf(arrays);
    const ours = createBuildContext("haproxy/x.cfg", new Map(), new WeakMap(), memo);
    const sorted = createBuildContext("haproxy/x.cfg");
    const got = buildVhostSelectors(ours, vhosts, "proxies.x.listeners[0]");
    const want = buildVhostSelectorsSorted(sorted, vhosts, "proxies.x.listeners[0]");
    assert.is(joined(got), joined(want), JSON.stringify(arrays));
    assert.equal(ours.diagnostics, sorted.diagnostics);
    if (got.length < want.length) fast++;
  }
  assert.ok(fast > 50, `the shared path ran only ${fast} times`);
});

test.run();
