#!/usr/bin/env node
// The `meshc` binary. The package ships it compiled (dist/compiler/cli/bin.js): no
// TypeScript loader at run time. In the repository, meshc.js runs this file from source.
import { main } from "./main.ts";

process.exitCode = await main(process.argv.slice(2));
