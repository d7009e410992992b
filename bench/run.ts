// `npm run bench`: compiles generated meshes (bench/generate.ts) of 100, 1,000 and 10,000
// services to every target and prints two tables:
// - the stages of one in-process compile from the compiled package (bench/stages.js), start-up
//   (process start to meshc's modules loaded) and diagnostic placement included, with the
//   process's CPU time and peak RSS;
// - the CLI as users run it (`node dist/compiler/cli/bin.js compile`), against the I/O floor:
//   a bare node process writing the same files to a fresh folder (bench/floor.js), both timed
//   by /usr/bin/time (wall, user+system CPU of the process and its children, peak RSS), then
//   the same compile over the bundle it wrote (what every later CI run pays), and the CLI's
//   own stage split (MESHC_TIMINGS: start to commit) of its least-CPU fresh run.
// BENCH_SIZES=100,1000 for fewer sizes, BENCH_TARGETS=envoy for one target (stages only),
// BENCH_STAGES=0 for the CLI and floor only, BENCH_NO_BUILD=1 to skip `npm run build`, BENCH_RUNS=N
// alternating CLI and floor runs per size (3 by default; the least of each is compared). Each run is
// its own process, one at a time.
// When kubernetes is among the targets it then compares that target with cdk8s (bench/cdk8s.ts;
// BENCH_CDK8S_SIZE, 1000 by default, 0 to skip).
// Compare ratios within one run: the machine is shared and noisy.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { generateMesh } from "./generate.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const sizes = (process.env.BENCH_SIZES ?? "100,1000,10000").split(",").map(Number);
const TIME = "/usr/bin/time";

interface Timed { wallS: number; cpuS: number | null; userS: number | null; sysS: number | null; rssMb: number | null; status: number | null; stdout: string; stderr: string }

/** Runs `node ...args` under /usr/bin/time when it is installed (else wall time only). */
function timed(args: string[], cwd: string, scratch: string): Timed {
  const report = join(scratch, "time.txt");
  const useTime = existsSync(TIME);
  const argv = useTime ? [TIME, "-o", report, "-f", "%U %S %M", process.execPath, ...args] : [process.execPath, ...args];
  const started = performance.now();
  // A 10,000-service config takes seconds to evaluate on a busy machine: the bench is not testing the config time limit.
  // MESHC_TIMINGS: the CLI prints its stage split on stderr (the CLI stages table).
  const env = { ...process.env, MESHC_CONFIG_TIMEOUT: process.env.MESHC_CONFIG_TIMEOUT ?? "600", MESHC_TIMINGS: "1" };
  const r = spawnSync(argv[0]!, argv.slice(1), { cwd, env, encoding: "utf8", maxBuffer: 1 << 28 });
  const wallS = (performance.now() - started) / 1000;
  if (!useTime || !existsSync(report)) return { wallS, cpuS: null, userS: null, sysS: null, rssMb: null, status: r.status, stdout: r.stdout, stderr: r.stderr };
  const [user, sys, rssKb] = readFileSync(report, "utf8").trim().split("\n").pop()!.split(" ").map(Number);
  return { wallS, cpuS: user! + sys!, userS: user!, sysS: sys!, rssMb: rssKb! / 1024, status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? walk(p) : [p];
  });
}

/** The bundle as floor.js reads it: a JSON line of [path, length] pairs, then the bytes. */
function writeBlob(bundle: string, blob: string): { files: number; bytes: number } {
  const paths = walk(bundle).sort();
  const contents = paths.map((p) => readFileSync(p));
  const header = JSON.stringify(paths.map((p, i) => [relative(bundle, p), contents[i]!.length]));
  writeFileSync(blob, Buffer.concat([Buffer.from(`${header}\n`), ...contents]));
  return { files: paths.length, bytes: contents.reduce((n, c) => n + c.length, 0) };
}

if (!process.env.BENCH_NO_BUILD) {
  const b = spawnSync(process.execPath, [join(ROOT, "scripts", "build.js")], { cwd: ROOT, stdio: "inherit" });
  if (b.status !== 0) process.exit(1);
}

const stages = ["start", "load", "typecheck", "validate", "ir", "capabilities", "emit", "verify", "place", "print", "write", "total"];
const s = (x: number | null | undefined) => (x === null || x === undefined ? "-" : `${x.toFixed(2)}s`);
const stageRows: string[] = [];
const cliRows: string[] = [];
const cliStageRows: string[] = [];
const recompileRows: string[] = [];
/** The CLI's own split (MESHC_TIMINGS): start, load, validate, ir, capabilities, emit, verify, write, typecheck, place, commit. */
const cliStages = ["start", "load", "validate", "ir", "capabilities", "emit", "verify", "write", "typecheck", "place", "commit"];
const cliCpu = new Map<number, number>();
const cliWall = new Map<number, number>();
for (const n of sizes) {
  // Inside the project, so `import "meshc"` resolves for the type-check as in a real project.
  mkdirSync(join(ROOT, ".tmp"), { recursive: true });
  const dir = mkdtempSync(join(ROOT, ".tmp", "bench-"));
  try {
    const config = join(dir, "mesh.config.ts");
    writeFileSync(config, `import { defineMesh } from "meshc";\nexport default defineMesh(${JSON.stringify(generateMesh(n))});\n`);

    if (process.env.BENCH_STAGES !== "0") {
      const st = timed([join(ROOT, "bench", "stages.js"), config, join(dir, "out-stages")], ROOT, dir);
      let m: { timings: Record<string, number>; cpuMs: number; files: number; errors: number; firstError: string | null; maxRssMb: number } | null = null;
      try { m = JSON.parse(st.stdout); } catch { m = null; }
      const cell = (k: string) => (m!.timings[k] === undefined ? "-" : s(m!.timings[k]! / 1000));
      stageRows.push(m
        ? `| ${n} | ${stages.map(cell).join(" | ")} | ${s(m.cpuMs / 1000)} | ${m.maxRssMb.toFixed(0)} MB | ${m.files}${m.errors ? ` (${m.errors} errors: ${m.firstError})` : ""} |`
        : `| ${n} | failed: ${st.stderr.split("\n").slice(0, 3).join(" ")} |`);
    }

    // The CLI and the floor alternately, BENCH_RUNS times each, every run into a fresh folder and
    // nothing deleted until the size is done: on a filesystem with online discard, writes right
    // after a large delete cost several times the system time, and both sides must meet the same
    // disk. The least of each side's runs is compared (noise only ever adds time).
    const runs = Math.max(1, Number(process.env.BENCH_RUNS ?? 3));
    const cliRuns: Timed[] = [];
    const floorRuns: Timed[] = [];
    let output: { files: number; bytes: number } | null = null;
    for (let run = 0; run < runs; run++) {
      const cli = timed([join(ROOT, "dist", "compiler", "cli", "bin.js"), "compile", config, "--out", join(dir, `out-cli-${run}`)], ROOT, dir);
      if (cli.status !== 0) { cliRows.push(`| ${n} | failed: ${cli.stderr.split("\n").slice(0, 3).join(" ")} |`); break; }
      cliRuns.push(cli);
      output ??= writeBlob(join(dir, `out-cli-${run}`), join(dir, "blob"));
      floorRuns.push(timed([join(ROOT, "bench", "floor.js"), join(dir, "blob"), join(dir, `out-floor-${run}`)], ROOT, dir));
    }
    if (cliRuns.length < runs || output === null) continue;
    // Then what CI pays on every later compile: the same config compiled over the previous
    // bundle (the lock read and vetted, the folder scanned for keys, the old files removed),
    // after the alternation so its deletes cannot slow the fresh runs.
    const again: Timed[] = [];
    for (let run = 0; run < runs; run++) {
      const r = timed([join(ROOT, "dist", "compiler", "cli", "bin.js"), "compile", config, "--out", join(dir, `out-cli-${run}`)], ROOT, dir);
      if (r.status === 0) again.push(r);
    }
    // The split of the run with the least CPU (wall per stage, as the CLI measures it).
    const fastest = cliRuns.reduce((a, b) => ((b.cpuS ?? Infinity) < (a.cpuS ?? Infinity) ? b : a));
    const split = new Map([...(/timings: (.*) ms; cpu (\d+) ms/.exec(fastest.stderr)?.[1] ?? "").matchAll(/(\w+) (\d+)/g)].map((m) => [m[1]!, Number(m[2])]));
    cliStageRows.push(`| ${n} | ${cliStages.map((k) => (split.has(k) ? s(split.get(k)! / 1000) : "-")).join(" | ")} | ${s(fastest.cpuS)} |`);
    const least = (xs: Timed[], pick: (x: Timed) => number | null) => {
      const v = xs.map(pick).filter((x): x is number => x !== null);
      return v.length === 0 ? null : Math.min(...v);
    };
    const [cliWallS, cliCpuS, cliRss] = [least(cliRuns, (x) => x.wallS), least(cliRuns, (x) => x.cpuS), least(cliRuns, (x) => x.rssMb)];
    const [floorWallS, floorCpuS] = [least(floorRuns, (x) => x.wallS), least(floorRuns, (x) => x.cpuS)];
    const [cliUser, cliSys] = [least(cliRuns, (x) => x.userS), least(cliRuns, (x) => x.sysS)];
    const [floorUser, floorSys] = [least(floorRuns, (x) => x.userS), least(floorRuns, (x) => x.sysS)];
    const ratio = (a: number | null, b: number | null) => (a === null || b === null || b === 0 ? "-" : `${(a / b).toFixed(1)}x`);
    const { files, bytes } = output;
    cliRows.push(`| ${n} | ${s(cliWallS)} | ${s(cliCpuS)} (${s(cliUser)} + ${s(cliSys)}) | ${cliRss?.toFixed(0) ?? "-"} MB | ${files} (${(bytes / 1e6).toFixed(1)} MB) | ${s(floorWallS)} | ${s(floorCpuS)} (${s(floorUser)} + ${s(floorSys)}) | ${ratio(cliWallS, floorWallS)} | ${ratio(cliCpuS, floorCpuS)} |`);
    if (again.length > 0) {
      const [w, c, u, y] = [least(again, (x) => x.wallS), least(again, (x) => x.cpuS), least(again, (x) => x.userS), least(again, (x) => x.sysS)];
      recompileRows.push(`| ${n} | ${s(w)} | ${s(c)} (${s(u)} + ${s(y)}) | ${ratio(c, cliCpuS)} | ${ratio(c, floorCpuS)} |`);
    }
    if (cliWallS !== null) cliWall.set(n, cliWallS);
    if (cliCpuS !== null) cliCpu.set(n, cliCpuS);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

console.log("In-process stages (dist, one process per size; start = process start to modules loaded):\n");
console.log(`| services | ${stages.join(" | ")} | CPU | peak RSS | files |`);
console.log(`|---|${stages.map(() => "---").join("|")}|---|---|---|`);
for (const row of stageRows) console.log(row);
console.log(`\nCLI (\`node dist/compiler/cli/bin.js compile\`, all targets) against the I/O floor (bare node writing the same files); the least of ${Math.max(1, Number(process.env.BENCH_RUNS ?? 3))} alternating runs each, CPU as user + system:\n`);
console.log("| services | compile wall | compile CPU | compile peak RSS | files | floor wall | floor CPU | wall ratio | CPU ratio |");
console.log("|---|---|---|---|---|---|---|---|---|");
for (const row of cliRows) console.log(row);
console.log("\nThe same compile over the previous bundle (the least of as many runs, after the table above):\n");
console.log("| services | wall | CPU (user + system) | CPU / fresh compile | CPU / floor |");
console.log("|---|---|---|---|---|");
for (const row of recompileRows) console.log(row);
console.log("\nCLI stages (MESHC_TIMINGS of the least-CPU run above: wall time per stage; start = process start to the compile):\n");
console.log(`| services | ${cliStages.join(" | ")} | CPU |`);
console.log(`|---|${cliStages.map(() => "---").join("|")}|---|`);
for (const row of cliStageRows) console.log(row);
const scale = (m: Map<number, number>) => (m.has(1000) && m.has(10000) ? `${(m.get(10000)! / m.get(1000)!).toFixed(1)}x` : "-");
if (cliWall.has(1000) && cliWall.has(10000)) console.log(`\n10,000 / 1,000 services: wall ${scale(cliWall)}, CPU ${scale(cliCpu)}`);

if ((process.env.BENCH_TARGETS ?? "kubernetes").split(",").includes("kubernetes")) {
  const size = Number(process.env.BENCH_CDK8S_SIZE ?? 1000);
  if (size > 0) (await import("./cdk8s.ts")).compareWithCdk8s(size);
}

// The watch figure (bench/watch.ts): BENCH_WATCH=0 skips it, BENCH_WATCH=N sets the mesh size (default 1,000).
const watchSize = Number(process.env.BENCH_WATCH ?? "1000");
if (watchSize > 0) {
  const { measureWatch } = await import("./watch.ts");
  mkdirSync(join(ROOT, ".tmp"), { recursive: true });
  for (const targets of [process.env.BENCH_TARGETS, "envoy,nginx,haproxy,certs"].filter((x, i) => i === 0 || x !== process.env.BENCH_TARGETS)) {
    const dir = mkdtempSync(join(ROOT, ".tmp", "bench-watch-"));
    try {
      const times = await measureWatch(dir, watchSize, targets);
      console.log(`watch, ${watchSize} services, ${targets ?? "all targets"}: one route's timeout saved -> lock updated: ${times.map((t) => `${t.toFixed(0)} ms`).join(", ")}${times.stages ? ` (last save: ${times.stages})` : ""}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
}
