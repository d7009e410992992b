// One mistake, one diagnostic. A misspelled reference is both a TypeScript error (MESH1004)
// and meshc's own error on the same line (MESH2001 "unknown service", with a did-you-mean);
// printing both doubles every CI annotation. meshc's code is the more specific one, so the
// type error yields to it. TypeScript and meshc point at different columns of the same
// expression (`from: ["wbe"]`: the array vs. the element), hence the match on the line.
import { coreCodes } from "./codes.ts";
import type { Diagnostic } from "./types.ts";

export function dropTypeErrorsCoveredByOwn(diagnostics: readonly Diagnostic[]): Diagnostic[] {
  const ownErrorLines = new Set(diagnostics
    .filter((d) => d.code !== coreCodes.typeError.code && d.severity === "error" && d.line > 0)
    .map((d) => `${d.file}:${d.line}`));
  return diagnostics.filter((d) => d.code !== coreCodes.typeError.code || !ownErrorLines.has(`${d.file}:${d.line}`));
}
