// Parallel emit: emit-stream.ts's chunk loop spread over worker threads (emit-worker.ts). Each
// worker gets the IR once and the recipe of the selected targets, then emits and verifies the
// chunks of proxies it is sent. The main thread hands results to the sink strictly in chunk
// order, applying the single-threaded loop's rules to each (emit diagnostics, then verify
// diagnostics only while no error has been found, then the files only while none has), so
// diagnostics, lock entries and bytes are the same whatever the worker count. A worker that
// dies is a coded diagnostic and the sink gets nothing more; the workers are always terminated.
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import { coreCodes } from "./diagnostics/codes.ts";
import { diagnostic } from "./diagnostics/define.ts";
import type { Diagnostic } from "./diagnostics/types.ts";
import type { MeshIR } from "./ir/types.ts";
import type { EmittedFile, ProxyEmitter, Target, Verifier } from "./target.ts";
import { verifyFiles, type FileSink, type StageClock } from "./emit-stream.ts";
import type { KubernetesOptionOverrides } from "../targets/kubernetes/options.ts";

/** How a worker rebuilds the selected targets: the arguments compile.ts gave `findTargets`. */
export interface TargetRecipe {
  readonly names: readonly string[];
  readonly sidecar?: "envoy" | "nginx" | "haproxy";
  readonly kubernetes?: KubernetesOptionOverrides;
  /** Tests only: a module exporting `findTargets` and `verifiers` in place of targets/index.ts. */
  readonly registry?: string;
}

/** Asks emitStreamed to spread its chunks over `workers` threads, this one included (1: this thread alone). */
export interface ParallelEmit {
  readonly workers: number;
  readonly recipe: TargetRecipe;
  /** Tuning and tests: proxies per chunk (default emit-stream.ts's CHUNK_PROXIES), and the smallest mesh sent to workers. */
  readonly chunkProxies?: number;
  readonly minProxies?: number;
  /** Whether this thread emits chunks too while it waits (default true; tests set false so workers do every chunk). */
  readonly inline?: boolean;
}

export interface WorkerInit {
  readonly ir: MeshIR;
  readonly recipe: TargetRecipe;
  /** The proxy targets of the chunk loop, in its order. */
  readonly streamed: readonly string[];
  /** The verifiers the main thread found active (their tools present). */
  readonly verifiers: readonly string[];
}
export interface ChunkRequest { readonly index: number; readonly start: number; readonly end: number }
export type ChunkReply =
  | { readonly index: number; readonly emitted: Diagnostic[]; readonly verified: Diagnostic[]; readonly files: EmittedFile[] }
  | { readonly index: number; readonly thrown: string };

/** Most threads `MESHC_WORKERS=auto` starts: past this the main thread's writing is the bottleneck. */
export const MAX_WORKERS = 4;
/**
 * Fewer proxies than this stay in one thread: a worker spends ~0.5 s of CPU loading meshc's
 * modules and ~0.3 s receiving the IR before its first chunk, which a small mesh never wins back.
 */
export const MIN_PARALLEL_PROXIES = 200;

/**
 * The thread count for a compile, this one included: MESHC_WORKERS=N, or `auto` for the cores
 * (capped at MAX_WORKERS); unset, one thread. Off by default because on the 2-core machine kind
 * meshc is measured on the pool cost CPU and memory and bought no wall time (README "Benchmarks").
 */
export function workerCount(env: string | undefined = process.env.MESHC_WORKERS): number {
  if (env === "auto") return Math.min(availableParallelism(), MAX_WORKERS);
  const asked = Number(env);
  return env !== undefined && env !== "" && Number.isInteger(asked) && asked >= 1 ? Math.min(asked, 16) : 1;
}

/** Whether this chunk loop should run in workers. */
export function useWorkers(parallel: ParallelEmit | undefined, proxies: number, chunk: number): parallel is ParallelEmit {
  return parallel !== undefined && parallel.workers > 1 && proxies >= (parallel.minProxies ?? MIN_PARALLEL_PROXIES) && proxies > (parallel.chunkProxies ?? chunk);
}

class WorkerFailed extends Error {}

/** The worker entry next to this module: compiled in dist and the package; from the sources, through tsx (emit-worker-tsx.js). */
const workerEntry = (): URL => new URL(import.meta.url.endsWith(".ts") ? "./emit-worker-tsx.js" : "./emit-worker.js", import.meta.url);

interface Slot {
  worker: Worker;
  /** Set by the worker's first message, once its modules are loaded and the IR is in: chunks go to ready workers only. */
  ready: boolean;
  busy: Map<number, { resolve: (r: ChunkReply) => void; reject: (e: Error) => void }>;
}

/** Starts `size` workers on `init`; `run` sends a chunk to the least busy ready one; `changed` waits for any of them to say something. */
function openPool(size: number, init: WorkerInit) {
  const url = workerEntry();
  const slots: Slot[] = [];
  let wake: (() => void)[] = [];
  let failure: string | null = null;
  const changed = () => { for (const w of wake) w(); wake = []; };
  for (let i = 0; i < size; i++) {
    // stdout/stderr piped away: a worker's output must not reach the CLI's. No node options of
    // the caller's (a worker inherits them by default): `--input-type`, `--eval` and the like make
    // the Worker refuse to start, and the entry loads what it needs itself (emit-worker-tsx.js).
    const worker = new Worker(url, { workerData: init, stdout: true, stderr: true, execArgv: [] });
    const slot: Slot = { worker, ready: false, busy: new Map() };
    // A worker that dies fails its chunks and the whole parallel emit (MESH1015), even when it held
    // none: a worker that cannot start is a broken install, not something to work around quietly.
    const failAll = (why: string) => {
      failure ??= why;
      for (const p of slot.busy.values()) p.reject(new WorkerFailed(why));
      slot.busy.clear();
      slots.splice(slots.indexOf(slot), 1);
      changed();
    };
    worker.on("message", (reply: ChunkReply | { ready: true }) => {
      if ("ready" in reply) slot.ready = true;
      else {
        const pending = slot.busy.get(reply.index);
        slot.busy.delete(reply.index);
        pending?.resolve(reply);
      }
      changed();
    });
    worker.on("error", (error) => failAll(`a worker failed: ${error.message}`));
    worker.on("exit", (code) => { if (slots.includes(slot)) failAll(`a worker exited (code ${code})`); });
    slots.push(slot);
  }
  const open = () => slots.filter((s) => s.ready && s.busy.size < 2);
  return {
    size,
    /** Why a worker died, if one did. */
    failure: () => failure,
    /** Whether a ready worker has fewer than two chunks queued (one running, one waiting). */
    hasRoom: () => open().length > 0,
    run(request: ChunkRequest): Promise<ChunkReply> {
      const slot = open().reduce((a, b) => (b.busy.size < a.busy.size ? b : a));
      return new Promise((resolve, reject) => {
        slot.busy.set(request.index, { resolve, reject });
        slot.worker.postMessage(request);
      });
    },
    changed: () => new Promise<void>((resolve) => { wake.push(resolve); }),
    async close(): Promise<void> {
      const all = [...slots];
      slots.length = 0;
      await Promise.all(all.map((s) => s.worker.terminate()));
    },
  };
}

/** Lets queued worker messages in between two chunks emitted here (each is synchronous work). */
const yieldToEvents = () => new Promise<void>((resolve) => { setImmediate(resolve); });

/** One chunk of proxies emitted by every proxy target, then verified unless its own emit failed: the same work in a worker as here. */
export async function emitChunk(ir: MeshIR, emitters: readonly ProxyEmitter[], active: readonly Verifier[], names: ReadonlySet<string>, request: ChunkRequest): Promise<ChunkReply> {
  const chunk = ir.proxies.slice(request.start, request.end);
  const files: EmittedFile[] = [];
  const emitted: Diagnostic[] = [];
  for (const proxy of chunk) {
    for (const emitter of emitters) {
      const out = emitter.proxy(proxy);
      for (const f of out.files) files.push(f);
      for (const d of out.diagnostics) emitted.push(d);
    }
  }
  const verified: Diagnostic[] = [];
  // Verified even when an earlier chunk failed: the consumer drops what it must not report.
  if (!emitted.some((d) => d.severity === "error") && files.length > 0) await verifyFiles(active, names, files, { ...ir, proxies: chunk }, verified);
  return { index: request.index, emitted, verified, files };
}

/**
 * The chunk loop of emitStreamed over `parallel.workers` threads, this one included: it hands
 * results to `sink` in chunk order and, while the next result is not back, emits the next
 * unclaimed chunk itself (so a worker's start-up costs no wall time). The same diagnostics in
 * the same order, and the same files, as running the chunks one after the other.
 */
export async function emitChunksInWorkers(ir: MeshIR, parallel: ParallelEmit, streamed: readonly Target[], emitters: readonly ProxyEmitter[], active: readonly Verifier[], defaultChunk: number, diagnostics: Diagnostic[], sink: FileSink, t: StageClock): Promise<void> {
  const chunkSize = parallel.chunkProxies ?? defaultChunk;
  const chunks = Math.ceil(ir.proxies.length / chunkSize);
  const names = new Set(streamed.map((x) => x.name));
  const pool = openPool(Math.min(parallel.workers - 1, chunks - 1), { ir, recipe: parallel.recipe, streamed: [...names], verifiers: active.map((v) => v.target) });
  // This thread emits chunks too unless told not to (tests: every chunk in a worker).
  const inline = parallel.inline ?? !(process.env.MESHC_TEST_WORKER_FAIL || process.env.MESHC_TEST_WORKERS_ONLY);
  // Chunks claimed but not yet handed over: a bounded number, so results wait in memory briefly.
  const window = (pool.size + 1) * 4;
  const request = (index: number): ChunkRequest => ({ index, start: index * chunkSize, end: Math.min((index + 1) * chunkSize, ir.proxies.length) });
  const sent = new Map<number, { reply: Promise<ChunkReply>; settled: boolean }>();
  const here = new Map<number, ChunkReply>();
  let next = 0; // the first chunk nobody has claimed
  const dispatch = (consumed: number) => {
    while (next < chunks && next < consumed + window && pool.hasRoom()) {
      const entry = { reply: pool.run(request(next)), settled: false };
      // Awaited in order below; meanwhile a failure must not count as an unhandled rejection.
      entry.reply.then(() => { entry.settled = true; }, () => { entry.settled = true; });
      sent.set(next++, entry);
    }
  };
  const failed = (why: string) => diagnostics.push(diagnostic(coreCodes.workerFailed, { message: `parallel emit stopped: ${why}; nothing was written`, hint: "run again without MESHC_WORKERS (one thread); if that works, please report this" }));
  try {
    for (let i = 0; i < chunks; i++) {
      for (;;) {
        const dead = pool.failure();
        if (dead !== null) return void failed(dead);
        dispatch(i);
        if (here.has(i) || sent.get(i)?.settled) break;
        if (inline && next < Math.min(chunks, i + window) && (next === i || sent.has(i))) {
          const index = next++;
          here.set(index, await emitChunk(ir, emitters, active, names, request(index)));
          await yieldToEvents();
          continue;
        }
        await pool.changed();
      }
      let reply: ChunkReply;
      try {
        reply = here.get(i) ?? await sent.get(i)!.reply;
      } catch (error) {
        if (!(error instanceof WorkerFailed)) throw error;
        return void failed(error.message);
      }
      here.delete(i);
      sent.delete(i);
      // An exception in a target is a bug the one-thread loop would throw too (compile.ts reports it).
      if ("thrown" in reply) throw new Error(reply.thrown);
      for (const d of reply.emitted) diagnostics.push(d);
      t.lap("emit");
      if (diagnostics.some((d) => d.severity === "error") || reply.files.length === 0) continue;
      for (const d of reply.verified) diagnostics.push(d);
      t.lap("verify");
      if (diagnostics.some((d) => d.severity === "error")) continue;
      sink.add(reply.files);
      t.lap("write");
    }
    // A worker that died after its last chunk came back still fails the compile: no run half-ignores a crash.
    const dead = pool.failure();
    if (dead !== null) failed(dead);
  } finally {
    await pool.close();
  }
}
