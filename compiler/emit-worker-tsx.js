// Runs the parallel emit's worker (emit-worker.ts) from the TypeScript sources, as meshc.js
// runs the CLI: node 20 does not apply a parent's loader to a worker's entry. The package's
// workers load the compiled emit-worker.js directly.
import { register } from "tsx/esm/api";

register();
await import("./emit-worker.ts");
