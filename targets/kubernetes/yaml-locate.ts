// JSON paths in an emitted YAML file mapped back to lines, so a finding reads
// `kubernetes/service-web.yaml:12 spec.ports[0].port`.
import { isMap, isSeq, LineCounter, parseAllDocuments, type Document, type Node } from "yaml";

export type Segment = string | number;

export interface ParsedManifest {
  readonly value: unknown;
  /** 1-based line of the node at `segments`, or of its nearest existing ancestor. */
  lineOf(segments: readonly Segment[]): number;
}

export function formatPath(segments: readonly Segment[]): string {
  return segments.map((s, i) => (typeof s === "number" ? `[${s}]` : i === 0 ? s : `.${s}`)).join("");
}

/** `/spec/ports/0/port` (ajv instancePath) -> ["spec", "ports", 0, "port"]. */
export function pointerToSegments(pointer: string): Segment[] {
  if (pointer === "") return [];
  return pointer.slice(1).split("/").map((raw) => raw.replace(/~1/g, "/").replace(/~0/g, "~")).map((s) => (/^[0-9]+$/.test(s) ? Number(s) : s));
}

function locate(doc: Document, counter: LineCounter, segments: readonly Segment[]): number {
  let node: unknown = doc.contents;
  let offset = (doc.contents as Node | null)?.range?.[0] ?? 0;
  for (const segment of segments) {
    if (isMap(node)) {
      const pair = node.items.find((item) => (item.key as { value?: unknown } | null)?.value === segment);
      if (!pair) break;
      offset = (pair.key as Node).range?.[0] ?? offset;
      node = pair.value;
    } else if (isSeq(node) && typeof segment === "number" && node.items[segment]) {
      node = node.items[segment];
      offset = (node as Node).range?.[0] ?? offset;
    } else break;
  }
  return counter.linePos(offset).line;
}

/** Exactly one YAML document, or an error message. */
export function parseManifest(content: string): ParsedManifest | { error: string } {
  const counter = new LineCounter();
  const docs = parseAllDocuments(content, { lineCounter: counter, version: "1.1" });
  if (!Array.isArray(docs)) return { error: "not a YAML stream" };
  if (docs.length !== 1) return { error: `expected one YAML document, found ${docs.length}` };
  const doc = docs[0];
  if (doc.errors.length > 0) return { error: doc.errors[0].message };
  return { value: doc.toJS(), lineOf: (segments) => locate(doc, counter, segments) };
}
