// The pipeline: load -> schema -> normalize -> analyze -> IR -> capability check -> emit
// -> verify. Every stage that can still run does; diagnostics come back together,
// placed at the user's lines and sorted. Nothing here writes: the bundle writer does.
import { coreCodes } from "./diagnostics/codes.ts";
import { diagnostic, type CodeInfo } from "./diagnostics/define.ts";
import { dropTypeErrorsCoveredByOwn } from "./diagnostics/dedupe.ts";
import { placeAndSort } from "./diagnostics/place.ts";
import { attributeOwners } from "./diagnostics/owners.ts";
import type { Diagnostic, Severity } from "./diagnostics/types.ts";
import { checks } from "./analyze/index.ts";
import { runIrCheck, runModelCheck, type CheckMemo } from "./analyze/memo.ts";
import { checkCharacters } from "./analyze/characters.ts";
import { checkLimits, type RawScan } from "./analyze/limits.ts";
import { checkLimitsWatched } from "./analyze/limits-watched.ts";
import { checkRawValues } from "./analyze/raw-values.ts";
import { conflictingActionKeys } from "./analyze/route-actions.ts";
import type { Report } from "./analyze/context.ts";
import { checkCapabilities } from "./capabilities.ts";
import { buildIR, DEFAULT_RUNTIME } from "./ir/index.ts";
import { buildIRIncremental } from "./ir/incremental.ts";
import type { MeshIR, RuntimePathsIR } from "./ir/types.ts";
import { displayPath, findConfig, loadConfig } from "./load/index.ts";
import type { LoadedConfig } from "./load/types.ts";
import type { TypescriptSession } from "./load/typescript.ts";
import { normalize, type LastNormalized } from "./normalize/index.ts";
import type { NMesh } from "./normalize/model.ts";
import { checkSchema } from "./schema.ts";
import { checkSchemaWatched } from "./schema-partial.ts";
import type { EmittedFile, Target } from "./target.ts";
import { emitStreamed, emitWhole, type EmitMemo, type FileSink } from "./emit-stream.ts";
import { setAsideInvalid } from "./partial-check.ts";
import { typecheckConfig, typeErrorsOfUnloadable } from "./typecheck.ts";
import { findTargets, targets as allTargets, verifiers, type SidecarFlavour } from "../targets/index.ts";
import type { KubernetesOptionOverrides } from "../targets/kubernetes/options.ts";

export interface CompileOptions {
  readonly cwd: string;
  /** Target names; default: the config's `targets`, else all. */
  readonly targets?: readonly string[];
  readonly typecheck?: boolean;
  /** default: verifiers that are on by default; all: also --verify ones (nginx -t, haproxy -c); none. */
  readonly verify?: "default" | "all" | "none";
  readonly runtime?: Partial<RuntimePathsIR>;
  /** Which proxy the Kubernetes sidecars run (default envoy). */
  readonly sidecar?: SidecarFlavour;
  /** Kubernetes target options over the config's `kubernetes` settings (CLI flags). */
  readonly kubernetes?: KubernetesOptionOverrides;
  /** Place info notes at the user's lines too (default true); the CLI skips it when it will not print them. */
  readonly placeInfo?: boolean;
  /**
   * Streams verified files here, proxy by proxy, instead of returning them (`files` stays
   * empty): memory follows one chunk of proxies, not the bundle. The sink only ever sees
   * files while no error has been found; the caller discards what it staged when the
   * result has errors (a type error, or a later proxy that fails).
   */
  readonly sink?: FileSink;
  /** Threads for the streamed emit of a large mesh (emit-workers.ts); default 1, in this thread. Needs `sink`. */
  readonly workers?: number;
  /** Watch mode: reuse what an earlier run emitted for proxies whose IR did not change (emit-stream.ts). Needs `sink`. */
  readonly memo?: EmitMemo;
  /** Watch mode: the loader's state kept between saves (load/typescript.ts). */
  readonly session?: TypescriptSession;
  /** Called with the loaded config before it is checked (the CLI sizes V8's tiering by it: cli/tiering.ts). */
  readonly onLoaded?: (config: LoadedConfig) => void;
}

export interface CompileResult {
  readonly config: LoadedConfig | null;
  /** Null once a streamed compile (`options.sink`) reached the emit: released before it, for memory. */
  readonly mesh: NMesh | null;
  readonly ir: MeshIR | null;
  readonly targets: readonly Target[];
  /** Sorted by path; empty when there is any error, or when the files went to `options.sink`. */
  readonly files: readonly EmittedFile[];
  readonly diagnostics: readonly Diagnostic[];
  readonly timings: Readonly<Record<string, number>>;
  /** The same stages' CPU time (user + system, ms): on a shared machine the wall time is mostly waiting for a core. */
  readonly cpuTimings?: Readonly<Record<string, number>>;
  /** The same stages' minor page faults: on a VM that hands freed memory back to its host, a first touch of a page costs up to ~30 us of CPU. */
  readonly faults?: Readonly<Record<string, number>>;
}

export const hasErrors = (ds: readonly Diagnostic[]) => ds.some((d) => d.severity === "error");

function reporter(into: Diagnostic[], file: string | null): Report {
  return (code: CodeInfo, f: { message: string; path: string; hint?: string | null; severity?: Severity }) =>
    into.push(diagnostic(code, { message: f.message, path: f.path, hint: f.hint ?? null, file, severity: f.severity }));
}

/**
 * Milliseconds since the process started. Not the global `performance` clock: node loads its
 * performance API (perf_hooks and a dozen internal modules) on the first read of that global,
 * at every compile, for stage timings only. Exported for the CLI's own (cli/compile-command.ts).
 */
export const elapsedMs = (): number => process.uptime() * 1000;

function timer() {
  const timings: Record<string, number> = {};
  const cpu: Record<string, number> = {};
  const faults: Record<string, number> = {};
  let last = elapsedMs();
  let lastCpu = process.cpuUsage();
  let lastFaults = process.resourceUsage().minorPageFault;
  return {
    timings,
    cpu,
    faults,
    lap(stage: string) {
      const now = elapsedMs();
      const used = process.cpuUsage(lastCpu);
      const minor = process.resourceUsage().minorPageFault;
      timings[stage] = (timings[stage] ?? 0) + (now - last);
      cpu[stage] = (cpu[stage] ?? 0) + (used.user + used.system) / 1000;
      faults[stage] = (faults[stage] ?? 0) + (minor - lastFaults);
      last = now;
      lastCpu = process.cpuUsage();
      lastFaults = minor;
    },
  };
}

/**
 * Measured with typecheck of generated meshes: 200 services x 1,000 routes and rules types in
 * 1.4 s; at 400 x 2,000 tsc fails with "union type too complex" after 6 s. The cost grows
 * with services x (routes + rules), so that product decides.
 */
export function isTooLargeToTypecheck(value: unknown): boolean {
  const v = value as { services?: object; routes?: unknown[]; authorization?: unknown[] };
  const services = Object.keys(v.services ?? {}).length;
  return services * ((v.routes?.length ?? 0) + (v.authorization?.length ?? 0)) > 150_000;
}

/** Compiles the config at `path` (or found in `cwd`). */
export async function compileFile(path: string | undefined, options: CompileOptions): Promise<CompileResult> {
  const t = timer();
  const loaded = await loadConfig(path, options.cwd, options.session);
  t.lap("load");
  if (!loaded.config) {
    // Watch mode: a run a newer save overtook is dropped at its gate, so the file it could not
    // load (an editor's truncate, read before its write) is not type-checked: at 1,000 services
    // tsc on the saved file took ~8.7 s, all of it delaying the save's own compile.
    const dropped = (await options.session?.overtaken?.()) === true;
    const typeErrors = options.typecheck === false || dropped ? [] : await typeErrorsOfUnloadable(loaded.diagnostics, findConfig(path, options.cwd), (abs) => displayPath(abs, options.cwd));
    return { config: null, mesh: null, ir: null, targets: [], files: [], diagnostics: [...loaded.diagnostics, ...typeErrors], timings: t.timings, cpuTimings: t.cpu, faults: t.faults };
  }
  const config = loaded.config;
  options.onLoaded?.(config);
  const typecheck = config.format === "ts" && options.typecheck !== false
    // Only the root's own services, routes and rules count: team modules type-check in time linear in their size.
    ? (isTooLargeToTypecheck(config.composition?.written ?? config.value)
      ? Promise.resolve([diagnostic(coreCodes.typecheckSkipped, { message: "type-check skipped: the mesh is too large for tsc's literal union types", file: config.file, hint: "split the mesh into team modules (`defineModule`, see the README's \"Composing a mesh from team modules\"): they type-check in full at any size; the compiler's reference checks run either way" })])
      : typecheckConfig(config.absolutePath, config.inputs, (abs) => displayPath(abs, options.cwd)))
    : Promise.resolve([]);
  const result = await compileLoaded(config, options, t);
  const typeErrors = await typecheck;
  t.lap("typecheck");
  const placed = dropTypeErrorsCoveredByOwn(await placeAndSort([...typeErrors, ...result.diagnostics], config,
    options.placeInfo === false ? (d) => d.severity !== "info" : undefined));
  const diagnostics = attributeOwners(placed, config.composition?.written ?? config.value,
    // The config and every file it read (data team files, TS team modules): never a bundle file a verifier names.
    new Set([config.file, ...(config.moduleSources?.keys() ?? []), ...config.inputs.map((abs) => displayPath(abs, options.cwd))]));
  t.lap("place");
  const failed = hasErrors(diagnostics);
  return { ...result, files: failed ? [] : result.files, diagnostics, timings: t.timings, cpuTimings: t.cpu, faults: t.faults };
}

/** Compiles a config value already in memory (the testing API, and YAML/TS after load). */
export async function compileLoaded(config: LoadedConfig, options: CompileOptions, t = timer()): Promise<CompileResult> {
  try {
    return await runStages(config, options, t);
  } catch (error) {
    // A bug, never the user's input: report it as a diagnostic, not a stack trace.
    const message = error instanceof Error ? error.message : String(error);
    if (process.env.MESHC_DEBUG) console.error(error);
    return {
      config, mesh: null, ir: null, targets: [], files: [], timings: t.timings, cpuTimings: t.cpu, faults: t.faults,
      diagnostics: [diagnostic(coreCodes.internal, { message: `internal error: ${message}`, file: config.file, hint: "this is a bug in meshc; please report it with the config that triggers it" })],
    };
  }
}

/** Raw-value checks, normalization and the model-stage checks of a schema-valid value. */
function checkModel(value: unknown, report: Report, last?: LastNormalized | null, memo?: CheckMemo, seen?: RawScan): NMesh {
  if (seen?.rawValues !== false) checkRawValues(value, report);
  const rawRoutes = ((value as { routes?: unknown[] }).routes ?? []) as Record<string, unknown>[];
  rawRoutes.forEach((r, i) => {
    const keys = conflictingActionKeys(r);
    if (keys.length) report(coreCodes.conflictingActions, { message: `route has ${keys.join(" and ")}; a route does one of them`, path: `routes[${i}]`, hint: "split the route in two, or keep one action" });
  });
  // Watch mode: the parts equal to the last save's are its objects (normalize/index.ts).
  const mesh: NMesh = normalize(value as Parameters<typeof normalize>[0], last);
  if (last && process.env.MESHC_CHECK_INCREMENTAL_IR === "1" && JSON.stringify(mesh) !== JSON.stringify(normalize(value as Parameters<typeof normalize>[0]))) {
    throw new Error("the incremental normalization differs from a full one");
  }
  for (const check of checks) if (check.stage === "model") runModelCheck(check, mesh, report, memo);
  return mesh;
}

/** The semantic errors of the parts the schema accepted, when that is sound (partial-check.ts). */
function checkValidParts(config: LoadedConfig, errors: readonly Diagnostic[]): Diagnostic[] {
  const aside = setAsideInvalid(config.value, errors.filter((d) => d.severity === "error"));
  if (!aside || checkSchema(aside.value, config.file).length > 0) return [];
  const found: Diagnostic[] = [];
  try {
    const mesh = checkModel(aside.value, reporter(found, config.file));
    return found.flatMap((d) => aside.restore(d, mesh) ?? []);
  } catch {
    return []; // the full config's errors stand on their own; this pass only adds to them
  }
}

async function runStages(config: LoadedConfig, options: CompileOptions, t: ReturnType<typeof timer>): Promise<CompileResult> {
  const diagnostics: Diagnostic[] = [];
  const report = reporter(diagnostics, config.file);
  // Found while merging team modules (load/modules.ts): a name two modules declare, a malformed module.
  if (config.composition) diagnostics.push(...config.composition.diagnostics);
  const done = (extra: Partial<CompileResult>): CompileResult => ({
    config, mesh: null, ir: null, targets: [], files: [], diagnostics, timings: t.timings, cpuTimings: t.cpu, faults: t.faults, ...extra,
  });
  // The limits walk also says whether the character and raw-value walks could find anything.
  const seen: RawScan = { characters: false, rawValues: false };
  // Watch mode: only the parts a save changed (analyze/limits-watched.ts).
  // A config whose strings the loader knows clean (LoadedConfig.plainStrings) has none scanned for the character check.
  if (!(options.memo ? checkLimitsWatched(config.value, report, seen, options.memo.limits) : checkLimits(config.value, report, seen, config.plainStrings !== true))) return done({});
  if (seen.characters) checkCharacters(config.value, report);
  // Watch mode: only the routes, rules and services a save changed, when that is sound (schema-partial.ts).
  diagnostics.push(...(options.memo ? checkSchemaWatched(config.value, config.file, options.memo.schema) : checkSchema(config.value, config.file)));
  t.lap("validate");
  if (hasErrors(diagnostics)) {
    diagnostics.push(...checkValidParts(config, diagnostics));
    return done({});
  }
  const last = options.memo?.build;
  let mesh: NMesh | null = checkModel(config.value, report, last ? { raw: last.raw, mesh: last.mesh } : null, options.memo?.checks, seen);
  t.lap("validate");
  if (hasErrors(diagnostics)) return done({ mesh });
  const runtime = { ...DEFAULT_RUNTIME, ...options.runtime };
  // Watch mode: only the proxies a change reaches are built; the others are the last run's objects, so the memo's per-object caches hit.
  const ir = options.memo ? buildIRIncremental(mesh, runtime, options.memo.build) : buildIR(mesh, runtime);
  if (options.memo) options.memo.build = { raw: config.value, mesh, ir };
  t.lap("ir");
  for (const check of checks) if (check.stage === "ir") runIrCheck(check, ir, mesh, report, options.memo?.checks);
  t.lap("validate");
  const names = options.targets ?? mesh.targets ?? allTargets.map((x) => x.name);
  const selected = findTargets(names, options.sidecar, options.kubernetes);
  for (const unknown of selected.unknown) {
    report(coreCodes.unknownTarget, { message: `unknown target "${unknown}"`, path: options.targets ? "" : "targets", hint: `targets: ${allTargets.map((x) => x.name).join(", ")}` });
  }
  for (const d of checkCapabilities(ir, selected.targets, options.memo?.features)) diagnostics.push({ ...d, file: config.file });
  t.lap("capabilities");
  if (hasErrors(diagnostics)) return done({ mesh, ir, targets: selected.targets });
  const mode = options.verify ?? "default";
  if (options.sink) {
    // Workers rebuild the targets from the registry with the same arguments as findTargets above.
    const parallel = { workers: options.workers ?? 1, recipe: { names, sidecar: options.sidecar, kubernetes: options.kubernetes } };
    // Nothing past this point reads the normalized mesh: released before the emit, so what a
    // streamed compile keeps is the IR (the model adds ~2.4 KB a service the IR does not share).
    mesh = null;
    await emitStreamed(ir, selected.targets, verifiers, mode, diagnostics, options.sink, t, options.memo, parallel);
    return done({ ir, targets: selected.targets });
  }
  const files = await emitWhole(ir, selected.targets, verifiers, mode, diagnostics, t);
  return done({ mesh, ir, targets: selected.targets, files });
}
