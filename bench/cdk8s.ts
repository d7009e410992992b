// `--target kubernetes` against cdk8s on the same objects (`npm run bench` runs it; alone:
// `node --import tsx bench/cdk8s.ts [services]`). The mesh is generated with pod workloads,
// so each service has a ServiceAccount, a Service, a proxy ConfigMap, a Deployment (the
// sidecar patch), a Certificate and a NetworkPolicy (a third also a Service per version).
// meshc side: the Kubernetes target's emit (including the sidecars' Envoy configs), its
// verifier and the writing of its files, chunk by chunk as a compile streams them. cdk8s side: one ApiObject per object meshc wrote
// (content given for free, the Envoy configs included), `app.synth()` one file per resource.
// Each side runs in a fresh process (BENCH_CDK8S_RUNS times, 3 by default) and the least
// CPU time counts: the machine is shared and noisy, and CPU time is what a side costs.
// The meshc side runs under the CLI's V8 tiering (compiler/cli/tiering.ts), as `meshc compile`
// does; cdk8s under node's defaults, as `cdk8s synth` does. The floor: a bare node writing the
// meshc side's files (same paths, same bytes; mkdir once per folder, writeFileSync per file),
// timed the same way (its CPU from the first write to the last), so no side can go below it.
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

interface SideResult {
  readonly cpuMs: number;
  readonly wallMs: number;
  readonly maxRssMb: number;
  readonly files: number;
  /** meshc only: CPU of the Envoy emit for the sidecar configs, included in cpuMs (shared with the envoy/ folder in a full compile). */
  readonly proxyCpuMs?: number;
}

const cpuMsSince = (start: NodeJS.CpuUsage) => { const u = process.cpuUsage(start); return (u.user + u.system) / 1000; };

async function buildIR(services: number) {
  const { compileLoaded } = await import("../compiler/compile.ts");
  const { configFromValue } = await import("../compiler/testing.ts");
  const { generateMesh } = await import("./generate.ts");
  const r = await compileLoaded(configFromValue(generateMesh(services, { pods: true })), { cwd: process.cwd(), verify: "none", targets: [] });
  if (!r.ir) throw new Error(`the generated mesh does not compile: ${r.diagnostics.map((d) => d.code).join(", ")}`);
  return r.ir;
}

function writeFiles(out: string, files: readonly { path: string; content: string }[]): void {
  const dirs = new Set<string>();
  for (const f of files) {
    const dir = dirname(join(out, f.path));
    if (!dirs.has(dir)) { mkdirSync(dir, { recursive: true }); dirs.add(dir); }
    writeFileSync(join(out, f.path), f.content);
  }
}

/**
 * meshc: emit, verify and write the Kubernetes target's files as the streamed pipeline does
 * (compiler/emit-stream.ts): the shared files, then a chunk of proxies at a time, each proxy's
 * Envoy config (timed apart: in a compile that also emits envoy/ it is that folder's, shared)
 * then its Kubernetes files, the chunk verified and written; the kustomizations resolved at the end.
 */
async function runMeshc(services: number, out: string): Promise<SideResult> {
  const ir = await buildIR(services);
  const { kubernetes, withSharedEmit } = await import("../targets/kubernetes/index.ts");
  const { kubernetesVerifier } = await import("../targets/kubernetes/verify.ts");
  const { envoy } = await import("../targets/envoy/index.ts");
  const { CHUNK_PROXIES } = await import("../compiler/emit-stream.ts");
  const [cpu, wall] = [process.cpuUsage(), performance.now()];
  const sidecarConfigs = withSharedEmit(envoy).perProxy!(ir);
  const emitter = kubernetes.perProxy!(ir);
  const check = kubernetesVerifier.begin!(ir);
  const errors: string[] = [];
  let [files, proxyCpuMs] = [0, 0];
  const take = async (written: readonly { path: string; content: string }[], scope: typeof ir) => {
    for (const d of await check.verify(written, scope)) if (d.severity === "error") errors.push(d.message);
    writeFiles(out, written);
    check.written(written.map((f) => f.path));
    files += written.length;
  };
  await take(emitter.shared().files, ir);
  for (let i = 0; i < ir.proxies.length; i += CHUNK_PROXIES) {
    const chunk = ir.proxies.slice(i, i + CHUNK_PROXIES);
    const written: { path: string; content: string }[] = [];
    // The chunk's Envoy configs first, timed once: a process.cpuUsage() pair per proxy cost
    // 10-30 ms of getrusage calls on this VM, half of it counted as the target's own. The
    // target then takes each config from the shared emit's recent ones (shared-emit.ts keeps two chunks).
    const before = process.cpuUsage();
    for (const proxy of chunk) sidecarConfigs.proxy(proxy);
    proxyCpuMs += cpuMsSince(before);
    for (const proxy of chunk) for (const f of emitter.proxy(proxy).files) written.push(f);
    await take(written, { ...ir, proxies: chunk });
  }
  for (const d of check.end()) if (d.severity === "error") errors.push(d.message);
  const [cpuMs, wallMs] = [cpuMsSince(cpu), performance.now() - wall];
  if (errors.length > 0) throw new Error(`the verifier found ${errors.length} errors: ${errors[0]}`);
  return { cpuMs, wallMs, maxRssMb: process.resourceUsage().maxRSS / 1024, files, proxyCpuMs };
}

/** The objects meshc emits for the mesh, as plain JSON, for the cdk8s side (made before it is timed). */
async function writeObjects(services: number, file: string): Promise<void> {
  const ir = await buildIR(services);
  const { kubernetes } = await import("../targets/kubernetes/index.ts");
  const { emittedObjectOf } = await import("../targets/kubernetes/emitted.ts");
  // Kustomizations are not Kubernetes objects: cdk8s has no counterpart; everything else goes.
  const objects = kubernetes.emit(ir).files.map((f) => emittedObjectOf(f)!).filter((o) => !String(o.apiVersion).startsWith("kustomize.config.k8s.io/"));
  writeFileSync(file, JSON.stringify(objects));
}

async function runCdk8s(objectsFile: string, out: string): Promise<SideResult> {
  const objects = JSON.parse(readFileSync(objectsFile, "utf8")) as { apiVersion: string; kind: string }[];
  const { ApiObject, App, Chart, YamlOutputType } = await import("cdk8s");
  const [cpu, wall] = [process.cpuUsage(), performance.now()];
  const app = new App({ outdir: out, yamlOutputType: YamlOutputType.FILE_PER_RESOURCE });
  const chart = new Chart(app, "mesh");
  objects.forEach((object, i) => new ApiObject(chart, `o${i}`, object));
  app.synth();
  const [cpuMs, wallMs] = [cpuMsSince(cpu), performance.now() - wall];
  return { cpuMs, wallMs, maxRssMb: process.resourceUsage().maxRSS / 1024, files: objects.length };
}

/** The files under `dir` as [relative path, bytes], sorted (read before the floor is timed). */
function readTree(dir: string, prefix = ""): [string, Buffer][] {
  return readdirSync(join(dir, prefix), { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1)).flatMap((e) => {
    const rel = prefix === "" ? e.name : `${prefix}/${e.name}`;
    return e.isDirectory() ? readTree(dir, rel) : [[rel, readFileSync(join(dir, rel))] as [string, Buffer]];
  });
}

/** The floor: the same files written by a bare loop (the bytes read beforehand, untimed). */
function runFloor(from: string, out: string): SideResult {
  const files = readTree(from);
  const [cpu, wall] = [process.cpuUsage(), performance.now()];
  const dirs = new Set<string>();
  for (const [path, bytes] of files) {
    const dir = dirname(join(out, path));
    if (!dirs.has(dir)) { mkdirSync(dir, { recursive: true }); dirs.add(dir); }
    writeFileSync(join(out, path), bytes);
  }
  const [cpuMs, wallMs] = [cpuMsSince(cpu), performance.now() - wall];
  return { cpuMs, wallMs, maxRssMb: process.resourceUsage().maxRSS / 1024, files: files.length };
}

function runSide(args: readonly string[]): SideResult {
  const r = spawnSync(process.execPath, ["--import", "tsx", fileURLToPath(import.meta.url), ...args], { encoding: "utf8", maxBuffer: 1 << 24 });
  if (r.status !== 0) throw new Error(`bench/cdk8s.ts ${args.join(" ")} failed: ${r.stderr.split("\n").slice(0, 5).join(" ")}`);
  return JSON.parse(r.stdout.trim().split("\n").pop()!) as SideResult;
}

const best = (runs: readonly SideResult[]) => runs.reduce((a, b) => (b.cpuMs < a.cpuMs ? b : a));

/** Runs both sides and prints a table row per side and the ratio; returns cdk8s CPU / meshc CPU. */
export function compareWithCdk8s(services: number, runs = Number(process.env.BENCH_CDK8S_RUNS ?? 3)): number {
  const dir = mkdtempSync(join(tmpdir(), "meshc-cdk8s-"));
  try {
    const objectsFile = join(dir, "objects.json");
    spawnSync(process.execPath, ["--import", "tsx", fileURLToPath(import.meta.url), "--objects", String(services), objectsFile], { stdio: "inherit" });
    const meshc: SideResult[] = [];
    const cdk8s: SideResult[] = [];
    const floor: SideResult[] = [];
    for (let i = 0; i < runs; i++) {
      meshc.push(runSide(["--meshc", String(services), join(dir, `meshc-${i}`)]));
      cdk8s.push(runSide(["--cdk8s", objectsFile, join(dir, `cdk8s-${i}`)]));
      floor.push(runSide(["--floor", join(dir, `meshc-${i}`), join(dir, `floor-${i}`)]));
      // Kept until the end: on this disk (online discard) writes right after a large delete cost several times more.
    }
    const [m, c, f] = [best(meshc), best(cdk8s), best(floor)];
    const own = m.cpuMs - m.proxyCpuMs!;
    const ratio = c.cpuMs / m.cpuMs;
    const s = (ms: number) => `${(ms / 1000).toFixed(2)}s`;
    console.log(`\n--target kubernetes vs cdk8s synth, ${services} services (least CPU of ${runs} runs each):`);
    console.log("| side | CPU | wall | files | process peak RSS |");
    console.log("|---|---|---|---|---|");
    console.log(`| meshc kubernetes: Envoy sidecar configs + emit + verify + write | ${s(m.cpuMs)} | ${s(m.wallMs)} | ${m.files} | ${m.maxRssMb.toFixed(0)} MB |`);
    console.log(`| of which the Kubernetes target's own (sidecar configs given, as in a compile that also emits envoy/) | ${s(own)} | | | |`);
    console.log(`| cdk8s: ApiObjects (sidecar configs given) + synth | ${s(c.cpuMs)} | ${s(c.wallMs)} | ${c.files} | ${c.maxRssMb.toFixed(0)} MB |`);
    console.log(`| floor: a bare node writing the same files | ${s(f.cpuMs)} | ${s(f.wallMs)} | ${f.files} | |`);
    console.log(`cdk8s / meshc CPU: ${ratio.toFixed(1)}x with meshc's Envoy emit, ${(c.cpuMs / own).toFixed(1)}x with the sidecar configs given to both (goal >= 5x);`);
    console.log(`5x leaves meshc ${s(c.cpuMs / 5)}, ${(c.cpuMs / 5 / f.cpuMs).toFixed(1)}x the floor; cdk8s is ${(c.cpuMs / f.cpuMs).toFixed(1)}x it, meshc ${(own / f.cpuMs).toFixed(1)}x (configs given)`);
    return ratio;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [mode, a, b] = process.argv.slice(2);
  if (mode === "--meshc") {
    (await import("../compiler/cli/tiering.ts")).delayOptimization();
    process.stdout.write(JSON.stringify(await runMeshc(Number(a), b!)) + "\n");
  } else if (mode === "--floor") process.stdout.write(JSON.stringify(runFloor(a!, b!)) + "\n");
  else if (mode === "--cdk8s") process.stdout.write(JSON.stringify(await runCdk8s(a!, b!)) + "\n");
  else if (mode === "--objects") await writeObjects(Number(a), b!);
  else compareWithCdk8s(Number(mode ?? 1000));
}
