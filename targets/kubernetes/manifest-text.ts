// The text of a Kubernetes object, toYaml(object) exactly, made from a template when an
// object of the same structure was written before. The per-service objects of a mesh are a
// few structures with different names in them (every ServiceAccount, every Certificate...),
// and toYaml walks, sorts the keys of and writes every one of them (~150 ms of a 1,000-service
// compile, ConfigMaps apart). A template is the serializer's own text of an object whose
// strings were replaced by slot markers, cut at the markers: the key order, indentation and
// every number, boolean and null are in it. Two objects have one structure when they have
// the same keys (in the same order), list lengths, numbers, booleans and nulls and strings
// at the same places (sameStructure); the text of a single-line string does not depend on
// where it stands (plain or double-quoted), so filling the slots with each string's own text
// gives what toYaml gives. A template is kept only when filling it with the strings of the
// object it was made from gives toYaml(object); a multi-line string (a literal block, indented
// by its depth) falls back to toYaml. test/kubernetes/manifest-text.test.ts compares with toYaml.
import { toYaml } from "../../compiler/serialize.ts";

interface Template {
  /** The object the template was made from (a copy): its structure, and the order its strings are visited in. */
  readonly structure: unknown;
  /** Text between slots: pieces.length === order.length + 1. */
  readonly pieces: readonly string[];
  /** For each slot in text order, the index of its string in visit order. */
  readonly order: readonly number[];
}

/**
 * Whether `a` has `b`'s structure (see above); pushes `a`'s strings onto `strings` in `b`'s
 * visiting order (members in `b`'s key order). Keys must be the same and in the same order:
 * a member order change cannot change toYaml's sorted text, but it would change the visiting order.
 */
function sameStructure(a: unknown, b: unknown, strings: string[]): boolean {
  if (typeof b === "string") {
    if (typeof a !== "string") return false;
    strings.push(a);
    return true;
  }
  if (b === null || typeof b !== "object" || a === null || typeof a !== "object") return a === b;
  if (Array.isArray(b)) {
    if (!Array.isArray(a) || a.length !== b.length) return false;
    for (let i = 0; i < b.length; i++) if (!sameStructure(a[i], b[i], strings)) return false;
    return true;
  }
  if (Array.isArray(a)) return false;
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  const kx = Object.keys(x);
  const ky = Object.keys(y);
  if (kx.length !== ky.length) return false;
  for (let i = 0; i < ky.length; i++) {
    const key = ky[i]!;
    if (kx[i] !== key || !sameStructure(x[key], y[key], strings)) return false;
  }
  return true;
}

/** Slot markers: plain scalars (letters and digits), so toYaml writes them as they are. */
const MARK = "zqMeshcSlot";
const MARKS = /zqMeshcSlot(\d+)z/g;

/** A copy of `value` with its strings replaced by markers, numbered in visiting order. */
function marked(value: unknown, next: { n: number }): unknown {
  if (typeof value === "string") return `${MARK}${next.n++}z`;
  if (value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) return value.map((v) => marked(v, next));
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) out[key] = marked((value as Record<string, unknown>)[key], next);
  return out;
}

/** A single-line string's text in any position (plain or double-quoted; see serialize.ts); null for a multi-line one. */
const SCALAR_TEXTS = new Map<string, string>();
const MAX_SCALAR_TEXTS = 50_000;
function scalarText(s: string): string | null {
  let text = SCALAR_TEXTS.get(s);
  if (text !== undefined) return text;
  if (s.includes("\n")) return null;
  text = toYaml(s).slice(0, -1);
  if (SCALAR_TEXTS.size >= MAX_SCALAR_TEXTS) SCALAR_TEXTS.clear();
  SCALAR_TEXTS.set(s, text);
  return text;
}

function fill(template: Template, strings: readonly string[]): string | null {
  const { pieces, order } = template;
  let text = pieces[0]!;
  for (let i = 0; i < order.length; i++) {
    const value = scalarText(strings[order[i]!]!);
    if (value === null) return null;
    text += value + pieces[i + 1]!;
  }
  return text;
}

/** The template of `object`, or null when its text is not the filled template (a marker-like key, a multi-line string). */
function makeTemplate(object: Record<string, unknown>, yaml: string): Template | null {
  // A multi-line string (a ConfigMap's proxy config) is a literal block: no template, and no copy of the object.
  const own: string[] = [];
  sameStructure(object, object, own);
  if (own.some((s) => s.includes("\n"))) return null;
  const next = { n: 0 };
  const text = toYaml(marked(object, next));
  const pieces: string[] = [];
  const order: number[] = [];
  let at = 0;
  for (const match of text.matchAll(MARKS)) {
    pieces.push(text.slice(at, match.index));
    order.push(Number(match[1]));
    at = match.index + match[0].length;
  }
  pieces.push(text.slice(at));
  if (order.length !== next.n || new Set(order).size !== next.n) return null;
  const template: Template = { structure: structuredClone(object), pieces, order };
  const strings: string[] = [];
  return sameStructure(object, template.structure, strings) && fill(template, strings) === yaml ? template : null;
}

/** Per apiVersion and kind, the templates made, newest last; a few each (a mesh has a few structures per kind). */
const templates = new Map<string, Template[]>();
const MAX_TEMPLATES = 8;

/** toYaml(object), from a template of its structure when there is one (made on the first object of a structure). */
export function manifestText(object: Record<string, unknown>): string {
  const context = `${String(object.apiVersion)}/${String(object.kind)}`;
  const list = templates.get(context);
  if (list !== undefined) {
    const strings: string[] = [];
    for (let i = list.length - 1; i >= 0; i--) {
      strings.length = 0;
      if (!sameStructure(object, list[i]!.structure, strings)) continue;
      const text = fill(list[i]!, strings);
      if (text !== null) return text;
      break;
    }
  }
  const yaml = toYaml(object);
  const template = makeTemplate(object, yaml);
  if (template !== null) {
    const kept = list ?? [];
    if (kept.length >= MAX_TEMPLATES) kept.shift();
    kept.push(template);
    templates.set(context, kept);
  }
  return yaml;
}
