// `npm run bench`: compiles generated meshes of 100, 1,000 and 10,000 services to every
// target (BENCH_TARGETS=envoy for one; BENCH_SIZES=100,1000 for fewer) and prints wall time
// per stage and peak RSS; when kubernetes is among the targets, then compares it with cdk8s
// (bench/cdk8s.ts; BENCH_CDK8S_SIZE, 1000 by default, 0 to skip). Each size runs in its own process so RSS is its own. Compare ratios within one run: the machine is shared and noisy.
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { generateMesh } from "./generate.ts";

const sizes = (process.env.BENCH_SIZES ?? "100,1000,10000").split(",").map(Number);

if (process.argv[2] === "--one") {
  const { compileFile } = await import("../compiler/compile.ts");
  const { withLockFile, writeBundle } = await import("../compiler/bundle.ts");
  const [config, out] = [process.argv[3]!, process.argv[4]!];
  const started = performance.now();
  const targets = process.env.BENCH_TARGETS ? process.env.BENCH_TARGETS.split(",") : undefined;
  const r = await compileFile(config, { cwd: process.cwd(), verify: "default", targets });
  const t0 = performance.now();
  if (r.files.length > 0) writeBundle(out, withLockFile(r.files, r.config!.digest));
  const timings = { ...r.timings, write: performance.now() - t0, total: performance.now() - started };
  const errors = r.diagnostics.filter((d) => d.severity === "error").length;
  process.stdout.write(JSON.stringify({ timings, files: r.files.length, errors, maxRssMb: process.resourceUsage().maxRSS / 1024 }));
} else {
  const stages = ["load", "typecheck", "validate", "normalize", "ir", "capabilities", "emit", "verify", "write", "total"];
  console.log(`| services | ${stages.join(" | ")} | files | peak RSS |`);
  console.log(`|---|${stages.map(() => "---").join("|")}|---|---|`);
  for (const n of sizes) {
    // Inside the project, so `import "meshc"` resolves for the type-check as in a real project.
    mkdirSync(".tmp", { recursive: true });
    const dir = mkdtempSync(join(process.cwd(), ".tmp", "bench-"));
    try {
      const config = join(dir, "mesh.config.ts");
      writeFileSync(config, `import { defineMesh } from "meshc";\nexport default defineMesh(${JSON.stringify(generateMesh(n))});\n`);
      const r = spawnSync(process.execPath, ["--import", "tsx", fileURLToPath(import.meta.url), "--one", config, join(dir, "out")], { encoding: "utf8", cwd: process.cwd(), maxBuffer: 1 << 26 });
      if (r.status !== 0) { console.log(`| ${n} | failed: ${r.stderr.split("\n").slice(0, 3).join(" ")} |`); continue; }
      const m = JSON.parse(r.stdout) as { timings: Record<string, number>; files: number; errors: number; maxRssMb: number };
      const cell = (s: string) => (m.timings[s] === undefined ? "-" : `${(m.timings[s]! / 1000).toFixed(2)}s`);
      console.log(`| ${n} | ${stages.map(cell).join(" | ")} | ${m.files}${m.errors ? ` (${m.errors} errors)` : ""} | ${m.maxRssMb.toFixed(0)} MB |`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
}
if (process.argv[2] !== "--one" && (process.env.BENCH_TARGETS ?? "kubernetes").split(",").includes("kubernetes")) {
  const size = Number(process.env.BENCH_CDK8S_SIZE ?? 1000);
  if (size > 0) (await import("./cdk8s.ts")).compareWithCdk8s(size);
}
