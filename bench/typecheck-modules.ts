// Type-check time of a mesh written as team modules (examples/platform/generate.ts, the shape
// of issue 15: 3 routes and 2 rules per service, a third with two versions, neighbours call
// each other across teams), with the native tsc meshc runs. One size per run:
// `node --import tsx bench/typecheck-modules.ts 10000 [perTeam]` prints seconds and errors.
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { join } from "node:path";
import { generatePlatform, writePlatform } from "../examples/platform/generate.ts";
import { typecheckConfig } from "../compiler/typecheck.ts";

const n = Number(process.argv[2] ?? 1000);
const perTeam = Number(process.argv[3] ?? 50);
const teams = Array.from({ length: Math.ceil(n / perTeam) }, (_, t) => `team-${String(t).padStart(3, "0")}`);
mkdirSync(".tmp", { recursive: true });
// Inside the project, so `import "meshc"` resolves for the type-check as in a real project.
const dir = mkdtempSync(join(process.cwd(), ".tmp", "tc-modules-"));
try {
  const files = generatePlatform({ mesh: "bench", teams, perTeam });
  writePlatform(dir, files);
  const config = join(dir, "mesh.config.ts");
  const own = [...files.keys()].filter((f) => f.endsWith(".ts")).map((f) => join(dir, f));
  const started = performance.now();
  const errors = await typecheckConfig(config, own, (abs) => abs.slice(dir.length + 1));
  const seconds = (performance.now() - started) / 1000;
  console.log(JSON.stringify({ services: teams.length * perTeam, teams: teams.length, seconds: Number(seconds.toFixed(2)), errors: errors.length, first: errors.slice(0, 3).map((e) => `${e.file}:${e.line} ${e.message}`) }));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
