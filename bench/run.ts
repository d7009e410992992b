// `npm run bench`: compiles generated meshes of 100, 1,000 and 10,000 services to every
// target (BENCH_TARGETS=envoy for one; BENCH_SIZES=100,1000 for fewer) and prints wall time
// per stage and peak RSS. Each size runs in its own process so RSS is its own. Compare ratios within one run: the machine is shared and noisy.
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { generateMesh } from "./generate.ts";

const sizes = (process.env.BENCH_SIZES ?? "100,1000,10000").split(",").map(Number);

if (process.argv[2] === "--one") {
  const { compileFile } = await import("../compiler/compile.ts");
  const { lockFileFor, stageBundle } = await import("../compiler/bundle.ts");
  const [config, out] = [process.argv[3]!, process.argv[4]!];
  const started = performance.now();
  const targets = process.env.BENCH_TARGETS ? process.env.BENCH_TARGETS.split(",") : undefined;
  // As `meshc compile` does: files stream proxy by proxy into the staged bundle, then the lock and the swap.
  const staged = stageBundle(out);
  if (Array.isArray(staged)) throw new Error(staged.map((d) => d.message).join("; "));
  const r = await compileFile(config, { cwd: process.cwd(), verify: "default", targets, sink: staged });
  const t0 = performance.now();
  const errors = r.diagnostics.filter((d) => d.severity === "error").length;
  if (errors > 0 || !r.config) staged.discard();
  else {
    staged.add([lockFileFor(staged.entries(), r.config.digest)]);
    staged.commit();
  }
  const timings = { ...r.timings, write: (r.timings.write ?? 0) + performance.now() - t0, total: performance.now() - started };
  process.stdout.write(JSON.stringify({ timings, files: staged.entries().length - 1, errors, maxRssMb: process.resourceUsage().maxRSS / 1024 }));
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
  // The watch figure (bench/watch.ts): BENCH_WATCH=0 skips it, BENCH_WATCH=N sets the mesh size (default 1,000).
  const watchSize = Number(process.env.BENCH_WATCH ?? "1000");
  if (watchSize > 0) {
    const { measureWatch } = await import("./watch.ts");
    mkdirSync(".tmp", { recursive: true });
    for (const targets of [process.env.BENCH_TARGETS, "envoy,nginx,haproxy,certs"].filter((x, i) => i === 0 || x !== process.env.BENCH_TARGETS)) {
      const dir = mkdtempSync(join(process.cwd(), ".tmp", "bench-watch-"));
      try {
        const times = await measureWatch(dir, watchSize, targets);
        console.log(`watch, ${watchSize} services, ${targets ?? "all targets"}: one route's timeout saved -> lock updated: ${times.map((t) => `${t.toFixed(0)} ms`).join(", ")}`);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
  }
}
