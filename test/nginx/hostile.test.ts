// Property: for hostile strings in every IR string that reaches nginx, emit either reports
// an error diagnostic (and writes nothing), or writes a config that passes `nginx -t` with
// the value intact in the token where it was meant to go (read back with nginx's quoting).
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { MeshIR, RouteIR } from "../../compiler/ir/types.ts";
import { nginx } from "../../targets/nginx/index.ts";
import { escapeRegexLiteral } from "../../targets/nginx/escape.ts";
import { findNginx, parseNginxOutput, verifyNginxFiles } from "../../targets/nginx/verify.ts";
import { execFile } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { e2eIdentities } from "../fixtures/ir/nginx-e2e.ts";
import { writeMeshPki } from "../support/pki.ts";
import { makeTempPrefix } from "../support/procs.ts";
import { buildNginxE2eIR } from "../fixtures/ir/nginx-e2e.ts";
import { readDirectives, type Directive } from "./tokens.ts";

// The IR's runtime paths point into one shared prefix holding a dev PKI, so every
// generated file is checked as written, without the verifier's per-call setup.
const prefix = makeTempPrefix("nginx-hostile");
const base = buildNginxE2eIR(prefix.dir, { webOutbound: 15001, paymentsStrict: 9443, paymentsLimited: 9444, upstreams: { v1: 18001, v2: 18002, flaky: 18003, slow: 18004, local: 18005 } });

const TABLE = [
  "svc\nlisten 1337;", "a\r\nX-Inj: 1", "x } server { listen 81; }", "x\"; ssl_engine /x/e.so; #", "x' ; deny all; '",
  "abc\\", "$request_uri", "%[req.hdr(cookie)]", "%ENVIRONMENT(SECRET)%", "../../etc/passwd", "Foo_Bar", "a".repeat(64),
  "foo.*.com", "good.com@evil.com", "host:443", "//admin", "/a/../admin", "/admin%2F", "/admin#x", "yes", "0x10", "!!binary x",
  "line\u2028sep", "next\u0085line", "bidi\u202eevil", "nul\u0000byte", "tab\there", "${host}", "\\\"", "{", "}", ";", "#", "\\n",
];

// A seeded generator: the same hostile strings every run, so failures reproduce.
function generated(count: number): string[] {
  const alphabet = ["a", "/", "\"", "\\", "'", "{", "}", ";", "$", "#", " ", "\n", "\t", "\u2028", "\u0085", "\u202e", "é", "%", "(", ")", "*", ".", "-", "x"];
  let seed = 20260521;
  const next = () => { seed = (seed * 1103515245 + 12345) % 2 ** 31; return seed; };
  return Array.from({ length: count }, () => Array.from({ length: 1 + (next() % 12) }, () => alphabet[next() % alphabet.length]).join(""));
}

type Web = { -readonly [K in keyof RouteIR]: RouteIR[K] };
/** A copy of the base IR with `edit` applied to the web proxy's first route (and friends). */
function withWebRoute(edit: (route: Web) => void, index = 0): MeshIR {
  const ir = structuredClone(base) as MeshIR;
  const web = ir.proxies.find((p) => p.name === "web")!;
  const listener = web.listeners[0] as unknown as { virtualHosts: { routes: Web[]; domains: string[] }[] };
  edit(listener.virtualHosts[0].routes[index]);
  return ir;
}

interface Field {
  readonly name: string;
  readonly apply: (value: string) => MeshIR;
  /** True when the directives hold the value where it belongs. */
  readonly readBack: (directives: readonly Directive[], value: string) => boolean;
}

const hasWord = (ds: readonly Directive[], word: string) => ds.some((d) => d.words.includes(word));
const FIELDS: Field[] = [
  { name: "request header value", apply: (v) => withWebRoute((r) => { r.requestHeaders = { set: [{ name: "x-v", value: v }], add: [], remove: [] }; }),
    readBack: (ds, v) => ds.some((d) => d.words[0] === "proxy_set_header" && d.words[1] === "x-v" && d.words[2] === v) },
  { name: "response header value", apply: (v) => withWebRoute((r) => { r.responseHeaders = { set: [], add: [{ name: "x-v", value: v }], remove: [] }; }),
    readBack: (ds, v) => ds.some((d) => d.words[0] === "add_header" && d.words[2] === v) },
  { name: "header name", apply: (v) => withWebRoute((r) => { r.requestHeaders = { set: [{ name: v, value: "1" }], add: [], remove: [] }; }),
    readBack: (ds, v) => ds.some((d) => d.words[0] === "proxy_set_header" && d.words[1] === v) },
  { name: "direct response body", apply: (v) => withWebRoute((r) => { r.action = { kind: "direct", status: 200, body: v }; }),
    readBack: (ds, v) => ds.some((d) => d.words[0] === "return" && d.words[2] === v) },
  { name: "redirect host", apply: (v) => withWebRoute((r) => { r.action = { kind: "redirect", scheme: "https", host: v, port: null, path: "/x", status: 302 }; }),
    readBack: (ds, v) => ds.some((d) => d.words[0] === "return" && d.words[2] === `https://${v}/x\${is_args}\${args}`) },
  { name: "redirect path", apply: (v) => withWebRoute((r) => { r.action = { kind: "redirect", scheme: "https", host: "a.example", port: null, path: v, status: 302 }; }),
    readBack: (ds, v) => ds.some((d) => d.words[0] === "return" && d.words[2] === `https://a.example${v}\${is_args}\${args}`) },
  { name: "exact path", apply: (v) => withWebRoute((r) => { r.match = { ...r.match, path: { kind: "exact", value: v } }; }),
    readBack: (ds, v) => hasWord(ds, `~^${escapeRegexLiteral(v)}$`) },
  { name: "string-prefix path + prefix rewrite", apply: (v) => withWebRoute((r) => {
      r.match = { ...r.match, path: { kind: "string-prefix", value: v } };
      if (r.action.kind === "forward") r.action = { ...r.action, rewrite: { prefix: v, regex: null, host: null } };
    }), readBack: (ds, v) => hasWord(ds, `~^${escapeRegexLiteral(v)}`) && ds.some((d) => d.words[0] === "rewrite" && d.words[2] === `${v}$1`) },
  // Header values are matched on njs's "=" + trimmed value (view/njs.ts).
  { name: "header match value", apply: (v) => withWebRoute((r) => { r.match = { ...r.match, headers: [{ name: "x-canary", kind: "exact", value: v, invert: false }] }; }),
    readBack: (ds, v) => hasWord(ds, `~^=${escapeRegexLiteral(v)}$`) },
  { name: "query match value", apply: (v) => withWebRoute((r) => { r.match = { ...r.match, query: [{ name: "q", kind: "prefix", value: v, invert: false }] }; }),
    readBack: (ds, v) => hasWord(ds, `~^${escapeRegexLiteral(v)}`) },
  { name: "virtual host domain", apply: (v) => {
      const ir = structuredClone(base) as MeshIR;
      ((ir.proxies[1].listeners[0] as unknown as { virtualHosts: { domains: string[] }[] }).virtualHosts[0]).domains = [v];
      return ir;
    // nginx matches server_name against the Host without its port, so a `:port` is dropped.
    }, readBack: (ds, v) => ds.some((d) => d.words[0] === "server_name" && d.words.includes(v.replace(/:\d{1,5}$/, ""))) },
  { name: "principal SPIFFE ID", apply: (v) => {
      const ir = structuredClone(base) as MeshIR;
      const rule = (ir.proxies[0].listeners[0].authorization!.rules[1]) as unknown as { principals: { spiffeId: string }[] };
      rule.principals[0].spiffeId = `spiffe://shop/${v}`;
      return ir;
    }, readBack: (ds, v) => hasWord(ds, `~^(?:${escapeRegexLiteral(`spiffe://shop/${v}`)})$`) },
];


function nginxTest(binary: string, configFile: string, bundlePath: string) {
  return new Promise((resolve) => {
    execFile(binary, ["-t", "-q", "-p", prefix.dir + "/", "-c", configFile], { encoding: "utf8" }, (error, stdout, stderr) => {
      const found = parseNginxOutput(stderr + stdout, bundlePath);
      resolve(error && found.length === 0 ? [{ code: "exit", message: stderr }] : found);
    });
  });
}

test.before(async () => {
  await writeMeshPki(base.runtime.certDir, e2eIdentities(base.runtime.certDir));
  for (const dir of [base.runtime.runDir, base.runtime.logDir, join(prefix.dir, "cases")]) mkdirSync(dir, { recursive: true });
});
test.after(() => prefix.remove());

test("hostile strings are rejected with a diagnostic or survive nginx -t intact", async () => {
  const binary = findNginx();
  assert.ok(binary, "nginx is needed for this test");
  const values = [...TABLE, ...generated(24)];
  let accepted = 0;
  let rejected = 0;
  let nextCase = 0;
  const checkCase = async (field: Field, value: string) => {
    const caseId = nextCase++;
    const ir = field.apply(value);
    const result = nginx.emit(ir);
    const label = `${field.name} = ${JSON.stringify(value)}`;
    if (result.diagnostics.some((d) => d.severity === "error")) {
      assert.equal(result.files, [], `${label}: files written despite errors`);
      assert.ok(result.diagnostics.every((d) => /^MESH31[5-9]\d$/.test(d.code)), `${label}: ${JSON.stringify(result.diagnostics)}`);
      rejected++;
      return;
    }
    const all = result.files.flatMap((f) => readDirectives(f.content));
    assert.ok(field.readBack(all, value), `${label}: value not read back intact`);
    // One folder per case: a conf imports its njs module (`<proxy>.js`) from its own folder.
    const caseDir = join(prefix.dir, "cases", String(caseId));
    mkdirSync(caseDir, { recursive: true });
    for (const file of result.files) writeFileSync(join(caseDir, file.path.replace("nginx/", "")), file.content);
    for (const file of result.files.filter((f) => f.path.endsWith(".conf"))) {
      const configFile = join(caseDir, file.path.replace("nginx/", ""));
      assert.equal(await nginxTest(binary!, configFile, file.path), [], `${label}: nginx -t rejected it`);
    }
    accepted++;
  };
  const cases = FIELDS.flatMap((field) => values.map((value) => () => checkCase(field, value)));
  // nginx -t takes ~15 ms; four at a time keeps both cores busy.
  for (let i = 0; i < cases.length; i += 4) await Promise.all(cases.slice(i, i + 4).map((run) => run()));
  assert.ok(accepted > 50 && rejected > 50, `accepted ${accepted}, rejected ${rejected}`);
  if (process.env.MESHC_SHOW_MEASUREMENTS) console.log(`hostile: accepted ${accepted}, rejected ${rejected}`);
});

test("a regex PCRE refuses is caught by nginx -t at the right line", async () => {
  const ir = withWebRoute((r) => { r.match = { ...r.match, path: { kind: "regex", value: "a{2,1}" } }; });
  const result = nginx.emit(ir);
  const found = await verifyNginxFiles(result.files, ir, findNginx()!);
  assert.is(found.length, 1);
  const web = result.files.find((f) => f.path === "nginx/web.conf")!;
  assert.is(found[0].code, "MESH4200");
  assert.is(found[0].file, "nginx/web.conf");
  assert.match(web.content.split("\n")[found[0].line - 1], "a{2,1}");
});

test.run();
