// What a check sees and how it reports. A check never throws and never stops the others.
import type { CodeInfo } from "../diagnostics/define.ts";
import type { Severity } from "../diagnostics/types.ts";
import type { MeshIR } from "../ir/types.ts";
import type { NMesh } from "../normalize/model.ts";

export interface Report {
  (code: CodeInfo, finding: { message: string; path: string; hint?: string | null; severity?: Severity }): void;
}

/**
 * Watch mode's per-part memo (analyze/memo.ts): reports what `find` reports about `part` (a
 * route, rule or service of the normalized mesh), or, for the very object an earlier save
 * checked, what it found then. `find` may read only `part` and what the check's `context`
 * lists; a check calls it at most once per part per run. Without watch mode it runs `find`.
 */
export type Each = <T extends object>(part: T, report: Report, find: (part: T, report: Report) => void) => void;

/** No memo: checks the part. */
export const eachFresh: Each = (part, report, find) => find(part, report);

export interface ModelCheck {
  readonly name: string;
  readonly stage: "model";
  run(mesh: NMesh, report: Report, each?: Each): void;
  /**
   * Optional: every part of the mesh the findings depend on (JSON-comparable values). Watch
   * mode reports the last findings again while these are equal to the last save's
   * (analyze/memo.ts); a check that reads routes should name only the route fields it reads.
   */
  reads?(mesh: NMesh): readonly unknown[];
  /**
   * Optional, for a check whose `run` reports each part through `each`: what those findings
   * depend on besides the part itself (JSON-comparable; `[]` when nothing). Watch mode keeps
   * each part's findings while these are equal to the last save's and the part is the same
   * object (normalize/index.ts reuses an unchanged route, rule or service's object).
   */
  context?(mesh: NMesh): readonly unknown[];
}

export interface IrCheck {
  readonly name: string;
  readonly stage: "ir";
  run(ir: MeshIR, mesh: NMesh, report: Report, each?: Each): void;
  /** As ModelCheck's: for a check that reports each proxy (or service) through `each`. */
  context?(ir: MeshIR, mesh: NMesh): readonly unknown[];
}

export type Check = ModelCheck | IrCheck;
