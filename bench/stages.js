// One compile, in process, stage by stage, from the compiled package (dist/: what users
// run, no TypeScript loader). Plain JavaScript so a bare `node` starts it.
// Usage: node bench/stages.js <config> <out>; prints one JSON line.
// "start" is process start to meshc's modules loaded (node's own boot included).
// The CLI's V8 tiering (compiler/cli/tiering.ts), set before meshc's code runs, as bin.js and the
// compile command do: without it this table would not show what `meshc compile` costs.
const { delayOptimization, restoreOptimizationFor } = await import("../dist/compiler/cli/tiering.js");
delayOptimization();
restoreOptimizationFor((await import("node:fs")).statSync(process.argv[2]).size);
const imported = import("../dist/compiler/compile.js");
const [{ compileFile }, { withLockFile, writeBundle }, { formatDiagnostics }] = await Promise.all([
  imported, import("../dist/compiler/bundle.js"), import("../dist/compiler/diagnostics/format.js"),
]);
const start = performance.now();
const [config, out] = [process.argv[2], process.argv[3]];
const targets = process.env.BENCH_TARGETS ? process.env.BENCH_TARGETS.split(",") : undefined;
// placeInfo as the CLI sets it for its default output (text, no --verbose).
const r = await compileFile(config, { cwd: process.cwd(), verify: "default", targets, placeInfo: false });
let t0 = performance.now();
// What the CLI prints by default (no --verbose): formatted, not written.
formatDiagnostics(r.diagnostics, "text", new Map(r.config ? [[r.config.file, r.config.sourceText]] : []), false);
const print = performance.now() - t0;
t0 = performance.now();
if (r.files.length > 0) writeBundle(out, withLockFile(r.files, r.config.digest));
const write = performance.now() - t0;
const cpu = process.cpuUsage();
const timings = { start, ...r.timings, print, write, total: performance.now() };
const errors = r.diagnostics.filter((d) => d.severity === "error");
process.stdout.write(JSON.stringify({
  timings, cpuMs: (cpu.user + cpu.system) / 1000, files: r.files.length, errors: errors.length,
  firstError: errors[0] ? `${errors[0].code} ${errors[0].message}` : null, maxRssMb: process.resourceUsage().maxRSS / 1024,
}));
