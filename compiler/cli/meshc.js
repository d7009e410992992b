#!/usr/bin/env node
// The `meshc` binary: registers tsx (meshc ships TypeScript sources) and runs the CLI.
import { register } from "tsx/esm/api";

register();
const { main } = await import("./main.ts");
process.exitCode = await main(process.argv.slice(2));
