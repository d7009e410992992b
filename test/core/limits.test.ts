// No input crashes or floods: nesting, sizes and counts past meshc's limits are MESH1008
// diagnostics (never a stack overflow, MESH9001); thousands of errors print a bounded
// excerpt and a bounded count; large lists compile in bounded time; values the proxies would
// refuse are caught by meshc's own checks, without --verify.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { compileFile } from "../../compiler/compile.ts";
import { excerpt, formatDiagnostics, MAX_SHOWN } from "../../compiler/diagnostics/format.ts";
import { compile } from "../../compiler/testing.ts";

const work = mkdtempSync(join(tmpdir(), "meshc-limits-"));
const base = () => ({ name: "x", trustDomain: "x.example.com", namespace: "x", services: { web: { ports: { http: { port: 8080, protocol: "http" } }, endpoints: ["10.0.0.1"] } } as Record<string, unknown> });
const codes = (ds: readonly { code: string }[]) => [...new Set(ds.map((d) => d.code))].sort();

async function compileJson(name: string, value: unknown, targets = ["envoy"]) {
  const file = join(work, `${name}.json`);
  writeFileSync(file, JSON.stringify(value));
  const r = await compileFile(file, { cwd: work, typecheck: false, verify: "none", targets });
  const text = formatDiagnostics(r.diagnostics, "text", new Map([[r.config?.file ?? "", r.config?.sourceText ?? ""]]));
  return { r, text };
}

test("an array or object nested 2,000 deep is MESH1008, not a stack overflow", async () => {
  let deepArray: unknown = "10.0.0.1";
  let deepObject: unknown = "x";
  for (let i = 0; i < 2000; i++) { deepArray = [deepArray]; deepObject = { a: deepObject }; }
  for (const [label, where] of [["array", "endpoints"], ["object", "extra"]] as const) {
    const m = base();
    (m.services as Record<string, Record<string, unknown>>).web![where] = label === "array" ? deepArray : deepObject;
    const { r, text } = await compileJson(`deep-${label}`, m);
    assert.equal(codes(r.diagnostics), ["MESH1008"], text);
    assert.match(r.diagnostics[0]!.message, /nested more than 64 levels/);
  }
});

test("a 100,000-character string and a list of 300,000 elements are MESH1008", async () => {
  const long = base();
  long.name = "a".repeat(100_000);
  assert.equal(codes((await compileJson("long", long)).r.diagnostics), ["MESH1008"]);
  const many = base();
  (many.services as Record<string, Record<string, unknown>>).web!.endpoints = Array.from({ length: 300_000 }, () => "10.0.0.1");
  assert.equal(codes((await compileJson("many", many)).r.diagnostics), ["MESH1008"]);
});

test("20,000 errors on one line: bounded text output with 'and N more'; JSON keeps them all", async () => {
  const m = base();
  (m.services as Record<string, Record<string, unknown>>).web!.endpoints = Array.from({ length: 20_000 }, () => "bad endpoint!");
  const { r, text } = await compileJson("errors", m);
  assert.is(r.diagnostics.length, 20_000);
  assert.ok(text.length < 400_000, `text is ${text.length} bytes`);
  assert.match(text, new RegExp(`and ${(20_000 - MAX_SHOWN).toLocaleString("en-US")} more diagnostic`));
  const json = formatDiagnostics(r.diagnostics, "json");
  assert.is(JSON.parse(json).length, 20_000);
  const github = formatDiagnostics(r.diagnostics, "github");
  assert.is(github.split("\n").filter((l) => l.startsWith("::error")).length, MAX_SHOWN);
});

test("a long source line is shown as an excerpt around the column, caret in place", () => {
  const line = `${"a".repeat(5000)}X${"b".repeat(5000)}`;
  const { text, caretAt } = excerpt(line, 5001);
  assert.ok(text.length <= 126, String(text.length));
  assert.is(text[caretAt], "X");
  assert.equal(excerpt("short", 3), { text: "short", caretAt: 2 });
});

test("ports: {} with a static endpoint is a schema diagnostic, not MESH9001", async () => {
  const m = base();
  (m.services as Record<string, Record<string, unknown>>).web!.ports = {};
  const { r } = await compileJson("ports", m);
  assert.equal(codes(r.diagnostics), ["MESH1105"]);
  assert.match(r.diagnostics[0]!.message, /at least 1 entry/);
});

test("20,000 routes compile without an internal error, in bounded time", async () => {
  const m: Record<string, unknown> = base();
  m.routes = Array.from({ length: 20_000 }, (_, i) => ({ from: "web", to: "web", match: { path: { exact: `/p${i}` } } }));
  const started = performance.now();
  const { r } = await compileJson("routes", m);
  const seconds = (performance.now() - started) / 1000;
  assert.not.ok(r.diagnostics.some((d) => d.severity === "error"), r.diagnostics[0]?.message);
  // Was 76 s (50 s of it quadratic IR building) on a loaded CI machine; the bound leaves room for load.
  assert.ok(seconds < 45, `${seconds.toFixed(1)} s`);
});

test("values the proxies refuse are caught without --verify", async () => {
  const route = (extra: Record<string, unknown>) => {
    const m = base();
    (m.services as Record<string, unknown>).api = { ports: { http: { port: 8080, protocol: "http" } }, endpoints: ["10.0.0.2"] };
    return { ...m, routes: [{ from: "web", to: "api", match: { path: { prefix: "/" } }, ...extra }] };
  };
  const emptyValue = await compile(route({ requestHeaders: { set: { "x-a": "" } } }), { targets: ["haproxy"] });
  assert.equal(emptyValue.errors, ["MESH2014"]);
  const longName = await compile(route({ responseHeaders: { remove: [`x-${"a".repeat(45)}`] } }), { targets: ["nginx"] });
  assert.equal(longName.errors, ["MESH2014"]);
  const okName = await compile(route({ responseHeaders: { set: { [`x-${"a".repeat(44)}`]: "1" } } }), { targets: ["nginx"] });
  assert.equal(okName.errors, []);
  const bigRegex = await compile(route({ match: { path: { regex: "/a{1,50}b" } } }), { targets: ["envoy"] });
  assert.equal(bigRegex.errors, ["MESH2011"]);
  const emptyBody = await compile(route({ directResponse: { status: 204, body: "" } }), { targets: ["haproxy"] });
  assert.equal(emptyBody.errors, []);
  const cfg = emptyBody.files.get("haproxy/web.cfg")!;
  assert.not.match(cfg, /string ""/);
  assert.match(cfg, /http-request return status 204/);
});

test.after(() => rmSync(work, { recursive: true, force: true }));
test.run();
