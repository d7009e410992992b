// One emit of a proxy target per IR, shared by that target's own folder and the Kubernetes
// target's sidecar ConfigMaps: a compile to envoy and kubernetes used to run the whole
// Envoy emit twice. Sound because a target's emit is a pure function of the IR (same IR,
// same bytes); the cache is keyed by the IR object, so it lives exactly as long as that IR.
import type { MeshIR } from "../../compiler/ir/types.ts";
import type { EmitResult, Target } from "../../compiler/target.ts";

const results = new WeakMap<MeshIR, Map<Target["emit"], EmitResult>>();

/** `target.emit(ir)`, computed once per IR object and target. */
export function emitShared(target: Target, ir: MeshIR): EmitResult {
  let byTarget = results.get(ir);
  if (!byTarget) results.set(ir, (byTarget = new Map()));
  let result = byTarget.get(target.emit);
  if (!result) byTarget.set(target.emit, (result = target.emit(ir)));
  // Fresh arrays: a caller that sorts or appends to its result must not change the next caller's.
  return { files: [...result.files], diagnostics: [...result.diagnostics] };
}

/** The same target, its emit shared through emitShared (the registry registers the proxy targets this way). */
export function withSharedEmit(target: Target): Target {
  return { ...target, emit: (ir) => emitShared(target, ir) };
}
