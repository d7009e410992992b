// Subtrees that many proxies' bootstraps hold byte for byte (filters, TLS parameters, the
// access log, the stats listener, the overload manager...), built once per emit and shared
// by identity. Measured on the 1,000-service bench mesh: 55% of the bundle's bytes are
// subtrees repeated in 50 or more bootstraps. A shared subtree is deeply frozen
// (compiler/serialize.ts `shareSubtree`), so the serializer writes its text once per depth
// and the verifier walks it once; a builder that changed one later would throw.
//
// A key must name everything its build reads: each call site builds from exactly the values
// it puts in the key. test/envoy/shared-subtrees.test.ts compiles every example with reuse
// on and off and wants the same bytes, so a key missing an input fails there.
import { shareSubtree } from "../../compiler/serialize.ts";

/**
 * More distinct keys than a mesh has variants of these subtrees (trace metadata has one per
 * service: about 10,000 at 10,000 services): past it, start over (bounded).
 */
const MAX_ENTRIES = 50_000;

export class SharedSubtrees {
  /** By kind, then key: no concatenated key string per lookup (kinds are constants). */
  private readonly byKind = new Map<string, Map<string, unknown>>();
  private size = 0;

  /** `reuse: false` builds every subtree afresh (still frozen): the tests' reference. */
  constructor(private readonly reuse = true, private readonly maxEntries = MAX_ENTRIES) {}

  /** The subtree `kind` + `key` stands for, built by `build` the first time. */
  of<T>(kind: string, key: string, build: () => T): T {
    if (!this.reuse) return shareSubtree(build());
    let byKey = this.byKind.get(kind);
    if (byKey === undefined) this.byKind.set(kind, (byKey = new Map()));
    let value = byKey.get(key) as T | undefined;
    if (value === undefined) {
      if (this.size >= this.maxEntries) { this.byKind.clear(); this.size = 0; this.byKind.set(kind, byKey = new Map()); }
      value = shareSubtree(build());
      byKey.set(key, value);
      this.size++;
    }
    return value;
  }
}
