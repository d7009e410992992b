// examples/platform: an organization's mesh as team modules (12 teams, 300 services, 900
// routes, 600 rules). Its files are the output of its committed generator; it compiles and
// type-checks in full (no MESH1005 skip) with no finding; every service is owned by the team
// whose folder declares it; and a team's mistake is reported in that team's file. Its bundle
// (16 MB) has no golden: test/examples.test.ts holds those of the small examples.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { compileFile } from "../compiler/compile.ts";
import { generatePlatform, PLATFORM } from "../examples/platform/generate.ts";

const ROOT = resolve(fileURLToPath(new URL("..", import.meta.url)));
const DIR = join(ROOT, "examples", "platform");

function committed(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? committed(path) : [relative(DIR, path).split("\\").join("/")];
  });
}

test("the committed files are exactly what generate.ts writes", () => {
  const files = generatePlatform(PLATFORM);
  const onDisk = committed(DIR).filter((f) => f !== "generate.ts").sort();
  assert.equal(onDisk, [...files.keys()].sort(), "run `node --import tsx examples/platform/generate.ts`");
  for (const [path, text] of files) assert.is(readFileSync(join(DIR, path), "utf8"), text, path);
});

test("CODEOWNERS gives every team folder to its team", () => {
  const owners = readFileSync(join(DIR, "CODEOWNERS"), "utf8");
  for (const team of PLATFORM.teams) assert.match(owners, new RegExp(`^/teams/${team}/ @acme/${team}$`, "m"));
});

test("it compiles and type-checks in full, and each service belongs to its folder's team", async () => {
  const r = await compileFile(join(DIR, "mesh.config.ts"), { cwd: ROOT, verify: "none" });
  assert.equal(r.diagnostics.filter((d) => d.severity !== "info").map((d) => `${d.code} ${d.file}:${d.line} ${d.message}`), []);
  assert.not.ok(r.diagnostics.some((d) => d.code === "MESH1005"), "no type-check skip for modules");
  assert.is(r.mesh!.services.length, PLATFORM.teams.length * PLATFORM.perTeam);
  assert.is(r.mesh!.routes.length, 3 * r.mesh!.services.length + 1, "3 per service, and the edge gateway's");
  for (const s of r.mesh!.services) assert.is(s.owner, `@acme/${s.name.replace(/-\d+$/, "")}`, s.name);
  assert.ok(r.files.some((f) => f.path.startsWith("envoy/")) && r.files.some((f) => f.path.startsWith("kubernetes/")));
});

test("a team's mistakes are reported in the team's own files, by meshc and by tsc", async () => {
  // Inside the repository, so `meshc` resolves for tsc as it does for the example.
  mkdirSync(join(ROOT, ".tmp"), { recursive: true });
  const dir = mkdtempSync(join(ROOT, ".tmp", "platform-"));
  try {
    cpSync(DIR, dir, { recursive: true });
    const module = join(dir, "teams", "payments", "module.ts");
    const text = readFileSync(module, "utf8");
    // A version payments-01 does not have, and a misspelled field.
    const broken = text.replace(/split: \{ v1: 90, v2: 10 \}/, "split: { v1: 90, v3: 10 }").replace(`timeout: "3s"`, `timout: "3s"`);
    writeFileSync(module, broken);
    const r = await compileFile(join(dir, "mesh.config.ts"), { cwd: dir, verify: "none", targets: ["envoy"] });
    const errors = r.diagnostics.filter((d) => d.severity === "error");
    assert.ok(errors.length >= 2, JSON.stringify(errors));
    assert.ok(errors.every((d) => d.file === "teams/payments/module.ts"), JSON.stringify(errors));
    const lines = broken.split("\n");
    const version = errors.find((d) => /v3/.test(d.message));
    assert.ok(version && /v3/.test(lines[version.line - 1]!), JSON.stringify(errors));
    // tsc says "did you mean to write 'timeout'?" on this line too; meshc's own code is kept (diagnostics/dedupe.ts).
    const field = errors.find((d) => /timout/.test(d.message));
    assert.ok(field && /timeout/.test(`${field.message} ${field.hint}`), JSON.stringify(errors));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
