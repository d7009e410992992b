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
import type { EmittedFile, Target } from "./target.ts";
import type { FileSink, StageClock } from "./emit-stream.ts";
import type { KubernetesOptionOverrides } from "../targets/kubernetes/options.ts";

/** How a worker rebuilds the selected targets: the arguments compile.ts gave `findTargets`. */
export interface TargetRecipe {
  readonly names: readonly string[];
  readonly sidecar?: "envoy" | "nginx" | "haproxy";
  readonly kubernetes?: KubernetesOptionOverrides;
}

/** Asks emitStreamed to spread its chunks over `workers` threads (1: in this thread). */
export interface ParallelEmit {
  readonly workers: number;
  readonly recipe: TargetRecipe;
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

/** Most workers a compile starts: past this the main thread's writing is the bottleneck. */
export const MAX_WORKERS = 4;
/**
 * Fewer proxies than this stay in one thread: a worker spends ~0.3 s loading meshc's modules
 * (more from the TypeScript sources) before its first chunk, which a small mesh never wins back.
 */
export const MIN_PARALLEL_PROXIES = 200;

/** The worker count for a compile: MESHC_WORKERS when set (1 turns the pool off), else the cores, capped. */
export function workerCount(env: string | undefined = process.env.MESHC_WORKERS): number {
  const asked = Number(env);
  if (env !== undefined && env !== "" && Number.isInteger(asked) && asked >= 1) return Math.min(asked, 64);
  return Math.min(availableParallelism(), MAX_WORKERS);
}

/** Whether this chunk loop should run in workers. */
export function useWorkers(parallel: ParallelEmit | undefined, proxies: number, chunk: number): parallel is ParallelEmit {
  return parallel !== undefined && parallel.workers > 1 && proxies >= MIN_PARALLEL_PROXIES && proxies > chunk;
}

class WorkerFailed extends Error {}

/** The worker entry next to this module: compiled in dist and the package; from the sources, through tsx (emit-worker-tsx.js). */
const workerEntry = (): URL => new URL(import.meta.url.endsWith(".ts") ? "./emit-worker-tsx.js" : "./emit-worker.js", import.meta.url);

interface Slot { worker: Worker; busy: Map<number, { resolve: (r: ChunkReply) => void; reject: (e: Error) => void }> }

/** Starts `size` workers on `init`; `run` sends a chunk to the least busy one. */
function openPool(size: number, init: WorkerInit) {
  const url = workerEntry();
  const slots: Slot[] = [];
  for (let i = 0; i < size; i++) {
    // stdout/stderr piped away: a worker's output must not reach the CLI's.
    const worker = new Worker(url, { workerData: init, stdout: true, stderr: true });
    const slot: Slot = { worker, busy: new Map() };
    const failAll = (why: string) => {
      for (const p of slot.busy.values()) p.reject(new WorkerFailed(why));
      slot.busy.clear();
      slots.splice(slots.indexOf(slot), 1);
    };
    worker.on("message", (reply: ChunkReply) => {
      const pending = slot.busy.get(reply.index);
      slot.busy.delete(reply.index);
      pending?.resolve(reply);
    });
    worker.on("error", (error) => failAll(`a worker failed: ${error.message}`));
    worker.on("exit", (code) => { if (slots.includes(slot)) failAll(`a worker exited (code ${code})`); });
    slots.push(slot);
  }
  return {
    run(request: ChunkRequest): Promise<ChunkReply> {
      if (slots.length === 0) return Promise.reject(new WorkerFailed("no worker is left"));
      const slot = slots.reduce((a, b) => (b.busy.size < a.busy.size ? b : a));
      return new Promise((resolve, reject) => {
        slot.busy.set(request.index, { resolve, reject });
        slot.worker.postMessage(request);
      });
    },
    async close(): Promise<void> {
      const all = [...slots];
      slots.length = 0;
      await Promise.all(all.map((s) => s.worker.terminate()));
    },
  };
}

/**
 * The chunk loop of emitStreamed, in workers: the same diagnostics in the same order, and the
 * same files to `sink` in the same order, as running the chunks one after the other here.
 */
export async function emitChunksInWorkers(ir: MeshIR, parallel: ParallelEmit, streamed: readonly Target[], active: readonly string[], chunkSize: number, diagnostics: Diagnostic[], sink: FileSink, t: StageClock): Promise<void> {
  const chunks = Math.ceil(ir.proxies.length / chunkSize);
  const size = Math.min(parallel.workers, chunks);
  const pool = openPool(size, { ir, recipe: parallel.recipe, streamed: streamed.map((x) => x.name), verifiers: [...active] });
  // At most two chunks queued per worker: results wait in memory only as long as the chunk before them.
  const window = size * 2;
  const inFlight = new Map<number, Promise<ChunkReply>>();
  const send = (index: number) => {
    if (index >= chunks) return;
    const reply = pool.run({ index, start: index * chunkSize, end: Math.min((index + 1) * chunkSize, ir.proxies.length) });
    reply.catch(() => {}); // awaited in order below; a failure must not be an unhandled rejection meanwhile
    inFlight.set(index, reply);
  };
  try {
    for (let i = 0; i < window; i++) send(i);
    for (let i = 0; i < chunks; i++) {
      let reply: ChunkReply;
      try {
        reply = await inFlight.get(i)!;
      } catch (error) {
        if (!(error instanceof WorkerFailed)) throw error;
        diagnostics.push(diagnostic(coreCodes.workerFailed, { message: `parallel emit stopped: ${error.message}; nothing was written`, hint: "run again with MESHC_WORKERS=1 to emit in one thread; if that works, please report this" }));
        return;
      }
      inFlight.delete(i);
      send(i + window);
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
  } finally {
    await pool.close();
  }
}
