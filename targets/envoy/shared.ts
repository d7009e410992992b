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

/** More distinct keys than a mesh has variants of these subtrees: past it, start over (bounded). */
const MAX_ENTRIES = 10_000;

export class SharedSubtrees {
  private readonly byKey = new Map<string, unknown>();

  /** `reuse: false` builds every subtree afresh (still frozen): the tests' reference. */
  constructor(private readonly reuse = true) {}

  /** The subtree `kind` + `key` stands for, built by `build` the first time. */
  of<T>(kind: string, key: string, build: () => T): T {
    if (!this.reuse) return shareSubtree(build());
    const k = kind + "\u0000" + key;
    let value = this.byKey.get(k) as T | undefined;
    if (value === undefined) {
      if (this.byKey.size >= MAX_ENTRIES) this.byKey.clear();
      value = shareSubtree(build());
      this.byKey.set(k, value);
    }
    return value;
  }
}
