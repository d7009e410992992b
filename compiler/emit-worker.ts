// A worker thread of the parallel emit (emit-workers.ts): it receives the IR once, rebuilds the
// selected targets from the registry (functions do not cross threads; their recipe does), then
// emits and verifies each chunk of proxies it is sent, exactly as emit-stream.ts's chunk loop
// does in one thread, and sends back the files and the two lists of diagnostics (emit, verify)
// so the main thread can keep today's order and its rule that verify runs only while no error
// has been found.
import { parentPort, workerData } from "node:worker_threads";
import type { Diagnostic } from "./diagnostics/types.ts";
import type { MeshIR } from "./ir/types.ts";
import type { EmittedFile } from "./target.ts";
import { verifyFiles } from "./emit-stream.ts";
import type { ChunkReply, ChunkRequest, WorkerInit } from "./emit-workers.ts";
import { findTargets, verifiers } from "../targets/index.ts";

const init = workerData as WorkerInit;
const ir: MeshIR = init.ir;
const selected = findTargets(init.recipe.names, init.recipe.sidecar, init.recipe.kubernetes).targets;
// The same proxy targets, in the same order, as the main thread's loop.
const emitters = init.streamed.map((name) => {
  const target = selected.find((x) => x.name === name && x.perProxy !== undefined);
  if (!target) throw new Error(`target ${name} does not emit per proxy in a worker`);
  return target.perProxy!(ir);
});
const active = verifiers.filter((v) => init.verifiers.includes(v.target));
const names = new Set(init.streamed);

async function runChunk(request: ChunkRequest): Promise<ChunkReply> {
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
  // Verified even when an earlier chunk (in another worker) failed: the main thread drops what it must not report.
  if (!emitted.some((d) => d.severity === "error") && files.length > 0) await verifyFiles(active, names, files, { ...ir, proxies: chunk }, verified);
  return { index: request.index, emitted, verified, files };
}

// Tests only: `exit:N`, `crash:N` or `throw:N` fails the chunk holding proxy N (a dead worker, an uncaught error, an emit that throws).
const [failHow, failProxy] = (process.env.MESHC_TEST_WORKER_FAIL ?? "").split(":");

parentPort!.on("message", (request: ChunkRequest) => {
  const failing = failHow && Number(failProxy) >= request.start && Number(failProxy) < request.end;
  if (failing && failHow === "exit") process.exit(70);
  if (failing && failHow === "crash") setImmediate(() => { throw new Error("simulated crash outside a chunk"); });
  (failing && failHow === "throw" ? Promise.reject(new Error("simulated emit failure")) : runChunk(request)).then(
    (reply) => parentPort!.postMessage(reply),
    (error: unknown) => parentPort!.postMessage({ index: request.index, thrown: error instanceof Error ? error.message : String(error) } satisfies ChunkReply),
  );
});
