// A worker thread of the parallel emit (emit-workers.ts): it receives the IR once, rebuilds the
// selected targets from the registry (functions do not cross threads; their recipe does), then
// emits and verifies each chunk of proxies it is sent, exactly as emit-stream.ts's chunk loop
// does in one thread, and sends back the files and the two lists of diagnostics (emit, verify)
// so the main thread can keep today's order and its rule that verify runs only while no error
// has been found.
import { parentPort, workerData } from "node:worker_threads";
import type { MeshIR } from "./ir/types.ts";
import { emitChunk, type ChunkReply, type ChunkRequest, type WorkerInit } from "./emit-workers.ts";
import * as targetRegistry from "../targets/index.ts";

const init = workerData as WorkerInit;
const ir: MeshIR = init.ir;
const { findTargets, verifiers } = (init.recipe.registry ? await import(init.recipe.registry) : targetRegistry) as typeof targetRegistry;
const selected = findTargets(init.recipe.names, init.recipe.sidecar, init.recipe.kubernetes).targets;
// The same proxy targets, in the same order, as the main thread's loop.
const emitters = init.streamed.map((name) => {
  const target = selected.find((x) => x.name === name && x.perProxy !== undefined);
  if (!target) throw new Error(`target ${name} does not emit per proxy in a worker`);
  return target.perProxy!(ir);
});
const active = verifiers.filter((v) => init.verifiers.includes(v.target));
const names = new Set(init.streamed);

// Tests only: `exit`, `crash` or `throw` fails the first chunk a worker gets (a dead worker, an uncaught error, an emit that throws).
let failHow = process.env.MESHC_TEST_WORKER_FAIL;

parentPort!.on("message", (request: ChunkRequest) => {
  const failing = failHow;
  failHow = undefined;
  if (failing === "exit") process.exit(70);
  if (failing === "crash") throw new Error("simulated crash outside a chunk");
  (failing === "throw" ? Promise.reject(new Error("simulated emit failure")) : emitChunk(ir, emitters, active, names, request)).then(
    (reply) => parentPort!.postMessage(reply),
    (error: unknown) => parentPort!.postMessage({ index: request.index, thrown: error instanceof Error ? error.message : String(error) } satisfies ChunkReply),
  );
});
// Loaded and holding the IR: the main thread sends chunks from now on.
parentPort!.postMessage({ ready: true });
