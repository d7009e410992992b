// Regular expressions must compile as RE2 (Envoy's dialect; no lookaround, no
// backreferences) and stay short. re2js is a faithful port of RE2's parser.
import { RE2JS } from "re2js";
import { coreCodes } from "../diagnostics/codes.ts";
import type { NRoute, NRule } from "../normalize/model.ts";
import { eachFresh, type ModelCheck, type Report } from "./context.ts";

const MAX = 1024;

/** Envoy refuses a regex whose RE2 program is larger than this (`max_program_size`, error level, default 100). */
export const MAX_PROGRAM_SIZE = 100;

/**
 * An estimate of C++ RE2's ProgramSize(), which Envoy checks. re2js compiles to Go's
 * program (one instruction a rune range set); C++ RE2 compiles to UTF-8 byte ranges, so a
 * class or `.` takes several instructions there. The estimate adds 4 per class and any-rune
 * instruction (re2js ops 8, 10, 11) to the instruction count. It is calibrated on Envoy's
 * documented behaviour (a{1,50} and longer repetitions fail), not proven an upper bound:
 * `--verify` with Envoy remains the final word for patterns near the limit.
 */
export function programSizeEstimate(compiled: RE2JS): number {
  const insts = (compiled as unknown as { re2Input: { prog: { inst: { op: number }[] } } }).re2Input.prog.inst;
  return insts.length + 4 * insts.filter((i) => i.op === 8 || i.op === 10 || i.op === 11).length;
}

// Per pattern, what regexProblem said: a mesh repeats its patterns across routes and rules,
// and watch mode checks them again at every save; compiling one with re2js costs far more
// than the lookup. Cleared when large, so a long session cannot grow it without bound.
const problems = new Map<string, string | null>();

export function regexProblem(pattern: string): string | null {
  let problem = problems.get(pattern);
  if (problem === undefined) {
    if (problems.size >= 10_000) problems.clear();
    problems.set(pattern, (problem = compileProblem(pattern)));
  }
  return problem;
}

function compileProblem(pattern: string): string | null {
  if (pattern.length > MAX) return `is longer than ${MAX} characters`;
  try {
    const size = programSizeEstimate(RE2JS.compile(pattern));
    if (size > MAX_PROGRAM_SIZE) return `compiles to an RE2 program of about ${size} instructions; Envoy refuses more than ${MAX_PROGRAM_SIZE} (large repetitions like {1,50} or long alternations): simplify it`;
    return null;
  } catch (error) {
    return `does not compile as RE2: ${error instanceof Error ? error.message : String(error)}`;
  }
}

function check(pattern: string, where: string, report: Report): void {
  const problem = regexProblem(pattern);
  if (problem) report(coreCodes.badRegex, { message: `regex ${JSON.stringify(pattern)} ${problem}`, path: where, hint: "RE2 has no lookaround (?=, (?!, (?<=) and no backreferences (\\1)" });
}

function checkRoute(r: NRoute, report: Report): void {
  if (r.match.path?.kind === "regex") check(r.match.path.value, `${r.origin}.match.path.regex`, report);
  for (const m of r.match.headers) if (m.kind === "regex") check(m.value, `${r.origin}.match.headers.${m.name}.regex`, report);
  for (const m of r.match.query) if (m.kind === "regex") check(m.value, `${r.origin}.match.query.${m.name}.regex`, report);
  if (r.rewrite?.regex) check(r.rewrite.regex.pattern, `${r.origin}.rewrite.regex.pattern`, report);
}

function checkRule(rule: NRule, report: Report): void {
  for (const m of rule.headers) if (m.kind === "regex") check(m.value, `${rule.origin}.${rule.action}.headers.${m.name}.regex`, report);
}

export const regexes: ModelCheck = {
  name: "regexes",
  stage: "model",
  // Each route and rule on its own.
  context: () => [],
  run(mesh, report, each = eachFresh) {
    for (const r of mesh.routes) each(r, report, checkRoute);
    for (const rule of mesh.authorization) if (rule.headers.length > 0) each(rule, report, checkRule);
  },
};
