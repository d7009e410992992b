// The TypeScript compiler API that places diagnostics in mesh.config.ts (positions-ts.ts):
// the `ts` that ts-morph re-exports is @ts-morph/common's bundled TypeScript
// (@ts-morph/common/dist/typescript.js), wrapped in a namespace object whose getters return
// that module's own functions. Only its parser is used, so it is loaded alone: ts-morph and
// ts-morph-common (~4 MB of CommonJS, and their code caches) add nothing a parse needs. Found
// through ts-morph, the package meshc depends on, so an install that nests @ts-morph/common
// under ts-morph finds the very file ts-morph itself loads.
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

export type TS = typeof import("ts-morph").ts;

/** The bundled compile command's own `require` (scripts/build.js: it runs package files from code caches); else node's. */
declare const require: NodeRequire | undefined;

let loaded: TS | null = null;

export function typescriptApi(): TS {
  if (loaded) return loaded;
  const req = typeof require === "function" ? require : createRequire(import.meta.url);
  const tsMorph = createRequire(req.resolve("ts-morph"));
  // ts-morph's own require of "@ts-morph/common", then that package's "./typescript".
  const common = dirname(tsMorph.resolve("@ts-morph/common"));
  return (loaded = req(join(common, "typescript.js")) as TS);
}
