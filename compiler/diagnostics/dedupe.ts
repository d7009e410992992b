// One mistake, one diagnostic. A misspelled reference is both a TypeScript error (MESH1004)
// and meshc's own error (MESH2001 "unknown service", with a did-you-mean); printing both
// doubles every CI annotation. meshc's code is the more specific one, so the type error
// yields to it, but only for the same mistake: the type error carries the JSON path it is
// written at (typecheck.ts), and yields to an own error at that path, or at an element of
// the list at that path (TypeScript flags `from: ["wbe"]` at `from`, meshc at `from[0]`). A
// type error outside the mesh object (no path) yields only to one at its very position.
// Another mistake on the same line keeps its own type error.
import { coreCodes } from "./codes.ts";
import type { Diagnostic } from "./types.ts";

const isTypeError = (d: Diagnostic) => d.code === coreCodes.typeError.code;
/** `a.b[3]` -> `a.b`: the list an element belongs to. */
const listOf = (path: string) => path.replace(/\[\d+\]$/, "");

export function dropTypeErrorsCoveredByOwn(diagnostics: readonly Diagnostic[]): Diagnostic[] {
  const own = diagnostics.filter((d) => !isTypeError(d) && d.severity === "error" && d.file !== null);
  const covered = new Set<string>();
  for (const d of own) {
    covered.add(`${d.file}|path|${d.path}`);
    covered.add(`${d.file}|path|${listOf(d.path)}`);
    if (d.line > 0) covered.add(`${d.file}|at|${d.line}:${d.column}`);
  }
  return diagnostics.filter((d) => {
    if (!isTypeError(d)) return true;
    return !covered.has(d.path === "" ? `${d.file}|at|${d.line}:${d.column}` : `${d.file}|path|${d.path}`);
  });
}
