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
