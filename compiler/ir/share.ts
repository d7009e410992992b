// Watch mode's structural sharing: after a save, every proxy whose IR equals the previous
// run's proxy of the same name is replaced by that previous object (likewise the infra), so
// what is cached per IR object (its memo digest, its capability uses) is found by identity
// instead of being serialized, hashed or walked again. Equal means "serializes to the same
// JSON": the memo's keys are digests of that JSON, and emitters read nothing JSON drops.
import type { MeshIR, ProxyIR } from "./types.ts";

/**
 * Whether JSON.stringify(a) === JSON.stringify(b), without building either string; may say
 * false for some equal pairs (NaN against null, a key holding undefined on one side only),
 * never true for different ones, which is the safe side: a false only costs a new digest.
 */
export function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== "object" || typeof b !== "object") return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameJson(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  const kx = Object.keys(x);
  const ky = Object.keys(y);
  if (kx.length !== ky.length) return false;
  // Same keys in the same order: JSON (and so the digest) follows insertion order.
  for (let i = 0; i < kx.length; i++) {
    const k = kx[i]!;
    // A function (never in the IR) would make JSON drop the key: not taken as equal.
    if (k !== ky[i] || typeof x[k] === "function" || !sameJson(x[k], y[k])) return false;
  }
  return true;
}

/** `ir` with its unchanged proxies (and infra) taken from `previous`; `ir` itself when nothing is shared. */
export function shareUnchanged(ir: MeshIR, previous: MeshIR | null): MeshIR {
  if (!previous) return ir;
  const before = new Map<string, ProxyIR>(previous.proxies.map((p) => [p.name, p]));
  const proxies = ir.proxies.map((p) => {
    const old = before.get(p.name);
    return old && sameJson(old, p) ? old : p;
  });
  const infra = sameJson(previous.infra, ir.infra) ? previous.infra : ir.infra;
  return { ...ir, proxies, infra };
}
