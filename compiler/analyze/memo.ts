// Watch mode's memo of the model checks: a check that declares what it reads (`reads`, the
// parts of the normalized mesh its findings depend on) reports its last findings again
// while those parts are JSON-equal to the last save's. Most parts are the last save's very
// objects (normalize/index.ts reuses unchanged ones), so the comparison is mostly identity.
// A check without `reads` runs at every save. MESHC_CHECK_INCREMENTAL_IR=1 (the tests) also
// runs a reused check and fails on any difference, so a `reads` that misses a part shows.
import type { NMesh } from "../normalize/model.ts";
import { sameJson } from "../ir/share.ts";
import type { ModelCheck, Report } from "./context.ts";

type Finding = Parameters<Report>;

/** Per check, the parts it read at its last run and what it found. */
export type CheckMemo = Map<string, { readonly reads: readonly unknown[]; readonly findings: readonly Finding[] }>;

function runRecorded(check: ModelCheck, mesh: NMesh): Finding[] {
  const findings: Finding[] = [];
  check.run(mesh, (code, f) => { findings.push([code, f]); });
  return findings;
}

export function runModelCheck(check: ModelCheck, mesh: NMesh, report: Report, memo?: CheckMemo): void {
  if (!memo || !check.reads) { check.run(mesh, report); return; }
  const reads = check.reads(mesh);
  const last = memo.get(check.name);
  let findings: readonly Finding[];
  if (last && last.reads.length === reads.length && reads.every((part, i) => sameJson(last.reads[i], part))) {
    findings = last.findings;
    if (process.env.MESHC_CHECK_INCREMENTAL_IR === "1" && JSON.stringify(runRecorded(check, mesh)) !== JSON.stringify(findings)) {
      throw new Error(`the ${check.name} check found something else than its memo says: its reads miss a part it depends on`);
    }
  } else {
    findings = runRecorded(check, mesh);
  }
  memo.set(check.name, { reads, findings });
  for (const [code, f] of findings) report(code, f);
}
