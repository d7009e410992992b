// Data configs compose module files: the root mesh.yaml / .json / .toml lists them, the
// loader inlines each (formats mixed), keeps every position in its own file, and refuses
// paths that leave the root's folder (absolute, `..`, a symlink out), missing files,
// repeats, the root itself and nested lists, each at the root's line for the path.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { compileFile } from "../../compiler/compile.ts";
import { loadConfig } from "../../compiler/load/index.ts";
import { MODULE_LIMITS, refusedModulePath } from "../../compiler/load/data-modules.ts";

const ROOT_YAML = (modules: string[]) => `name: org\ntrustDomain: org.example.com\nnamespace: org\nmodules:\n${modules.map((m) => `  - ${JSON.stringify(m)}\n`).join("")}`;
const PAYMENTS_YAML = `owner: payments-team
services:
  payments:
    ports:
      grpc: { port: 9090, protocol: grpc }
    endpoints: [10.0.3.10]
`;
const STOREFRONT_TOML = `owner = "storefront-team"

[services.web]
endpoints = ["10.0.1.10"]

[services.web.ports.http]
port = 8080
protocol = "http"
`;
const LEDGER_JSON = `{
  "services": {
    "ledger": {
      "ports": { "pg": { "port": 5432, "protocol": "tcp" } },
      "endpoints": ["10.0.4.10"]
    }
  }
}
`;

function withTree(files: Record<string, string>, run: (dir: string) => Promise<void>): () => Promise<void> {
  return async () => {
    const dir = mkdtempSync(join(tmpdir(), "meshc-modules-"));
    try {
      for (const [path, text] of Object.entries(files)) {
        mkdirSync(dirname(join(dir, path)), { recursive: true });
        writeFileSync(join(dir, path), text);
      }
      await run(dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
}

const TEAMS = {
  "teams/payments/mesh.yaml": PAYMENTS_YAML,
  "teams/storefront/mesh.toml": STOREFRONT_TOML,
  "teams/ledger/mesh.json": LEDGER_JSON,
};

test("the root's modules become the module files' values, in list order, formats mixed", withTree({
  ...TEAMS, "mesh.yaml": ROOT_YAML(["teams/payments/mesh.yaml", "./teams/storefront/mesh.toml", "teams/ledger/mesh.json"]),
}, async (dir) => {
  const r = await loadConfig(join(dir, "mesh.yaml"), dir);
  assert.equal(r.diagnostics, []);
  // As written (the flat mesh merges them: load/modules.ts, tested in modules.test.ts).
  const value = r.config!.composition!.written as { modules: { owner?: string; services: Record<string, unknown> }[] };
  assert.equal(value.modules.map((m) => [m.owner ?? null, Object.keys(m.services)]), [
    ["payments-team", ["payments"]], ["storefront-team", ["web"]], [null, ["ledger"]],
  ]);
  // Watch mode and the lock digest see every file read.
  assert.equal(r.config!.inputs.map((f) => f.slice(dir.length + 1)), ["mesh.yaml", ...Object.keys(TEAMS)]);
  assert.equal([...r.config!.moduleSources!.keys()], Object.keys(TEAMS));
}));

test("positions under modules[i] are in module i's file, at its line and column", withTree({
  ...TEAMS, "mesh.yaml": ROOT_YAML(Object.keys(TEAMS)),
}, async (dir) => {
  const r = await loadConfig(join(dir, "mesh.yaml"), dir);
  const located = await r.config!.locator();
  // Positions name other files by absolute path (place.ts shows them relative, as the config's own).
  const locate = (path: (string | number)[]) => {
    const pos = located(path);
    return pos && pos.file ? { ...pos, file: pos.file.slice(dir.length + 1) } : pos;
  };
  assert.equal(locate(["modules", 0, "services", "payments", "endpoints"]), { line: 6, column: 5, file: "teams/payments/mesh.yaml" });
  assert.equal(locate(["modules", 1, "services", "web", "ports", "http", "port"]), { line: 7, column: 1, file: "teams/storefront/mesh.toml" });
  assert.equal(locate(["modules", 2, "services", "ledger", "endpoints"]), { line: 5, column: 7, file: "teams/ledger/mesh.json" });
  // A path the module file does not have lands on its nearest ancestor there, never in the root.
  assert.equal(locate(["modules", 0, "services", "payments", "nothing"])?.file, "teams/payments/mesh.yaml");
  assert.equal(locate(["modules", 2]), { line: 1, column: 1, file: "teams/ledger/mesh.json" });
  // Everything else stays in the root.
  assert.equal(locate(["namespace"]), { line: 3, column: 1 });
}));

const codesOf = (r: Awaited<ReturnType<typeof loadConfig>>) => r.diagnostics.map((d) => `${d.code} ${d.file}:${d.line}:${d.column} ${d.path}`);

test("paths out of the root's folder, missing files and folders are refused together, at the root's lines", withTree({
  ...TEAMS, "outside.yaml": "services: {}\n",
  "mesh/mesh.yaml": ROOT_YAML(["../outside.yaml", "/etc/passwd.yaml", "teams\\x.yaml", "teams/nope.yaml", "teams", "notes.txt", "sub/../../outside.yaml"]),
}, async (dir) => {
  const r = await loadConfig(join(dir, "mesh", "mesh.yaml"), dir);
  assert.is(r.config, null);
  assert.equal(codesOf(r), [
    "MESH1120 mesh/mesh.yaml:5:5 modules[0]",
    "MESH1120 mesh/mesh.yaml:6:5 modules[1]",
    "MESH1120 mesh/mesh.yaml:7:5 modules[2]",
    "MESH1121 mesh/mesh.yaml:8:5 modules[3]",
    "MESH1120 mesh/mesh.yaml:9:5 modules[4]",
    "MESH1120 mesh/mesh.yaml:10:5 modules[5]",
    "MESH1120 mesh/mesh.yaml:11:5 modules[6]",
  ]);
  assert.ok(r.diagnostics.every((d) => d.hint), "every refusal has a hint");
}));

test("a symlink out of the root's folder is refused; one inside it is read", withTree({
  ...TEAMS, "secret/team.yaml": "services: {}\n",
  "mesh/teams/payments.yaml": PAYMENTS_YAML,
  "mesh/mesh.yaml": ROOT_YAML(["teams/link-out.yaml", "teams/link-in.yaml"]),
}, async (dir) => {
  symlinkSync(join(dir, "secret", "team.yaml"), join(dir, "mesh", "teams", "link-out.yaml"));
  symlinkSync(join(dir, "mesh", "teams", "payments.yaml"), join(dir, "mesh", "teams", "link-in.yaml"));
  const r = await loadConfig(join(dir, "mesh", "mesh.yaml"), dir);
  assert.equal(codesOf(r), ["MESH1120 mesh/mesh.yaml:5:5 modules[0]"]);
  assert.match(r.diagnostics[0]!.message, /symlink/);
}));

test("a file listed twice (also spelled differently), the root itself, and a module listing modules are refused", withTree({
  ...TEAMS, "teams/nested.yaml": "services: {}\nmodules:\n  - ../teams/payments/mesh.yaml\n",
  "mesh.yaml": ROOT_YAML(["teams/payments/mesh.yaml", "teams/./payments/mesh.yaml", "mesh.yaml", "teams/nested.yaml"]),
}, async (dir) => {
  const r = await loadConfig(join(dir, "mesh.yaml"), dir);
  assert.equal(codesOf(r), [
    "MESH1122 mesh.yaml:6:5 modules[1]",
    "MESH1122 mesh.yaml:7:5 modules[2]",
    "MESH1123 teams/nested.yaml:2:1 modules",
  ]);
}));

test("a syntax error in a module file is MESH1002 at that file's line; the other modules' errors are reported with it", withTree({
  ...TEAMS, "teams/broken.toml": "owner = \"x\"\n[services.a\nport = 1\n", "teams/broken.json": "{\n  \"services\": {,\n}\n",
  "mesh.yaml": ROOT_YAML(["teams/broken.toml", "teams/payments/mesh.yaml", "teams/broken.json", "teams/gone.yaml"]),
}, async (dir) => {
  const r = await loadConfig(join(dir, "mesh.yaml"), dir);
  const got = r.diagnostics.map((d) => `${d.code} ${d.file}:${d.line}`);
  assert.equal(got, ["MESH1002 teams/broken.toml:2", "MESH1002 teams/broken.json:2", "MESH1121 mesh.yaml:8"]);
}));

test("more module files than the limit is MESH1008 before any is read", withTree({
  "mesh.yaml": ROOT_YAML(Array.from({ length: MODULE_LIMITS.files + 1 }, (_, i) => `t/${i}.yaml`)),
}, async (dir) => {
  const r = await loadConfig(join(dir, "mesh.yaml"), dir);
  assert.equal(r.diagnostics.map((d) => d.code), ["MESH1008"]);
}));

test("module paths: relative data files inside the folder pass, everything else has a reason", () => {
  for (const ok of ["a.yaml", "teams/a.yml", "./t/b.json", "t/../c.toml", "T/D.YAML"]) assert.is(refusedModulePath(ok), null, ok);
  for (const bad of ["", "/a.yaml", "C:/a.yaml", "..", "../a.yaml", "a/../../b.yaml", "a\\b.yaml", "a.ts", "a.yaml\n", "teams/"]) {
    assert.type(refusedModulePath(bad), "string", JSON.stringify(bad));
  }
});


test("a team file in the wrong shape is a schema error in that file", withTree({
  ...TEAMS, "teams/list.yaml": "- services: {}\n", "teams/typo.toml": "owner = \"x\"\n\n[servces.web]\nendpoints = []\n",
  "mesh.yaml": ROOT_YAML(["teams/payments/mesh.yaml", "teams/list.yaml", "teams/typo.toml"]),
}, async (dir) => {
  const r = await compileFile(join(dir, "mesh.yaml"), { cwd: dir, verify: "none", typecheck: false, targets: ["envoy"] });
  const got = r.diagnostics.filter((d) => d.severity === "error").map((d) => `${d.code} ${d.file}:${d.line} ${d.path} ${d.hint}`);
  assert.equal(got.map((g) => g.split(" ").slice(0, 3).join(" ")), [
    "MESH1102 teams/list.yaml:1 modules[1]",
    "MESH1101 teams/typo.toml:3 modules[2].servces",
  ]);
  assert.match(got[1]!, /did you mean "services"/);
}));

test.run();
