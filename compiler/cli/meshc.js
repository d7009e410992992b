#!/usr/bin/env node
// Runs the CLI from the TypeScript sources (tests and development, where tsx is a
// devDependency). The published binary is the compiled dist/compiler/cli/bin.js.
import { register } from "tsx/esm/api";

register();
await import("./bin.ts");
