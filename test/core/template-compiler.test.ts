// The nginx and HAProxy templates run as plain functions compiled by
// compiler/template-compiler.ts; handlebars itself is the reference. Every view the examples
// and IR fixtures with golden bundles produce, random edits of those views (fast-check,
// fixed seed) and random contexts of a template using every supported construct are rendered
// both ways: the text is identical, or both throw. A construct the compiler does not
// translate is refused with UnsupportedTemplateError (the build then fails).
import { test } from "uvu";
import * as assert from "uvu/assert";
import fc from "fast-check";
import { existsSync, readdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { compileFile } from "../../compiler/compile.ts";
import { CONFIG_NAMES } from "../../compiler/load/index.ts";
import type { MeshIR } from "../../compiler/ir/types.ts";
import { loadTemplates, precompiledSource, referenceTemplates, type CompiledTemplate, type TemplateHelpers, type TemplateSet } from "../../compiler/handlebars-templates.ts";
import { UnsupportedTemplateError } from "../../compiler/template-compiler.ts";
import { nginxHelpers, nginxTemplates } from "../../targets/nginx/render.ts";
import { buildProxyView } from "../../targets/nginx/view.ts";
import { haproxyHelpers, haproxyTemplates } from "../../targets/haproxy/render.ts";
import { buildConfigView } from "../../targets/haproxy/build-proxy.ts";
import { createBuildContext } from "../../targets/haproxy/context.ts";
import { sampleIR } from "../fixtures/ir/sample.ts";
import { buildNginxE2eIR } from "../fixtures/ir/nginx-e2e.ts";
import { haproxyFeaturesIR } from "../fixtures/ir/haproxy-features.ts";
import { haproxyE2eIR } from "../fixtures/ir/haproxy-e2e.ts";
import { policyMatrixIR, policyMatrixSecurityIR } from "../fixtures/ir/policy-matrix.ts";
import { buildTcpIR } from "../nginx/tcp-fixture.ts";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");

/** A set's entry template rendered by handlebars and by the compiled function. */
function both(set: TemplateSet, helpers: TemplateHelpers, entry: string): { reference: CompiledTemplate; compiled: CompiledTemplate } {
  return { reference: referenceTemplates(set, helpers)[entry]!, compiled: loadTemplates(set, helpers)[entry]! };
}
const nginx = both(nginxTemplates, nginxHelpers, "nginx.conf");
const haproxy = both(haproxyTemplates, haproxyHelpers, "config");

type Outcome = { text: string } | { threw: true };
const run = (render: CompiledTemplate, view: unknown): Outcome => {
  try {
    return { text: render(view) };
  } catch {
    return { threw: true };
  }
};

async function irs(): Promise<MeshIR[]> {
  const examples = readdirSync(join(ROOT, "examples")).sort().filter((name) => existsSync(join(ROOT, "snapshots", name)));
  const fromExamples = await Promise.all(examples.map(async (name) => {
    const config = CONFIG_NAMES.map((c) => join(ROOT, "examples", name, c)).find(existsSync)!;
    const r = await compileFile(config, { cwd: ROOT, verify: "none", typecheck: false, targets: ["nginx"] });
    return r.ir!;
  }));
  const ports = { outbound: 15001, inbound: 15002, limited: 15003, admin: 15004, metrics: 15005 };
  const upstreams = { v1: 18001, v2: 18002, flaky: 18003, slow: 18004, local: 18005 };
  return [
    ...fromExamples, sampleIR, haproxyFeaturesIR, policyMatrixIR, policyMatrixSecurityIR,
    buildNginxE2eIR("/srv/prefix", { webOutbound: 15001, paymentsStrict: 9443, paymentsLimited: 9444, upstreams }),
    haproxyE2eIR("/srv/prefix", ports, upstreams),
    buildTcpIR("/srv/prefix", { webSingle: 16001, webSplit: 16002, ledgerInbound: 16003, local: 16004, v1: 16005, v2: 16006 }),
  ];
}

const views = { nginx: [] as unknown[], haproxy: [] as unknown[] };

test.before(async () => {
  for (const ir of await irs()) {
    for (const proxy of ir.proxies) {
      views.nginx.push(buildProxyView(ir, proxy, `nginx/${proxy.name}.conf`).view);
      views.haproxy.push(buildConfigView(createBuildContext(`haproxy/${proxy.name}.cfg`), proxy));
    }
  }
});

test("every view of the examples and fixtures renders to the same text both ways, covering every template", () => {
  const texts = { nginx: "", haproxy: "" };
  for (const target of ["nginx", "haproxy"] as const) {
    const { reference, compiled } = target === "nginx" ? nginx : haproxy;
    for (const view of views[target]) {
      const expected = reference(view);
      assert.is(compiled(view), expected);
      texts[target] += expected;
    }
  }
  // The views reach every template and the rarer blocks (else the comparison would miss them).
  for (const marker of ["\nstream {", "location = /__meshc_mirror_", "split_clients", "map ", "upstream ", "proxy_ssl_certificate", "error_page 497", "grpc_pass", "limit_req "]) {
    assert.ok(texts.nginx.includes(marker), `nginx: ${marker}`);
  }
  for (const marker of ["tcp-request inspect-delay", "mode tcp", "\nbackend ", "http-request redirect", "hash-type consistent", "resolvers meshc", "lua-load", "http-request deny deny_status 403 if"]) {
    assert.ok(texts.haproxy.includes(marker), `haproxy: ${marker}`);
  }
});

// Random edits of real views: strings with the characters HTML escaping changes, numbers,
// falsy and truthy values of every kind, removed keys, emptied, shortened and longer arrays.
const TEXT = fc.string({ unit: fc.constantFrom("a", "Z", "0", " ", "&", "<", ">", '"', "'", "`", "=", "$", "\\", "\n", "{", ";", "é"), maxLength: 8 });
const EDIT = fc.record({
  at: fc.nat(),
  op: fc.constantFrom("text", "number", "falsy", "truthy", "delete", "empty", "grow", "shrink"),
  text: TEXT,
  pick: fc.nat({ max: 7 }),
});

type Edit = typeof EDIT extends fc.Arbitrary<infer T> ? T : never;

function slots(root: unknown): [Record<string, unknown>, string][] {
  const out: [Record<string, unknown>, string][] = [];
  const walk = (node: unknown) => {
    if (node === null || typeof node !== "object") return;
    for (const key of Object.keys(node)) {
      out.push([node as Record<string, unknown>, key]);
      walk((node as Record<string, unknown>)[key]);
    }
  };
  walk(root);
  return out;
}

function edit(view: unknown, edits: readonly Edit[]): unknown {
  const copy = structuredClone(view);
  for (const { at, op, text, pick } of edits) {
    const all = slots(copy);
    if (all.length === 0) break;
    const [parent, key] = all[at % all.length]!;
    const value = parent[key];
    const falsy = [null, undefined, false, 0, "", [], Number.NaN][pick % 7];
    const truthy = [true, {}, "x", [0], 1, -1, " ", [[]]][pick];
    if (op === "text") parent[key] = text;
    else if (op === "number") parent[key] = pick * 7 - 3;
    else if (op === "falsy") parent[key] = falsy;
    else if (op === "truthy") parent[key] = truthy;
    else if (op === "delete") delete parent[key];
    else if (Array.isArray(value) && op === "empty") value.length = 0;
    else if (Array.isArray(value) && op === "grow" && value.length > 0) value.push(structuredClone(value[pick % value.length]));
    else if (Array.isArray(value) && op === "shrink") value.splice(pick % Math.max(1, value.length), 1);
  }
  return copy;
}

test("random edits of real views render the same both ways (or both throw)", () => {
  let rendered = 0;
  for (const target of ["nginx", "haproxy"] as const) {
    const { reference, compiled } = target === "nginx" ? nginx : haproxy;
    const pool = views[target];
    fc.assert(fc.property(fc.nat(), fc.array(EDIT, { minLength: 1, maxLength: 4 }), (index, edits) => {
      const view = edit(pool[index % pool.length], edits);
      const expected = run(reference, view);
      assert.equal(run(compiled, view), expected);
      if ("text" in expected) rendered++;
    }), { seed: 0x14, numRuns: 400 });
  }
  // Most edits leave a renderable view: the comparison is of text, not only of failures.
  assert.ok(rendered > 300, `only ${rendered} of 800 edited views rendered`);
});

// Every construct the compiler translates, on random contexts, escaped and not.
const CONSTRUCTS: Record<string, string> = {
  main: `{{! a comment }}
head {{a}} {{{a}}} {{&a}} {{this.a}} {{up a}} {{safe a}} {{#if o.x}}{{o.x}}{{/if}}
{{#if a}}
  if {{a}}
{{else}}
  else
{{/if}}
{{#unless b}}unless{{else}}not {{b}}{{/unless}}
{{#with o}}
  with {{this}} {{#if x}}{{x}}{{/if}} {{../a}} {{#if ../b}}{{../b}}{{/if}}
{{else}}
  no with
{{/with}}
{{#each list}}
  - {{this}} {{../a}}{{#each ../list}}{{this}}{{/each}}
{{else}}
  none
{{/each}}
{{#each o.items}}{{> item}}{{/each}}
{{#if o.x}}
  {{> item o extra=a}}
{{/if}}
{{#if list.length}}n={{list.length}}{{/if}}
   {{~#if b~}}   stripped   {{~/if~}}
tail
`,
  item: "({{x}}|{{#if extra}}{{extra}}{{/if}}|{{up this}})\n",
};
const LEAF = fc.oneof(TEXT, fc.integer({ min: -1, max: 2 }), fc.boolean(), fc.constant(null), fc.constant(undefined), fc.constant(Number.NaN));
const VALUE = fc.oneof(LEAF, fc.array(LEAF, { maxLength: 3 }), fc.constant({}));
// Plain objects, as views are (a null-prototype object makes handlebars' depth check throw).
const ITEM = fc.oneof({ weight: 4, arbitrary: fc.record({ x: VALUE }, { noNullPrototype: true }) }, { weight: 1, arbitrary: VALUE });
const CONTEXT = fc.record({
  a: VALUE, b: VALUE, list: fc.oneof(fc.array(VALUE, { maxLength: 3 }), VALUE),
  o: fc.oneof({ weight: 4, arbitrary: fc.record({ x: VALUE, items: fc.oneof(fc.array(ITEM, { maxLength: 3 }), VALUE) }, { requiredKeys: ["x"], noNullPrototype: true }) }, { weight: 1, arbitrary: VALUE }),
}, { requiredKeys: ["a", "b", "list"], noNullPrototype: true });

for (const noEscape of [false, true]) {
  test(`every supported construct renders as handlebars does on random contexts (noEscape: ${noEscape})`, () => {
    const set: TemplateSet = {
      precompiledPath: join(ROOT, "no-such-file.cjs"), options: { strict: true, noEscape }, partials: ["item"],
      helpers: { up: { safe: false }, safe: { safe: true } }, sources: () => CONSTRUCTS,
    };
    const helpers: TemplateHelpers = { up: (v) => `<${String(v).toUpperCase()}>`, safe: (v) => `&${String(v)}&` };
    const { reference, compiled } = both(set, helpers, "main");
    let rendered = 0;
    fc.assert(fc.property(CONTEXT, (context) => {
      const expected = run(reference, context);
      assert.equal(run(compiled, context), expected);
      if ("text" in expected) rendered++;
    }), { seed: 0x14e, numRuns: 1500 });
    assert.ok(rendered > 300, `only ${rendered} contexts rendered`);
  });
}

test("holes in an array are skipped as handlebars skips them; undefined elements are not", () => {
  const set: TemplateSet = {
    precompiledPath: join(ROOT, "no-such-file.cjs"), options: { strict: true }, partials: ["item"],
    helpers: { up: { safe: false }, safe: { safe: true } }, sources: () => CONSTRUCTS,
  };
  const helpers: TemplateHelpers = { up: (v) => `<${String(v).toUpperCase()}>`, safe: (v) => `&${String(v)}&` };
  const { reference, compiled } = both(set, helpers, "main");
  const sparse = () => [, "x", undefined, , 0, ,];
  const context = { a: "a", b: 1, list: sparse(), o: { x: 1, items: [, { x: "y" }, , { x: undefined }] } };
  const text = compiled(context);
  assert.is(text, reference(context));
  assert.ok(text.includes("- x a"), text);
});

test("an inherited property reads as undefined, as in handlebars: a built-in prototype's name, and a function under any name", () => {
  // The compiled reads test own properties only for names some built-in prototype has and
  // for function values (template-compiler.ts, INHERITED): both kinds are covered here.
  class Methods { x() { return "method"; } }
  const set: TemplateSet = {
    precompiledPath: join(ROOT, "no-such-file.cjs"), options: { strict: true }, partials: [], helpers: { up: { safe: false } },
    sources: () => ({ main: "[{{o.x}}|{{up o.x}}|{{#if o.x}}if{{/if}}|{{#each o.entries}}e{{/each}}|{{#if o.constructor}}c{{/if}}|{{up o.entries}}|{{up o.link}}|{{#with o.x}}w{{/with}}]\n" }),
  };
  const helpers: TemplateHelpers = { up: (v) => `<${typeof v}>` };
  const { reference, compiled } = both(set, helpers, "main");
  const contexts = [{ o: new Methods() }, { o: [1, 2] }, { o: "text" }, { o: {} }, { o: { entries: [1], link: "l" } }, { o: { x: "own", entries: "own" } }];
  for (const context of contexts) assert.equal(run(compiled, context), run(reference, context), JSON.stringify(context));
  assert.equal(run(compiled, { o: new Methods() }), { text: "[|&lt;undefined&gt;||||&lt;undefined&gt;|&lt;undefined&gt;|]\n" });
});

test("a construct the compiler does not translate is refused, naming the template and line", () => {
  const unsupported = [
    "{{@index}}", "{{#each xs as |x|}}{{x}}{{/each}}", "{{lookup a b}}", "{{#custom a}}{{/custom}}", "{{> (dyn)}}",
    '{{up "literal"}}', "{{up a b}}", "{{up a key=b}}", "{{#if a includeZero=true}}{{/if}}", "{{{{raw}}}}x{{{{/raw}}}}",
    "{{#> item}}x{{/item}}", "{{../a}}", "{{each}}", "{{up}}", "{{> missing}}", "{{#if a b}}{{/if}}",
    "{{#*inline \"p\"}}x{{/inline}}", "{{up (up a)}}", "{{#with a as |b|}}{{/with}}",
  ];
  for (const source of unsupported) {
    const set: TemplateSet = {
      precompiledPath: join(ROOT, "no-such-file.cjs"), options: { strict: true }, partials: ["item"],
      helpers: { up: { safe: false } }, sources: () => ({ main: `line one\n${source}\n`, item: "i" }),
    };
    try {
      precompiledSource(set);
      assert.unreachable(`compiled: ${source}`);
    } catch (error) {
      assert.instance(error, UnsupportedTemplateError, `${source}: ${String(error)}`);
      assert.match((error as Error).message, /template "main":2:\d+: .* is not supported/);
    }
  }
});

test.run();
