#!/usr/bin/env node
// The `meshc` binary. The package ships it compiled (dist/compiler/cli/bin.js): no
// TypeScript loader at run time. In the repository, meshc.js runs this file from source.
import { boundHeapGrowth } from "./heap.ts";
import { main } from "./main.ts";
import { tuneTiering } from "./tiering.ts";

// Before any command allocates: the heap then follows the live set (heap.ts).
boundHeapGrowth();
// And V8 optimizes only code that stays hot: a compile is one pass (tiering.ts).
tuneTiering();
process.exitCode = await main(process.argv.slice(2));
