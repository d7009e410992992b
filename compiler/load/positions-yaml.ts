// Positions in YAML and JSON files, from the yaml parser's source ranges. A path ending
// at a map key points at the key, so "unknown field" lands on the field's name.
import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Node } from "yaml";
import type { PathSegment, Position } from "./types.ts";
import { nearestLocator } from "./locate.ts";

export function yamlLocator(text: string) {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, keepSourceTokens: false });
  const at = (offset: number): Position => {
    const p = lineCounter.linePos(offset);
    return { line: p.line, column: p.col };
  };
  // Each map's pairs by key, built on first visit (a scan per diagnostic is quadratic on large meshes).
  const indexes = new WeakMap<object, Map<string, unknown>>();
  const pairsOf = (map: { items: unknown[] }) => {
    let index = indexes.get(map);
    if (!index) {
      index = new Map();
      for (const p of map.items) if (isPair(p) && isScalar(p.key) && !index.has(String(p.key.value))) index.set(String(p.key.value), p);
      indexes.set(map, index);
    }
    return index;
  };
  return nearestLocator((path: readonly PathSegment[]) => {
    let node: unknown = doc.contents;
    let keyOffset: number | null = null;
    for (const seg of path) {
      keyOffset = null;
      if (isMap(node)) {
        const pair = pairsOf(node).get(String(seg)) as { key: unknown; value: unknown } | undefined;
        if (!pair) return null;
        const key = pair.key as Node;
        keyOffset = key.range ? key.range[0] : null;
        node = pair.value;
      } else if (isSeq(node) && typeof seg === "number") {
        node = node.items[seg];
      } else return null;
    }
    if (keyOffset !== null) return at(keyOffset);
    const range = (node as Node | null)?.range;
    return range ? at(range[0]) : null;
  });
}
