// JSON path -> line and column in the YAML text. The document is parsed once; a path is
// followed through the YAML nodes only when a finding needs its position.
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from "yaml";
import type { PathSegment } from "./findings.ts";

export interface ParsedYaml {
  readonly document: Document;
  readonly lineCounter: LineCounter;
  readonly value: unknown;
  readonly errors: readonly { readonly message: string; readonly offset: number }[];
}

export function parseYamlWithPositions(text: string): ParsedYaml {
  const lineCounter = new LineCounter();
  // Envoy reads YAML 1.2 core schema via yaml-cpp / JSON conversion; the serializer writes
  // YAML that reads the same under 1.1 and 1.2, so parse as written.
  const document = parseDocument(text, { lineCounter, version: "1.1", uniqueKeys: true });
  const errors = document.errors.map((e) => ({ message: e.message, offset: e.pos[0] }));
  return { document, lineCounter, value: errors.length === 0 ? document.toJS({ maxAliasCount: 0 }) : null, errors };
}

/** 1-based line and column of the node at `path` (its key when `atKey`), or of the deepest node found. */
export function positionOf(parsed: ParsedYaml, path: readonly PathSegment[], atKey: boolean): { line: number; column: number } {
  let node: unknown = parsed.document.contents;
  let offset = (node as Node | null)?.range?.[0] ?? 0;
  for (let i = 0; i < path.length; i++) {
    const segment = path[i];
    let next: unknown;
    if (isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(segment));
      if (pair === undefined) break;
      if (i === path.length - 1 && atKey && isScalar(pair.key) && pair.key.range) { offset = pair.key.range[0]; break; }
      next = pair.value;
    } else if (isSeq(node) && typeof segment === "number") {
      next = node.items[segment];
    }
    const range = (next as Node | null | undefined)?.range;
    if (!range) break;
    node = next;
    offset = range[0];
  }
  const { line, col } = parsed.lineCounter.linePos(offset);
  return { line, column: col };
}
