#!/usr/bin/env node
// The repository's `tsc`: the native TypeScript 7 compiler from its platform package
// (@typescript/typescript-<os>-<cpu>, an optional dependency). meshc depends on that binary
// and not on `typescript@7`, whose `tsc` bin would land in a user's node_modules/.bin and
// take the place of their own TypeScript. `node scripts/native-tsc.js -p .` runs it.
import { spawnSync } from "node:child_process";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export function nativeTsc() {
  const pkg = `@typescript/typescript-${process.platform}-${process.arch}`;
  const dir = dirname(createRequire(import.meta.url).resolve(`${pkg}/package.json`));
  return join(dir, "lib", process.platform === "win32" ? "tsc.exe" : "tsc");
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const r = spawnSync(nativeTsc(), process.argv.slice(2), { stdio: "inherit", cwd: join(dirname(fileURLToPath(import.meta.url)), "..") });
  process.exit(r.status ?? 1);
}
