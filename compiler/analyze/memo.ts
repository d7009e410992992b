// Watch mode's memo of the model checks. A check that declares what it reads (`reads`, the
// parts of the normalized mesh its findings depend on) reports its last findings again
// while those parts are JSON-equal to the last save's. Most parts are the last save's very
// objects (normalize/index.ts reuses unchanged ones), so the comparison is mostly identity.
// A check that declares `context` reports part by part (context.ts, `Each`): a part (route,
// rule, service) that is the last save's object keeps its findings while the context is
// JSON-equal to the last save's, so a save that changes one route re-checks that route only.
// IR checks do the same with proxies as parts (runIrCheck). A check with neither runs at
// every save. MESHC_CHECK_INCREMENTAL_IR=1 (the tests) also runs whatever was reused and
// fails on any difference, so a declaration that misses a part shows.
import type { NMesh } from "../normalize/model.ts";
import { sameJson } from "../ir/share.ts";
import type { MeshIR } from "../ir/types.ts";
import type { Each, IrCheck, ModelCheck, Report } from "./context.ts";

type Finding = Parameters<Report>;

interface WholeEntry { readonly reads: readonly unknown[]; readonly findings: readonly Finding[] }
/** The parts a partwise check saw at its last run, in the order it asked about them, and what each gave. */
interface PartEntry { readonly context: readonly unknown[]; readonly parts: readonly object[]; readonly findings: readonly (readonly Finding[])[] }

/** Per check, the parts it read at its last run and what it found (or, per part, what each part gave). */
export type CheckMemo = Map<string, WholeEntry | PartEntry>;

const verifying = () => process.env.MESHC_CHECK_INCREMENTAL_IR === "1";

function recorder(into: Finding[]): Report {
  return (code, f) => { into.push([code, f]); };
}

function runRecorded(check: ModelCheck, mesh: NMesh): Finding[] {
  const findings: Finding[] = [];
  check.run(mesh, recorder(findings));
  return findings;
}

/**
 * A list a check reads only some fields of (`pick`), for `reads`: equal to the last save's when
 * each element is the same object or its picked fields are JSON-equal. Unlike a list of
 * picked tuples, it costs one identity comparison per unchanged element and builds nothing.
 */
export class Projection<T> {
  constructor(readonly list: readonly T[], readonly pick: (item: T) => unknown) {}
  same(other: Projection<T>): boolean {
    if (other.list.length !== this.list.length) return false;
    for (let i = 0; i < this.list.length; i++) {
      const a = this.list[i]!;
      const b = other.list[i]!;
      if (a !== b && !sameJson(this.pick(a), this.pick(b))) return false;
    }
    return true;
  }
}

export const projected = <T>(list: readonly T[], pick: (item: T) => unknown): Projection<T> => new Projection(list, pick);

const samePart = (a: unknown, b: unknown) => (a instanceof Projection && b instanceof Projection ? a.same(b) : sameJson(a, b));
const sameList = (a: readonly unknown[], b: readonly unknown[]) => a.length === b.length && a.every((part, i) => samePart(b[i], part));

/** Runs a partwise check (`run(each)`) through the memo kept under `name`. */
function runPartwise(name: string, context: readonly unknown[], memo: CheckMemo, run: (each: Each) => void): void {
  const last = memo.get(name);
  // The n-th part asked about is looked up as the last run's n-th: a check asks in mesh order,
  // so an unchanged part is found by one identity comparison (a WeakMap lookup per part cost
  // more than most checks themselves). A part that moved is simply checked again.
  const before = last && "parts" in last && sameList(last.context, context) ? last : null;
  const parts: object[] = [];
  const found: (readonly Finding[])[] = [];
  const verify = verifying(); // read once: process.env is slow to read per part
  const each: Each = (part, out, find) => {
    const n = parts.length;
    let findings = before !== null && before.parts[n] === part ? before.findings[n]! : undefined;
    if (findings === undefined) {
      const fresh: Finding[] = [];
      find(part, recorder(fresh));
      findings = fresh;
    } else if (verify) {
      const fresh: Finding[] = [];
      find(part, recorder(fresh));
      if (JSON.stringify(fresh) !== JSON.stringify(findings)) {
        throw new Error(`the ${name} check found something else for a part than its memo says: its context misses a part it depends on`);
      }
    }
    parts.push(part);
    found.push(findings);
    for (let i = 0; i < findings.length; i++) out(findings[i]![0], findings[i]![1]);
  };
  run(each);
  memo.set(name, { context, parts, findings: found });
}

export function runModelCheck(check: ModelCheck, mesh: NMesh, report: Report, memo?: CheckMemo): void {
  if (memo && check.context) { runPartwise(check.name, check.context(mesh), memo, (each) => check.run(mesh, report, each)); return; }
  if (!memo || !check.reads) { check.run(mesh, report); return; }
  const reads = check.reads(mesh);
  const last = memo.get(check.name);
  let findings: readonly Finding[];
  if (last && "reads" in last && sameList(last.reads, reads)) {
    findings = last.findings;
    if (verifying() && JSON.stringify(runRecorded(check, mesh)) !== JSON.stringify(findings)) {
      throw new Error(`the ${check.name} check found something else than its memo says: its reads miss a part it depends on`);
    }
  } else {
    findings = runRecorded(check, mesh);
  }
  memo.set(check.name, { reads, findings });
  for (const [code, f] of findings) report(code, f);
}

/** An IR check: partwise through the memo when it declares a context (its parts are proxies, unchanged ones shared by identity: ir/share.ts). */
export function runIrCheck(check: IrCheck, ir: MeshIR, mesh: NMesh, report: Report, memo?: CheckMemo): void {
  if (memo && check.context) runPartwise(`ir:${check.name}`, check.context(ir, mesh), memo, (each) => check.run(ir, mesh, report, each));
  else check.run(ir, mesh, report);
}
