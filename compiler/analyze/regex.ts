// Regular expressions must compile as RE2 (Envoy's dialect; no lookaround, no
// backreferences) and stay short. re2js is a faithful port of RE2's parser.
import { RE2JS } from "re2js";
import { coreCodes } from "../diagnostics/codes.ts";
import type { ModelCheck, Report } from "./context.ts";

const MAX = 1024;

export function regexProblem(pattern: string): string | null {
  if (pattern.length > MAX) return `is longer than ${MAX} characters`;
  try {
    RE2JS.compile(pattern);
    return null;
  } catch (error) {
    return `does not compile as RE2: ${error instanceof Error ? error.message : String(error)}`;
  }
}

function check(pattern: string, where: string, report: Report): void {
  const problem = regexProblem(pattern);
  if (problem) report(coreCodes.badRegex, { message: `regex ${JSON.stringify(pattern)} ${problem}`, path: where, hint: "RE2 has no lookaround (?=, (?!, (?<=) and no backreferences (\\1)" });
}

export const regexes: ModelCheck = {
  name: "regexes",
  stage: "model",
  run(mesh, report) {
    for (const r of mesh.routes) {
      if (r.match.path?.kind === "regex") check(r.match.path.value, `${r.origin}.match.path.regex`, report);
      for (const m of r.match.headers) if (m.kind === "regex") check(m.value, `${r.origin}.match.headers.${m.name}.regex`, report);
      for (const m of r.match.query) if (m.kind === "regex") check(m.value, `${r.origin}.match.query.${m.name}.regex`, report);
      if (r.rewrite?.regex) check(r.rewrite.regex.pattern, `${r.origin}.rewrite.regex.pattern`, report);
    }
    for (const rule of mesh.authorization) for (const m of rule.headers) if (m.kind === "regex") check(m.value, `${rule.origin}.${rule.action}.headers.${m.name}.regex`, report);
  },
};
