// `meshc compile` and `meshc validate`.
import { statSync } from "node:fs";
import { dirname, relative, resolve } from "node:path";
import { inspectOutDir, lockDiagnostic, lockFileFor, openDriftCheck, stageBundle, type StagedBundle } from "../bundle.ts";
import { openBundleUpdate, settleWritten, writtenWhole, type WrittenBundle } from "../bundle-update.ts";
import { createEmitMemo, type EmitMemo, type FileSink } from "../emit-stream.ts";
import type { OwnedEntry } from "../bundle-lock.ts";
import { workerCount } from "../emit-workers.ts";
import { findConfig } from "../load/index.ts";
import { createTypescriptSession, type TypescriptSession } from "../load/typescript.ts";
import { privateKeyDiagnostics, scanFolder } from "../bundle-secrets.ts";
import { compileFile, elapsedMs, hasErrors, isTooLargeToTypecheck, type CompileResult } from "../compile.ts";
import { cancelEarlyTypecheck, startEarlyTypecheck } from "../typecheck.ts";
import { coreCodes } from "../diagnostics/codes.ts";
import { diagnostic } from "../diagnostics/define.ts";
import { summarizeDiagnostics, type DiagnosticFormat } from "../diagnostics/format.ts";
import type { Diagnostic } from "../diagnostics/types.ts";
import { toYaml } from "../serialize.ts";
import { parseTargetList, printDiagnostics, unknownTargetMessage } from "./output.ts";
import { restoreOptimizationFor, serviceCount } from "./tiering.ts";
import type { SaveGate } from "./watch.ts";
import { rehearse } from "./watch-rehearsal.ts";

export interface CompileCommandOptions {
  out?: string; target?: string; check?: boolean; emit?: "ir"; typecheck?: boolean; verify?: boolean;
  adopt?: boolean; sidecar?: "envoy" | "nginx" | "haproxy"; gatewayClass?: string; imagePullPolicy?: "Always" | "IfNotPresent" | "Never"; certDir?: string; runDir?: string; logDir?: string; watch?: boolean; verbose?: boolean;
  format: DiagnosticFormat; validateOnly?: boolean;
}

function verifyMode(opts: CompileCommandOptions): "default" | "all" | "none" {
  // commander gives `verify: true` for --verify, `false` for --no-verify, undefined for neither.
  if (opts.verify === false) return "none";
  return opts.verify === true && process.argv.includes("--verify") ? "all" : "default";
}

/**
 * A TypeScript config at most this large has its type-check (tsc, in a child process) started
 * beside its load (typecheck.ts's startEarlyTypecheck): a larger one (a generated mesh of many
 * services) may be too large to type-check at all, which only its load can say, and a tsc
 * started for nothing would compete with that load for the cores.
 */
const EARLY_TYPECHECK_MAX_BYTES = 256 * 1024;

function startsTypecheckEarly(opts: CompileCommandOptions, found: string | null): found is string {
  return opts.typecheck !== false && found !== null && /\.m?ts$/i.test(found) && (statSync(found, { throwIfNoEntry: false })?.size ?? Infinity) <= EARLY_TYPECHECK_MAX_BYTES;
}

/** After a save is written, how long watch mode waits before listing the folders it wrote (longer than a clock tick). */
const SETTLE_MS = 60;

/** What `--watch` keeps between runs: the emit memo and what it last wrote (compile-command.ts writes only changes). */
export interface WatchState {
  memo: EmitMemo;
  written: WrittenBundle | null;
  readonly session: TypescriptSession;
  /** The running save's gate (watch.ts): awaited before the run prints or writes anything. */
  gate?: SaveGate | null;
}

/** compileOnce's code for a run its gate dropped (a newer save overtook it): nothing printed or written. */
const SUPERSEDED = -1;

/**
 * Where the streamed files go: the staged bundle (compile), the drift check (--check), the
 * in-place update of the bundle this process wrote last (--watch, after its first run), or
 * nowhere (--emit ir, validate). The staged bundle opens on the first file, after the config
 * loaded and checked, so a broken config reports its own errors and nothing about --out.
 */
function openSink(opts: CompileCommandOptions, outDir: string, projectRoots: readonly string[], watch?: WatchState) {
  let staged: StagedBundle | null = null;
  let refused: Diagnostic[] | null = null;
  const drift = opts.check ? openDriftCheck(outDir) : null;
  // A forged lock or a key in the folder: --check refuses before reading any file there.
  let forged: Diagnostic[] | null = null;
  const forgedOut = () => (forged ??= [...lockDiagnostic(outDir), ...privateKeyDiagnostics(outDir)]);
  const writing = !opts.check && !opts.validateOnly && opts.emit !== "ir";
  const update = writing && watch?.written ? openBundleUpdate(outDir, watch.written) : null;
  const openStaged = (): StagedBundle | Diagnostic[] => {
    // The lock is read once, and the files the key scan reads are hashed against it: the write links the unchanged ones (bundle.ts openReuse).
    const { diagnostics: problems, lock } = inspectOutDir(outDir, projectRoots, !!opts.adopt);
    if (hasErrors(problems)) return problems;
    const scan = lock.kind === "ok" ? scanFolder(outDir, new Map(lock.files.map((f) => [f.path, f.sha256]))) : null;
    problems.push(...privateKeyDiagnostics(outDir, scan));
    return hasErrors(problems) ? problems : stageBundle(outDir, { previous: { lock, reusable: scan?.reusable } });
  };
  const open = () => {
    if (staged || refused || !writing || update) return;
    const opened = openStaged();
    if (Array.isArray(opened)) refused = opened;
    else staged = opened;
  };
  // Watch mode's first run: the memo's lists of the files, so the next save keeps them whole (bundle-update.ts).
  const lists: (readonly OwnedEntry[])[] = [];
  const sink: FileSink = update ?? {
    remember(list) { if (watch) lists.push(list); },
    add(files) {
      if (drift && forgedOut().length === 0) drift.add(files);
      open();
      staged?.add(files);
    },
    keep() {
      // Only an in-place update reuses files; every other run emits them all (no memo hits).
      throw new Error("internal: a memo hit outside an in-place update");
    },
  };
  return {
    sink, drift, forgedOut,
    /** Adds the lock and swaps the bundle in (or updates it in place); the refusals found on the way, if any. */
    commit(inputDigest: string): { diagnostics: Diagnostic[]; files: number; written: WrittenBundle | null; retry: boolean } {
      if (update) {
        const r = update.commit(inputDigest, openStaged);
        return { diagnostics: r.diagnostics, files: r.changed, written: r.written, retry: r.retry };
      }
      open();
      if (refused) return { diagnostics: refused, files: 0, written: null, retry: false };
      const s = staged!;
      const lock = lockFileFor(s.entries(), inputDigest);
      s.add([lock]);
      const diagnostics = s.commit();
      // Watch mode keeps what it wrote (and its folders) for the next save's in-place update.
      const written = diagnostics.length === 0 && watch ? writtenWhole(resolve(outDir), Buffer.from(lock.content), new Map(s.entries().filter((e) => e.path !== lock.path).map((e) => [e.path, e.sha256])), lists) : null;
      return { diagnostics, files: s.entries().length, written, retry: false };
    },
    discard: () => { (staged as StagedBundle | null)?.discard(); },
  };
}

async function compileOnce(config: string | undefined, opts: CompileCommandOptions, onInputs?: (files: readonly string[] | null) => void, watch?: WatchState): Promise<number> {
  const started = elapsedMs();
  const cpu = process.cpuUsage();
  const startFaults = process.resourceUsage().minorPageFault;
  const cwd = process.cwd();
  const outDir = opts.out ?? "mesh-bundle";
  const found = findConfig(config, cwd);
  const projectRoots = [cwd, ...(found ? [dirname(found)] : [])];
  const output = openSink(opts, outDir, projectRoots, watch);
  if (startsTypecheckEarly(opts, found)) startEarlyTypecheck(found);
  const result: CompileResult = await compileFile(config, {
    cwd, targets: parseTargetList(opts.target), typecheck: opts.typecheck !== false, sidecar: opts.sidecar,
    kubernetes: { ...(opts.gatewayClass ? { gatewayClassName: opts.gatewayClass } : {}), ...(opts.imagePullPolicy ? { imagePullPolicy: opts.imagePullPolicy } : {}) },
    verify: opts.validateOnly ? "none" : verifyMode(opts),
    // Info notes are printed only with --verbose or as JSON: elsewhere, placing them is wasted work.
    placeInfo: !!opts.verbose || opts.format === "json",
    runtime: { certDir: opts.certDir ?? "/etc/meshc/certs", runDir: opts.runDir ?? "/var/run/meshc", logDir: opts.logDir ?? "/var/log/meshc" },
    sink: output.sink,
    // MESHC_WORKERS=N or auto: a large mesh emits in worker threads; watch mode keeps its in-process memo.
    workers: watch ? 1 : workerCount(),
    // The memo is consulted only where an in-place update can reuse files; a full run rebuilds it.
    memo: watch ? (watch.written ? watch.memo : (watch.memo = createEmitMemo(), watch.memo)) : undefined,
    session: watch?.session,
    // A large mesh runs long enough to repay V8's optimizing compiler (tiering.ts).
    onLoaded: (loaded) => {
      // A config that turned out not to be type-checked: its early tsc stops now.
      if (loaded.format !== "ts" || isTooLargeToTypecheck(loaded.composition?.written ?? loaded.value)) void cancelEarlyTypecheck();
      restoreOptimizationFor(serviceCount(loaded.value));
    },
  }).finally(cancelEarlyTypecheck);
  // A config that did not load still names the files at fault (a module file with a syntax error): watch those too, so fixing them recompiles.
  const named = [...new Set(result.diagnostics.flatMap((d) => (d.file ? [resolve(cwd, d.file)] : [])))];
  onInputs?.(result.config ? result.config.inputs : named.length > 0 ? named : null);
  // Watch mode: a run that a newer save overtook leaves the bundle and the terminal alone.
  if (watch?.gate && !(await watch.gate())) {
    output.discard();
    return SUPERSEDED;
  }
  const diagnostics: Diagnostic[] = [...result.diagnostics];
  const failed = hasErrors(diagnostics);
  if (failed || opts.validateOnly || !result.config) {
    output.discard(); // an error anywhere: the old bundle stays
    printDiagnostics(diagnostics, opts.format, result.config, !!opts.verbose);
    if (opts.format !== "json") process.stderr.write(`meshc: ${failed ? "failed" : "valid"}: ${summarizeDiagnostics(diagnostics)}\n`);
    return failed || !result.config ? 1 : 0;
  }
  if (opts.emit === "ir") {
    // stdout holds the IR alone (YAML, or JSON with --format json); diagnostics go to stderr.
    printDiagnostics(diagnostics, opts.format === "json" ? "text" : opts.format, result.config, !!opts.verbose);
    process.stdout.write(opts.format === "json" ? `${JSON.stringify(result.ir, null, 2)}\n` : toYaml(result.ir));
    return 0;
  }
  if (output.drift) {
    const forged = output.forgedOut();
    if (forged.length > 0) {
      printDiagnostics([...diagnostics, ...forged], opts.format, result.config, !!opts.verbose);
      return 1;
    }
    output.drift.add([lockFileFor(output.drift.entries(), result.config.digest)]);
    const checked = output.drift.entries().length;
    const drift = output.drift.finish();
    const stale = [...drift.added.map((f) => `added ${f}`), ...drift.changed.map((f) => `changed ${f}`), ...drift.removed.map((f) => `removed ${f}`)];
    if (stale.length) {
      diagnostics.push(diagnostic(coreCodes.staleBundle, { message: `${outDir} is stale: ${stale.length} file(s) differ:\n    ${stale.join("\n    ")}`, file: outDir, hint: `run meshc compile ${relative(cwd, result.config.absolutePath)} --out ${outDir} and commit the result` }));
    }
    printDiagnostics(diagnostics, opts.format, result.config, !!opts.verbose);
    if (opts.format !== "json") process.stderr.write(`meshc: ${stale.length ? "stale" : "up to date"}: ${outDir} (${checked} files checked)\n`);
    return stale.length ? 1 : 0;
  }
  const written = output.commit(result.config.digest);
  // MESHC_TIMINGS=1: each run's stage split on stderr (bench/watch.ts reports it per save).
  if (process.env.MESHC_TIMINGS === "1") {
    // `start`: process start to this compile (node's boot and meshc's modules); a watch save has none.
    const stages = { ...(watch ? {} : { start: started }), ...result.timings, commit: elapsedMs() - started - Object.values(result.timings).reduce((a, b) => a + b, 0) };
    const used = process.cpuUsage(cpu);
    // CPU time as well as wall: on a shared machine the wall time is mostly waiting for a core.
    // Peak RSS too (the process's, so far): the heap policy (heap.ts) shows there.
    process.stderr.write(`meshc: timings: ${Object.entries(stages).map(([k, v]) => `${k} ${v.toFixed(0)}`).join(", ")} ms; cpu ${((used.user + used.system) / 1000).toFixed(0)} ms; peak rss ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB\n`);
    // The same split in CPU time (`start`: what the process used before this compile).
    const cpuStages = { ...(watch ? {} : { start: (cpu.user + cpu.system) / 1000 }), ...result.cpuTimings };
    process.stderr.write(`meshc: cpu by stage: ${Object.entries(cpuStages).map(([k, v]) => `${k} ${v.toFixed(0)}`).join(", ")}, rest ${((used.user + used.system) / 1000 - Object.values(result.cpuTimings ?? {}).reduce((a, b) => a + b, 0)).toFixed(0)} ms\n`);
    // Minor page faults (the process's, so far, by stage): on a VM whose host takes freed memory back, a first touch of a page costs up to ~30 us of CPU.
    const faults = { ...(watch ? {} : { start: startFaults }), ...result.faults };
    process.stderr.write(`meshc: page faults by stage: ${Object.entries(faults).map(([k, v]) => `${k} ${v}`).join(", ")}; total ${process.resourceUsage().minorPageFault}\n`);
  }
  if (watch) {
    if (written.retry) {
      // The bundle changed under us: start over with a whole compile.
      watch.written = null;
      return compileOnce(config, opts, onInputs, watch);
    }
    watch.written = written.written;
    if (written.written) watch.memo.last = watch.memo.next;
    // The folders this save wrote are listed once it is done, so the next save need not (bundle-dirs.ts); the lock's digests found likewise.
    const done = written.written;
    if (done) setTimeout(() => settleWritten(resolve(outDir), done), SETTLE_MS).unref();
  }
  diagnostics.push(...written.diagnostics);
  printDiagnostics(diagnostics, opts.format, result.config, !!opts.verbose);
  if (hasErrors(diagnostics)) return 1;
  if (opts.format !== "json") {
    const seconds = ((elapsedMs() - started) / 1000).toFixed(2);
    const what = watch && written.files < (watch.written?.files.size ?? 0) ? `updated ${written.files} changed file(s) in` : `wrote ${written.files} files to`;
    process.stderr.write(`meshc: ${what} ${outDir} (${result.targets.map((t) => t.name).join(", ")}) in ${seconds}s; ${summarizeDiagnostics(diagnostics)}\n`);
  }
  return 0;
}

export const createWatchState = (): WatchState => ({ memo: createEmitMemo(), written: null, session: createTypescriptSession() });

/** One run as `--watch` makes it after a save, with the state it keeps between saves (also what the equivalence test drives). */
export const compileWatched = (config: string, opts: CompileCommandOptions, state: WatchState): Promise<number> => compileOnce(config, opts, undefined, state);

export async function runCompile(config: string | undefined, opts: CompileCommandOptions): Promise<number> {
  const badTarget = await unknownTargetMessage(parseTargetList(opts.target));
  if (badTarget) { process.stderr.write(badTarget); return 2; } // usage error
  if (!opts.watch) return compileOnce(config, opts);
  const { findConfig, CONFIG_NAMES } = await import("../load/index.ts");
  const { watchAndCompile } = await import("./watch.ts");
  const cwd = process.cwd();
  // Until the config loads once, watch where it is (or would be).
  const found = findConfig(config, cwd);
  const initial = found ? [found] : config ? [resolve(cwd, config)] : CONFIG_NAMES.map((n) => resolve(cwd, n));
  const state = createWatchState();
  const rehearsal = rehearsalOf(config, opts, state);
  return watchAndCompile(async (gate) => {
    let inputs: readonly string[] | null = null;
    state.gate = gate;
    state.session.overtaken = gate.overtaken;
    state.session.settled = gate;
    const code = await compileOnce(config, opts, (files) => { inputs = files; }, state);
    state.gate = null;
    state.session.overtaken = undefined;
    state.session.settled = undefined;
    return { inputs, superseded: code === SUPERSEDED };
  }, initial, rehearsal);
}

/**
 * Watch mode's rehearsal (watch-rehearsal.ts) of a save of `config`: each run is dropped at
 * its gate (nothing printed or written), and the type-check (tsc, the same for every run of
 * one file) is not run. Should a run throw, the next save compiles from scratch. Exported for
 * the tests, which rehearse between saves.
 */
export async function rehearseWatched(config: string | undefined, opts: CompileCommandOptions, state: WatchState, overtaken: () => boolean = () => false): Promise<void> {
  const dropped: SaveGate = Object.assign(async () => false, { overtaken: async () => true });
  try {
    await rehearse(async (edit) => {
      // A config that turned into code meanwhile is neither bundled nor evaluated: the run is dropped anyway.
      Object.assign(state.session, { edit, overtaken: dropped.overtaken, settled: async () => false });
      state.gate = dropped;
      try {
        await compileOnce(config, { ...opts, typecheck: false }, undefined, state);
      } finally {
        state.gate = null;
        Object.assign(state.session, { edit: null, overtaken: undefined, settled: undefined });
      }
    }, overtaken);
  } catch (error) {
    state.written = null;
    state.session.lastData = null;
    throw error;
  }
}

/** The rehearsal, once, after the first run that wrote a bundle of a config that runs no code (not with --verify all: nginx -t writes temporary files). */
export function rehearsalOf(config: string | undefined, opts: CompileCommandOptions, state: WatchState) {
  let done = false;
  return async (overtaken: () => boolean): Promise<void> => {
    if (done || !state.written || !state.session.ranNoCode || verifyMode(opts) === "all") return;
    done = true;
    await rehearseWatched(config, opts, state, overtaken);
  };
}
