// Split weights: integers (the schema) that are not negative and not all zero.
import { coreCodes } from "../diagnostics/codes.ts";
import type { NRoute } from "../normalize/model.ts";
import { eachFresh, type ModelCheck, type Report } from "./context.ts";

export const weights: ModelCheck = {
  name: "weights",
  stage: "model",
  // Each route on its own.
  context: () => [],
  run(mesh, report, each = eachFresh) {
    for (const r of mesh.routes) if (r.action.kind === "forward") each(r, report, checkRoute);
  },
};

function checkRoute(r: NRoute, report: Report): void {
  if (r.action.kind !== "forward") return;
  const list = r.action.backends;
  // The usual route has nothing to report: its paths are built only for a finding.
  let fine = list.length === 0 || list.some((b) => b.weight > 0);
  for (let i = 0; fine && i < list.length; i++) fine = list[i]!.weight >= 0 && Number.isInteger(list[i]!.weight);
  if (fine) return;
  const viaSplit = r.action.backends.every((b) => b.service === r.to) && r.action.backends.some((b) => b.subset);
  const where = viaSplit ? `${r.origin}.split` : `${r.origin}.backends`;
  list.forEach((b, i) => {
    if (b.weight < 0 || !Number.isInteger(b.weight)) {
      report(coreCodes.badWeights, { message: `weight ${b.weight} is not a whole number >= 0`, path: viaSplit ? `${where}.${b.subset}` : `${where}[${i}].weight`, hint: "weights are whole numbers; they are scaled to sum to 100" });
    }
  });
  if (list.length > 0 && list.every((b) => b.weight <= 0)) {
    report(coreCodes.badWeights, { message: `route ${r.name}: all weights are zero, so no request has anywhere to go`, path: where, hint: "give at least one backend a positive weight" });
  }
}
