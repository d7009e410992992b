// `meshc explain` names the config line and the emitted blocks behind each decision. Checked
// against a bundle the real binary writes to disk: each named line of nginx, HAProxy and
// Envoy is the block of that route or rule (its marker above it, or the Envoy route entry /
// RBAC policy of that name), and the config line is where the route or rule is written.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { Explanation } from "../../compiler/review/explain.ts";
import type { ExplainLocations } from "../../compiler/review/explain-locate.ts";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
const BIN = join(ROOT, "compiler", "cli", "meshc.js");
const SHOP = join("examples", "shop", "mesh.config.ts");

function meshc(...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, encoding: "utf8" });
  assert.is(r.status, 0, r.stderr);
  return r.stdout;
}

const out = mkdtempSync(join(tmpdir(), "meshc-explain-locate-"));
meshc("compile", SHOP, "--out", out);
const fileLines = (path: string) => readFileSync(join(out, path), "utf8").split("\n");

/** The named line is the block the marker `# <kind> <name>` (nginx, HAProxy) sits on. */
function assertMarked(path: string, line: number, kind: string, name: string) {
  const lines = fileLines(path);
  assert.is(lines[line - 2]!.trim(), `# ${kind} ${name}`, `${path}:${line} ${lines[line - 1]}`);
  assert.ok(lines[line - 1]!.trim().length > 0 && !lines[line - 1]!.trim().startsWith("#"));
}

/** The named Envoy line starts the list entry of that route: its metadata names it, and so does its `name`. */
function assertEnvoyRoute(path: string, line: number, route: string) {
  const lines = fileLines(path);
  const start = lines[line - 1]!;
  const indent = start.indexOf("- ");
  assert.ok(indent >= 0, `${path}:${line} is no list entry: ${start}`);
  const entry = [start];
  for (let i = line; i < lines.length && (lines[i]!.length - lines[i]!.trimStart().length) > indent; i++) entry.push(lines[i]!);
  const text = entry.join("\n");
  assert.match(text, new RegExp(`\\n {${indent + 2}}name: ${route}\\n`));
  assert.match(text, new RegExp(`source: "route ${route}"`));
}

test("api -> catalog: route catalog and rule api-reads-catalog, at their config lines and in every proxy file", () => {
  const e = JSON.parse(meshc("explain", SHOP, "--from", "api", "--to", "catalog", "--path", "/api/catalog/items", "--format", "json")) as Explanation & { locations: ExplainLocations };
  assert.is(e.route?.name, "catalog");
  const route = e.locations.route;
  assert.equal(route.map((t) => t.file), ["envoy/api.yaml", "haproxy/api.cfg", "nginx/api.conf"]);
  for (const t of route) {
    assert.ok(t.lines.length > 0);
    for (const line of t.lines) {
      if (t.file.startsWith("envoy/")) assertEnvoyRoute(t.file, line, "catalog");
      else assertMarked(t.file, line, "route", "catalog");
    }
  }
  // nginx: the route's named location is among them; HAProxy: its backends too.
  assert.ok(route.find((t) => t.file === "nginx/api.conf")!.lines.some((l) => /^\s*location @meshc_\S+ \{$/.test(fileLines("nginx/api.conf")[l - 1]!)));
  assert.ok(route.find((t) => t.file === "haproxy/api.cfg")!.lines.some((l) => fileLines("haproxy/api.cfg")[l - 1]!.startsWith("backend route.catalog.")));

  assert.equal(e.locations.rules.map((r) => [r.service, r.rule]), [["catalog", "api-reads-catalog"]]);
  for (const t of e.locations.rules[0]!.at) {
    for (const line of t.lines) {
      if (t.file.startsWith("envoy/")) assert.is(fileLines(t.file)[line - 1]!.trim(), "api-reads-catalog:", `${t.file}:${line}`);
      else assertMarked(t.file, line, "rule", "api-reads-catalog");
    }
  }
  assert.equal(e.locations.rules[0]!.at.map((t) => t.file), ["envoy/catalog.yaml", "haproxy/catalog.cfg", "nginx/catalog.conf"]);
});

test("text: a where section with the config's file:line of the route and the rule, and the emitted lines", () => {
  const text = meshc("explain", SHOP, "--from", "api", "--to", "catalog", "--path", "/api/catalog/items");
  const config = readFileSync(join(ROOT, SHOP), "utf8").split("\n");
  const route = /^ {2}route catalog: examples\/shop\/mesh\.config\.ts:(\d+):\d+ \(routes\[\d+\]\)$/m.exec(text);
  assert.ok(route, text);
  assert.match(config[Number(route![1]) - 1]!, /name: "catalog"/);
  const rule = /^ {2}allow api-reads-catalog at catalog: examples\/shop\/mesh\.config\.ts:(\d+):\d+/m.exec(text);
  assert.ok(rule, text);
  assert.match(config[Number(rule![1]) - 1]!, /api-reads-catalog/);
  assert.match(text, /^ {4}emitted: envoy\/api\.yaml:\d+ {2}haproxy\/api\.cfg:[\d,.]+ {2}nginx\/api\.conf:[\d,]+$/m);
});

test("a gateway route's implied allow is traced to the route", () => {
  const e = JSON.parse(meshc("explain", SHOP, "--from", "edge", "--to", "shop.example.com", "--path", "/api/items", "--format", "json")) as Explanation & { locations: ExplainLocations };
  assert.is(e.route?.name, "edge-api");
  const decided = e.locations.rules[0]!;
  assert.is(decided.rule, "edge-api-gateway");
  const haproxy = decided.at.find((t) => t.file === "haproxy/api.cfg")!;
  for (const line of haproxy.lines) assertMarked(haproxy.file, line, "route", "edge-api");
  assert.ok(decided.at.some((t) => t.file === "envoy/api.yaml"));
});

test.after(() => rmSync(out, { recursive: true, force: true }));
test.run();
