#!/usr/bin/env node
// The `meshc` binary. The package ships it compiled (dist/compiler/cli/bin.js): no
// TypeScript loader at run time. In the repository, meshc.js runs this file from source.
import { boundHeapGrowth } from "./heap.ts";
import { delayOptimization } from "./tiering.ts";

// Before any command allocates: the heap then follows the live set (heap.ts).
boundHeapGrowth();
// Before commander and the compile command load: only really hot code is optimized (tiering.ts),
// and their code caches (made under these flags: scripts/build.js) are accepted.
delayOptimization();
const { main } = await import("./main.ts");
process.exitCode = await main(process.argv.slice(2));
// Once the event loop has nothing left to run, node would tear the process down: its
// environment, then the isolate and its heap. A compile leaves a heap of hundreds of MB
// (~200 M instructions of teardown at 1,000 services, `--target certs`: 8% of that compile),
// which the kernel frees at exit anyway. So at that moment (node's `beforeExit`: every write
// and child has finished, or the loop would not be empty) the process exits instead, with
// the same code; node's `exit` event still runs. Only when this is the sole `beforeExit`
// listener: another one could start more work, which node would then run.
process.once("beforeExit", () => {
  if (process.listenerCount("beforeExit") === 0) process.exit();
});
