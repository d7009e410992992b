// What a check sees and how it reports. A check never throws and never stops the others.
import type { CodeInfo } from "../diagnostics/define.ts";
import type { Severity } from "../diagnostics/types.ts";
import type { MeshIR } from "../ir/types.ts";
import type { NMesh } from "../normalize/model.ts";

export interface Report {
  (code: CodeInfo, finding: { message: string; path: string; hint?: string | null; severity?: Severity }): void;
}

export interface ModelCheck {
  readonly name: string;
  readonly stage: "model";
  run(mesh: NMesh, report: Report): void;
  /**
   * Optional: every part of the mesh the findings depend on (JSON-comparable values). Watch
   * mode reports the last findings again while these are equal to the last save's
   * (analyze/memo.ts); a check that reads routes should name only the route fields it reads.
   */
  reads?(mesh: NMesh): readonly unknown[];
}

export interface IrCheck {
  readonly name: string;
  readonly stage: "ir";
  run(ir: MeshIR, mesh: NMesh, report: Report): void;
}

export type Check = ModelCheck | IrCheck;
