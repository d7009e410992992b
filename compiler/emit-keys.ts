// Watch mode's memo keys: the digest of what each emit unit reads, so a unit whose input did
// not change since the memo's run is neither emitted nor verified again. Digests of IR
// objects are cached by identity (ir/share.ts makes an unchanged proxy, or infra, the very
// object of the last run), so a save costs a digest of what changed, not of the mesh.
// - a proxy's unit: the context (version, mesh, runtime) and the proxy; for an emitter whose
//   proxy files read more (`inputOf`, Kubernetes), that slice too;
// - a shared unit: the parts `sharedInput()` names (Kubernetes: the infra and the proxies'
//   names), else the whole IR;
// - a whole target (certs): the parts and per-proxy parts `reads` names, else the whole IR.
// A key is a digest of JSON: equal JSON, equal key; emitters read nothing JSON drops.
import { sha256 } from "./bundle-lock.ts";
import { sameJson } from "./ir/share.ts";
import type { MeshIR, ProxyIR } from "./ir/types.ts";
import type { ProxyEmitter, Target } from "./target.ts";

/** What the keys keep between runs (inside the emit memo). */
export interface KeyCache {
  /** Digests of objects by identity: a shared object is not serialized again. */
  readonly digests: WeakMap<object, string>;
  /** Per unit, the last `inputOf` slice and its digest: a slice equal to the last one (cheap: its parts are shared objects) keeps the digest. */
  readonly slices: Map<string, { readonly slice: unknown; readonly digest: string }>;
  /** Per whole target, each proxy's `reads.proxy` part digest, by the proxy object. */
  readonly parts: Map<string, WeakMap<ProxyIR, string>>;
}

export const createKeyCache = (): KeyCache => ({ digests: new WeakMap(), slices: new Map(), parts: new Map() });

const digestOf = (value: unknown) => sha256(JSON.stringify(value) ?? "undefined");

export interface MemoKeys {
  proxy(target: string, emitter: ProxyEmitter, p: ProxyIR): string;
  shared(target: string, emitter: ProxyEmitter): string;
  whole(target: Target): string;
}

export function memoKeys(ir: MeshIR, cache: KeyCache): MemoKeys {
  const digest = (o: unknown): string => {
    if (o === null || typeof o !== "object") return digestOf(o ?? null);
    let d = cache.digests.get(o);
    if (d === undefined) cache.digests.set(o, (d = digestOf(o)));
    return d;
  };
  /** A record of parts, each digested by identity; the key names the parts, so two records differ when any part does. */
  const partsDigest = (parts: Readonly<Record<string, unknown>>) => sha256(Object.entries(parts).map(([k, v]) => `${JSON.stringify(k)}=${digest(v)}`).join("\n"));
  // What a proxy's files may depend on besides the proxy (the ProxyEmitter contract): a change there re-emits every proxy.
  const context = digestOf({ version: ir.version, mesh: ir.mesh, runtime: ir.runtime });
  const proxyKey = (p: ProxyIR) => `${context}:${digest(p)}`;
  let wholeKey: string | undefined;
  const wholeIR = () => (wholeKey ??= sha256([digestOf({ ...ir, proxies: [], infra: null }), digest(ir.infra), ...ir.proxies.map(proxyKey)].join("\n")));
  return {
    proxy(target, emitter, p) {
      if (!emitter.inputOf) return proxyKey(p);
      const id = `${target}\0${p.name}`;
      const slice = emitter.inputOf(p);
      const last = cache.slices.get(id);
      let sliceDigest = last && sameJson(last.slice, slice) ? last.digest : undefined;
      if (sliceDigest === undefined) cache.slices.set(id, { slice, digest: (sliceDigest = digestOf(slice)) });
      return `${proxyKey(p)}:${sliceDigest}`;
    },
    shared(_target, emitter) {
      return emitter.sharedInput ? `shared:${partsDigest(emitter.sharedInput())}` : wholeIR();
    },
    whole(target) {
      const reads = target.reads;
      if (!reads) return wholeIR();
      let parts = cache.parts.get(target.name);
      if (!parts) cache.parts.set(target.name, (parts = new WeakMap()));
      const part = (p: ProxyIR) => {
        let d = parts!.get(p);
        if (d === undefined) parts!.set(p, (d = digestOf(reads.proxy(p))));
        return d;
      };
      return `reads:${sha256([partsDigest(reads.rest(ir)), ...ir.proxies.map(part)].join("\n"))}`;
    },
  };
}
