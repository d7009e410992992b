// `diffIR`: what a change to the mesh does, in plain words and as structured data, each
// change once. Proxies repeat facts (every caller holds a copy of a destination's
// clusters; a service with two ports has two inbound listeners): the parts below compare
// facts where they live, and identical changes are then reported once.
import type { MeshIR } from "../ir/types.ts";
import { diffListeners } from "./diff-listeners.ts";
import { diffRoutes } from "./diff-routes.ts";
import { diffServices } from "./diff-services.ts";
import { dedupeAndSort, type Change } from "./diff-values.ts";

export type { Change, ChangeKind } from "./diff-values.ts";
export { formatChanges, type ChangeFormat } from "./format-changes.ts";

/** Changes sorted by subject, then route, rule, subset, kind and field. */
export function diffIR(before: MeshIR, after: MeshIR): Change[] {
  return dedupeAndSort([...diffServices(before, after), ...diffListeners(before, after), ...diffRoutes(before, after)]);
}
