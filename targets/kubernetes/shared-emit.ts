// One emit of a proxy target per IR, shared by that target's own folder and the Kubernetes
// target's sidecar ConfigMaps: a compile to envoy and kubernetes used to run the whole
// Envoy emit twice. Sound because a target's emit is a pure function of the IR (same IR,
// same bytes). Two forms:
// - whole (`emitShared`): the in-memory API emits every target whole; cached per IR object.
// - per proxy (`emitProxyShared`): the streamed pipeline emits a chunk of proxies for every
//   target, the proxy folder's unit and the ConfigMap's unit of one proxy within the same
//   chunk. Each per-proxy emitter built on the IR registers as a reader; a result is kept only
//   while some registered reader has not taken it (and at most for the last RECENT_PROXIES
//   proxies, so memory follows the chunk, not the mesh), keyed by the IR and ProxyIR objects.
import { CHUNK_PROXIES } from "../../compiler/emit-stream.ts";
import type { MeshIR, ProxyIR } from "../../compiler/ir/types.ts";
import type { EmitResult, ProxyEmitter, Target } from "../../compiler/target.ts";

const results = new WeakMap<MeshIR, Map<Target["emit"], EmitResult>>();
/** The target a withSharedEmit wrapper stands for: the caches are keyed by the original. */
const originals = new WeakMap<Target, Target>();
const originalOf = (target: Target) => originals.get(target) ?? target;

/** Fresh arrays: a caller that sorts or appends to its result must not change the next caller's. */
const copyOf = (r: EmitResult): EmitResult => ({ files: [...r.files], diagnostics: [...r.diagnostics] });

/** `target.emit(ir)`, computed once per IR object and target. */
export function emitShared(target: Target, ir: MeshIR): EmitResult {
  const original = originalOf(target);
  let byTarget = results.get(ir);
  if (!byTarget) results.set(ir, (byTarget = new Map()));
  let result = byTarget.get(original.emit);
  if (!result) byTarget.set(original.emit, (result = original.emit(ir)));
  return copyOf(result);
}

/** Enough for two chunks, in whatever order a pipeline takes a chunk's units. */
const RECENT_PROXIES = 2 * CHUNK_PROXIES;

interface SharedEmitter {
  readonly emitter: ProxyEmitter;
  shared: EmitResult | null;
  /** How many per-proxy emitters read this target's results (its own folder, the sidecar ConfigMaps). */
  readers: number;
  /** Results some reader has yet to take, with how many took them; insertion-ordered: the oldest is dropped first. */
  readonly recent: Map<ProxyIR, { readonly result: EmitResult; reads: number }>;
  /** Proxies some reader passed over before any read them (skipProxyShared), with how many did; as bounded as `recent`. */
  readonly skipped: Map<ProxyIR, number>;
}
const emitters = new WeakMap<MeshIR, Map<Target, SharedEmitter>>();

function sharedEmitterOf(target: Target, ir: MeshIR): SharedEmitter {
  const original = originalOf(target);
  if (!original.perProxy) throw new Error(`the ${original.name} target does not emit per proxy`);
  let byTarget = emitters.get(ir);
  if (!byTarget) emitters.set(ir, (byTarget = new Map()));
  let entry = byTarget.get(original);
  if (!entry) byTarget.set(original, (entry = { emitter: original.perProxy(ir), shared: null, readers: 0, recent: new Map(), skipped: new Map() }));
  return entry;
}

/** One more reader of `target`'s per-proxy results on `ir` (called when a per-proxy emitter that reads them is built). */
export function addProxyReader(target: Target, ir: MeshIR): void {
  sharedEmitterOf(target, ir).readers++;
}

/** `target.perProxy(ir).proxy(proxy)`, computed once for its registered readers while the proxy is among the last RECENT_PROXIES asked for. */
export function emitProxyShared(target: Target, ir: MeshIR, proxy: ProxyIR): EmitResult {
  const entry = sharedEmitterOf(target, ir);
  const kept = entry.recent.get(proxy);
  if (kept) {
    // Released as soon as every reader took it: a chunk's configs do not outlive the chunk.
    if (++kept.reads >= entry.readers) entry.recent.delete(proxy);
    return copyOf(kept.result);
  }
  const result = entry.emitter.proxy(proxy);
  // Readers that passed over this proxy already count as having taken it.
  const reads = 1 + (entry.skipped.get(proxy) ?? 0);
  entry.skipped.delete(proxy);
  if (reads < entry.readers) {
    entry.recent.set(proxy, { result, reads });
    if (entry.recent.size > RECENT_PROXIES) entry.recent.delete(entry.recent.keys().next().value!);
  }
  return copyOf(result);
}

/**
 * A registered reader that will not read `proxy` (a Kubernetes unit whose workloads carry no
 * sidecar): counted as a read, so the other readers' result is released when they have taken
 * it, instead of staying in `recent` until pushed out. Emits nothing.
 */
export function skipProxyShared(target: Target, ir: MeshIR, proxy: ProxyIR): void {
  const entry = sharedEmitterOf(target, ir);
  const kept = entry.recent.get(proxy);
  if (kept) {
    if (++kept.reads >= entry.readers) entry.recent.delete(proxy);
    return;
  }
  if (entry.readers <= 1) return;
  entry.skipped.set(proxy, (entry.skipped.get(proxy) ?? 0) + 1);
  if (entry.skipped.size > RECENT_PROXIES) entry.skipped.delete(entry.skipped.keys().next().value!);
}

/** `target.perProxy(ir).shared()`, once per IR. */
export function emitProxySharedFiles(target: Target, ir: MeshIR): EmitResult {
  const entry = sharedEmitterOf(target, ir);
  entry.shared ??= entry.emitter.shared();
  return copyOf(entry.shared);
}

/** The same target, its emits shared through emitShared / emitProxyShared (the registry registers the proxy targets this way). */
export function withSharedEmit(target: Target): Target {
  const wrapped: Target = {
    ...target,
    emit: (ir) => emitShared(target, ir),
    ...(target.perProxy
      ? {
        perProxy: (ir: MeshIR) => {
          addProxyReader(target, ir);
          return { proxy: (p: ProxyIR) => emitProxyShared(target, ir, p), shared: () => emitProxySharedFiles(target, ir) };
        },
      }
      : {}),
  };
  originals.set(wrapped, originalOf(target));
  return wrapped;
}
