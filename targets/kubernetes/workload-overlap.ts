// Two pod workloads whose workload labels one object can carry both of would get two
// sidecar patches on that object (the second `meshc-proxy` silently replacing the first):
// an error. That is the case when one label set contains the other (an object with the
// larger set matches both). Found without comparing every pair of workloads (quadratic in
// the mesh): each workload looks up the subsets of its own label set among the others'.
import type { WorkloadIR } from "../../compiler/ir/types.ts";
import { kubernetesCodes as codes } from "./codes.ts";
import type { EmitContext } from "./context.ts";
import { isVmWorkload } from "./workloads.ts";

/** Above this many labels a workload is compared with every distinct label set instead (2^16 subsets would cost more). */
const MAX_ENUMERATED_LABELS = 16;

type Entries = readonly (readonly [string, string])[];
const entriesOf = (labels: Readonly<Record<string, string>>): Entries => Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
const keyOf = (entries: Entries) => JSON.stringify(entries);
const covers = (a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>) => Object.entries(a).every(([k, v]) => b[k] === v);

/** Every subset of `entries` (sorted, so each subset's key is canonical), the full set last. */
function* subsetsOf(entries: Entries): Generator<Entries> {
  const count = 1 << entries.length;
  for (let mask = 0; mask < count; mask++) yield entries.filter((_, i) => (mask & (1 << i)) !== 0);
}

/** Pairs [i, j], i < j, of pods whose label sets are nested, sorted: the order of the pairwise scan this replaces. */
function collectOverlaps(pods: readonly WorkloadIR[]): [number, number][] {
  const entries = pods.map((w) => entriesOf(w.workloadLabels));
  const bySet = new Map<string, number[]>();
  entries.forEach((e, i) => { const key = keyOf(e); (bySet.get(key) ?? bySet.set(key, []).get(key)!).push(i); });
  const pairs: [number, number][] = [];
  const add = (i: number, j: number, equal: boolean) => {
    // Equal sets are found from both sides: keep one; a proper subset only from the larger set.
    if (equal ? i < j : true) pairs.push(i < j ? [i, j] : [j, i]);
  };
  entries.forEach((mine, i) => {
    if (mine.length > MAX_ENUMERATED_LABELS) {
      for (const others of bySet.values()) {
        const j0 = others[0]!;
        if (!covers(pods[j0]!.workloadLabels, pods[i]!.workloadLabels)) continue;
        const equal = entries[j0]!.length === mine.length;
        for (const j of others) if (j !== i) add(i, j, equal);
      }
      return;
    }
    for (const subset of subsetsOf(mine)) {
      for (const j of bySet.get(keyOf(subset)) ?? []) if (j !== i) add(i, j, subset.length === mine.length);
    }
  });
  return pairs.sort(([a, b], [c, d]) => a - c || b - d);
}

export function reportOverlappingWorkloads(ctx: EmitContext): void {
  const pods = ctx.ir.infra.workloads.filter((w) => !isVmWorkload(w));
  for (const [i, j] of collectOverlaps(pods)) {
    const [a, b] = [pods[i]!, pods[j]!];
    ctx.report(codes.workloadLabelsOverlap, {
      message: `the workload labels of "${a.name}" (${JSON.stringify(a.workloadLabels)}) and "${b.name}" (${JSON.stringify(b.workloadLabels)}) can select the same Deployment, which would get both sidecars`,
      path: `infra.workloads.${b.name}.workloadLabels`,
    });
  }
}
