// Emit and verify, either whole (the in-memory API: every file returned) or streamed proxy by
// proxy into a sink (the bundle writer): a chunk of proxies is emitted by every target that
// emits per proxy, verified against the IR of those proxies alone, handed to the sink and
// released, so peak memory follows the chunk, not the mesh. Targets without `perProxy`
// (certs) emit whole, after the proxies. A verifier with whole-bundle checks (Kubernetes)
// checks chunk by chunk through a VerifierRun and ends once, after the last chunk. Errors stop the sink, not the stages: the
// remaining proxies are still emitted so every diagnostic comes back, and the caller discards
// what the sink staged (a bundle with an error anywhere is never written).
import { coreCodes } from "./diagnostics/codes.ts";
import { diagnostic } from "./diagnostics/define.ts";
import type { Diagnostic } from "./diagnostics/types.ts";
import type { MeshIR, ProxyIR } from "./ir/types.ts";
import type { EmittedFile, EmitResult, ProxyEmitter, Target, Verifier, VerifierRun } from "./target.ts";
import { sha256, type OwnedEntry } from "./bundle-lock.ts";
import { createFeatureCache, type FeatureCache } from "./capabilities.ts";
import type { CheckMemo } from "./analyze/memo.ts";
import { createSchemaMemo, type SchemaMemo } from "./schema-partial.ts";
import { createLimitsMemo, type LimitsMemo } from "./analyze/limits-watched.ts";
import type { LastBuild } from "./ir/incremental.ts";
import { createKeyCache, memoKeys, type KeyCache } from "./emit-keys.ts";
import { emitChunksInWorkers, useWorkers, type ParallelEmit } from "./emit-workers.ts";

/** Receives verified files, a chunk at a time, only while no error has been found. */
export interface FileSink {
  add(files: readonly EmittedFile[]): void;
  /** Files a memo says are unchanged since the last run (watch mode): they stay as written. */
  keep?(entries: readonly OwnedEntry[]): void;
  /**
   * The memo's record of files just handed to `add` (one emit unit's): a later run hands
   * this very array to `keep` while they are unchanged (bundle-update.ts keeps such a list
   * whole instead of file by file).
   */
  remember?(entries: readonly OwnedEntry[]): void;
}

/** What one target emitted for one proxy (or, for a whole-mesh target, for the mesh), and from which input. */
interface MemoEntry {
  readonly key: string;
  readonly files: readonly OwnedEntry[];
  /** Its emit and verify diagnostics (warnings, notes): reported again when it is reused. */
  readonly diagnostics: readonly Diagnostic[];
}

/**
 * Watch mode's memory between runs: per target and proxy, the digest of the IR it was
 * emitted from and the files it gave. A proxy whose IR slice (and the mesh-wide rest of the
 * IR) is unchanged is neither emitted nor verified again. `next` becomes `last` only when
 * the caller wrote the run's bundle.
 */
export interface EmitMemo {
  last: Map<string, MemoEntry>;
  next: Map<string, MemoEntry>;
  /** The last run's normalized mesh and IR: the next run rebuilds only what changed (ir/incremental.ts), whatever was written. */
  build: LastBuild | null;
  /** Digests of what the units read, kept between runs (emit-keys.ts). */
  readonly keys: KeyCache;
  /** Capability uses of each proxy by identity (capabilities.ts). */
  readonly features: FeatureCache;
  /** The model checks' last findings and what they read (analyze/memo.ts). */
  readonly checks: CheckMemo;
  /** The last config the schema checked, and whether it passed (schema-partial.ts). */
  readonly schema: SchemaMemo;
  /** The last config within the limits, and its count of values (analyze/limits-watched.ts). */
  readonly limits: LimitsMemo;
}

export const createEmitMemo = (): EmitMemo => ({ last: new Map(), next: new Map(), build: null, keys: createKeyCache(), features: createFeatureCache(), checks: new Map(), schema: createSchemaMemo(), limits: createLimitsMemo() });

export type VerifyMode = "default" | "all" | "none";

/**
 * Proxies per chunk: enough to spread a verifier's set-up (temp folders, placeholder
 * certificates), few enough that a chunk's files and objects die young. Measured at 1,000
 * services, all targets: 64 -> 16 cut the bytes the young-generation collector promotes from
 * 102 to 33 MB (copied 131 -> 71 MB) and peak RSS from ~180 to ~137 MB (8 compiles, 4 by 4).
 */
export const CHUNK_PROXIES = 16;

const hasError = (ds: readonly Diagnostic[]) => ds.some((d) => d.severity === "error");
const byPath = (a: EmittedFile, b: EmittedFile) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0);

/** The verifiers that run for `targets` in `mode`; a missing tool is a warning, once. */
function activeVerifiers(all: readonly Verifier[], targets: readonly Target[], mode: VerifyMode, diagnostics: Diagnostic[]): Verifier[] {
  if (mode === "none") return [];
  const active: Verifier[] = [];
  for (const v of all) {
    if (!targets.some((x) => x.name === v.target) || (mode === "default" && !v.defaultOn)) continue;
    const missing = v.missing();
    if (missing) diagnostics.push(diagnostic(coreCodes.verifierMissing, { message: `cannot verify ${v.target} output: ${missing}`, hint: missing }));
    else active.push(v);
  }
  return active;
}

export async function verifyFiles(verifiers: readonly Verifier[], names: ReadonlySet<string>, files: readonly EmittedFile[], ir: MeshIR, into: Diagnostic[], runs?: ReadonlyMap<Verifier, VerifierRun>): Promise<void> {
  for (const v of verifiers) {
    if (!names.has(v.target)) continue;
    const mine = files.filter((f) => f.path.startsWith(`${v.target}/`));
    const run = runs?.get(v);
    for (const d of await (run ? run.verify(mine, ir) : v.verify(mine, ir))) into.push(d);
  }
}

function take(r: EmitResult, files: EmittedFile[], diagnostics: Diagnostic[]): void {
  // Loops, not push(...): a 10,000-service mesh emits more files than call arguments fit.
  for (const f of r.files) files.push(f);
  for (const d of r.diagnostics) diagnostics.push(d);
}

export interface StageClock { lap(stage: string): void }

/** Every file, sorted, held in memory: emit all, then verify all when nothing failed. */
export async function emitWhole(ir: MeshIR, targets: readonly Target[], verifiers: readonly Verifier[], mode: VerifyMode, diagnostics: Diagnostic[], t: StageClock): Promise<EmittedFile[]> {
  const files: EmittedFile[] = [];
  for (const target of targets) take(target.emit(ir), files, diagnostics);
  files.sort(byPath);
  t.lap("emit");
  if (!hasError(diagnostics)) {
    const active = activeVerifiers(verifiers, targets, mode, diagnostics);
    await verifyFiles(active, new Set(targets.map((x) => x.name)), files, ir, diagnostics);
  }
  t.lap("verify");
  return files;
}

function recordedSink(sink: FileSink, runs: readonly VerifierRun[]): FileSink {
  const record = (paths: readonly string[]) => { for (const r of runs) r.written(paths); };
  return {
    add: (files) => { record(files.map((f) => f.path)); sink.add(files); },
    keep: (entries) => { record(entries.map((e) => e.path)); sink.keep?.(entries); },
    remember: (entries) => { sink.remember?.(entries); },
  };
}

/** Verify diagnostics by the memo entry whose files they name (file-less ones stay with the chunk's first). */
function attribute(diagnostics: readonly Diagnostic[], owners: Map<string, string>, fallback: string | undefined, into: Map<string, Diagnostic[]>): void {
  for (const d of diagnostics) {
    const owner = (d.file !== null && d.file !== undefined ? owners.get(d.file) : undefined) ?? fallback;
    if (owner !== undefined) into.set(owner, [...(into.get(owner) ?? []), d]);
  }
}

/**
 * Verifies the files of the run's fresh units, target by target: each verifier sees its own
 * target's files and, as IR, `scope` of the proxies emitted again for that target. A target
 * with no fresh file is not verified: the Envoy verifier, given an IR, would otherwise build
 * and check the bootstrap of every proxy of it (with the shared units' whole IR, every proxy
 * of the mesh, which its chunks check anyway).
 */
async function verifyFresh(verifiers: readonly Verifier[], names: ReadonlySet<string>, fresh: readonly FreshUnit[], scope: (fresh: ReadonlySet<ProxyIR | undefined>) => MeshIR, into: Diagnostic[], runs: ReadonlyMap<Verifier, VerifierRun>): Promise<void> {
  for (const v of verifiers) {
    if (!names.has(v.target)) continue;
    const mine = fresh.filter((u) => u.target === v.target);
    const files = mine.flatMap((u) => u.files).filter((f) => f.path.startsWith(`${v.target}/`));
    if (files.length === 0) continue;
    const run = runs.get(v);
    const ir = scope(new Set(mine.map((u) => u.proxy)));
    for (const d of await (run ? run.verify(files, ir) : v.verify(files, ir))) into.push(d);
  }
}

interface FreshUnit { readonly id: string; readonly key: string; readonly target: string; readonly files: readonly EmittedFile[]; readonly proxy?: ProxyIR }

/** Streams verified files into `sink`; with a memo, only what changed since the memo's run is emitted and verified. */
export async function emitStreamed(ir: MeshIR, targets: readonly Target[], verifiers: readonly Verifier[], mode: VerifyMode, diagnostics: Diagnostic[], sink: FileSink, t: StageClock, memo?: EmitMemo, parallel?: ParallelEmit): Promise<void> {
  const active = activeVerifiers(verifiers, targets, mode, diagnostics);
  const streamed = targets.filter((x) => x.perProxy !== undefined);
  const whole = targets.filter((x) => x.perProxy === undefined);
  const emitters = streamed.map((x) => ({ name: x.name, emitter: x.perProxy!(ir) }));
  const runs = new Map(active.filter((v) => v.begin !== undefined && streamed.some((x) => x.name === v.target)).map((v) => [v, v.begin!(ir)] as const));
  // Every file the bundle gets (written or kept), by path, for the runs' whole-bundle checks at the end.
  if (runs.size > 0) sink = recordedSink(sink, [...runs.values()]);
  const streamedNames = new Set(streamed.map((x) => x.name));
  if (memo) memo.next = new Map();
  const keys = memo ? memoKeys(ir, memo.keys) : null;
  /** Emits one unit per memo key, verifies them together, hands them over, and remembers them. */
  const run = async (units: { id: string; key: string; target: string; emit: () => EmitResult; proxy?: ProxyIR }[], scope: (fresh: ReadonlySet<ProxyIR | undefined>) => MeshIR, names: ReadonlySet<string>) => {
    const files: EmittedFile[] = [];
    const owners = new Map<string, string>();
    const found = new Map<string, Diagnostic[]>();
    const fresh: FreshUnit[] = [];
    for (const unit of units) {
      const before = memo?.last.get(unit.id);
      if (before && before.key === unit.key) {
        for (const d of before.diagnostics) diagnostics.push(d);
        sink.keep?.(before.files);
        memo!.next.set(unit.id, before);
        continue;
      }
      const out = unit.emit();
      for (const f of out.files) files.push(f);
      for (const d of out.diagnostics) diagnostics.push(d);
      // Who emitted what, for the memo only: a compile without one keeps none of it.
      if (memo) {
        for (const f of out.files) owners.set(f.path, unit.id);
        found.set(unit.id, [...out.diagnostics]);
      }
      fresh.push({ id: unit.id, key: unit.key, target: unit.target, files: out.files, proxy: unit.proxy });
    }
    t.lap("emit");
    if (fresh.length === 0 || hasError(diagnostics)) return;
    const checked: Diagnostic[] = [];
    if (files.length > 0) {
      await verifyFresh(active, names, fresh, scope, checked, runs);
      for (const d of checked) diagnostics.push(d);
      t.lap("verify");
      if (hasError(diagnostics)) return;
      sink.add(files);
      t.lap("write");
    }
    if (!memo) return;
    attribute(checked, owners, fresh[0]?.id, found);
    for (const u of fresh) {
      const entry = { key: u.key, files: u.files.map((f) => ({ path: f.path, sha256: sha256(f.content) })), diagnostics: found.get(u.id) ?? [] };
      memo.next.set(u.id, entry);
      sink.remember?.(entry.files);
    }
  };
  // Shared files are verified with the whole IR: they may describe every proxy.
  await run(emitters.map((e) => ({ id: `${e.name}\0`, key: keys?.shared(e.name, e.emitter) ?? "", target: e.name, emit: () => e.emitter.shared() })), () => ir, streamedNames);
  // Large meshes without a memo: the same chunks, emitted and verified in worker threads (emit-workers.ts).
  if (!memo && streamed.length > 0 && useWorkers(parallel, ir.proxies.length, CHUNK_PROXIES)) {
    await emitChunksInWorkers(ir, parallel, streamed, emitters.map((e) => e.emitter), active, CHUNK_PROXIES, diagnostics, sink, t);
  } else for (let i = 0; i < ir.proxies.length; i += CHUNK_PROXIES) {
    const chunk: readonly ProxyIR[] = ir.proxies.slice(i, i + CHUNK_PROXIES);
    const units = chunk.flatMap((p) => emitters.map((e) => ({ id: `${e.name}\0${p.name}`, key: keys?.proxy(e.name, e.emitter, p) ?? "", target: e.name, emit: () => e.emitter.proxy(p), proxy: p })));
    // The verifiers see the IR of the proxies emitted again, alone.
    const changed = (fresh: ReadonlySet<ProxyIR | undefined>) => ({ ...ir, proxies: chunk.filter((p) => fresh.has(p)) });
    await run(units, changed, streamedNames);
  }
  for (const target of whole) {
    await run([{ id: target.name, key: keys?.whole(target) ?? "", target: target.name, emit: () => target.emit(ir) }], () => ir, new Set([target.name]));
  }
  t.lap("emit");
  // The whole-bundle checks, once, from what the chunks left; skipped (as every verify is) once an error is found.
  if (!hasError(diagnostics)) for (const r of runs.values()) for (const d of r.end()) diagnostics.push(d);
  t.lap("verify");
}
