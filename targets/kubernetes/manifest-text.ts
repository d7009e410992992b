// The text of a Kubernetes object, toYaml(object) exactly, made from a template when an
// object of the same structure was written before. The per-service objects of a mesh are a
// few structures with different names in them (every ServiceAccount, every Certificate...),
// and toYaml walks, sorts the keys of and writes every one of them (~150 ms of a 1,000-service
// compile, ConfigMaps apart). A template is the serializer's own text of an object whose
// strings were replaced by slot markers, cut at the markers: the key order, indentation and
// every number, boolean and null are in it. Two objects have one structure when they have
// the same keys (in the same order), list lengths, numbers, booleans and nulls and strings
// at the same places (matches); the text of a single-line string does not depend on
// where it stands (plain or double-quoted), so filling the slots with each string's own text
// gives what toYaml gives. A template is kept only when filling it with the strings of the
// object it was made from gives toYaml(object); a multi-line string (a literal block, indented
// by its depth) falls back to toYaml. test/kubernetes/manifest-text.test.ts compares with toYaml.
import { literalBlockText, toYaml } from "../../compiler/serialize.ts";
import type { Segment } from "./yaml-locate.ts";

/** An object's structure, compiled for matching: a string (a slot), a fixed value, a list, a map with its keys in order. */
type Shape =
  | { readonly t: 0 }
  | { readonly t: 1; readonly value: unknown }
  | { readonly t: 2; readonly items: readonly Shape[] }
  | { readonly t: 3; readonly keys: readonly string[]; readonly members: readonly Shape[] };

const STRING: Shape = { t: 0 };

function shapeOf(value: unknown): Shape {
  if (typeof value === "string") return STRING;
  if (value === null || typeof value !== "object") return { t: 1, value };
  if (Array.isArray(value)) return { t: 2, items: value.map(shapeOf) };
  const keys = Object.keys(value);
  return { t: 3, keys, members: keys.map((k) => shapeOf((value as Record<string, unknown>)[k])) };
}

export interface Template {
  readonly shape: Shape;
  /** Where each string (in visiting order) stands in the object: the verifier's per-template check (template-check.ts) reads them. */
  readonly paths: readonly (readonly Segment[])[];
  /** Text between slots: pieces.length === order.length + 1. */
  readonly pieces: readonly string[];
  /** For each slot in text order, the index of its string in visiting order. */
  readonly order: readonly number[];
  /** The strings of the object the template was made from, in visiting order, and their texts: most recur in every object of the structure. */
  readonly strings: readonly string[];
  readonly texts: readonly string[];
}

/**
 * Whether `a` has the structure `shape` (see above): the same keys in the same order, list
 * lengths, numbers, booleans and nulls, and strings where it has strings, which are pushed
 * onto `strings` in visiting order. A member order change cannot change toYaml's sorted text,
 * but it would change the visiting order, so it is another structure. No allocation.
 */
function matches(a: unknown, shape: Shape, strings: string[]): boolean {
  switch (shape.t) {
    case 0:
      if (typeof a !== "string") return false;
      strings.push(a);
      return true;
    case 1:
      return a === shape.value;
    case 2: {
      if (!Array.isArray(a) || a.length !== shape.items.length) return false;
      for (let i = 0; i < a.length; i++) if (!matches(a[i], shape.items[i]!, strings)) return false;
      return true;
    }
    case 3: {
      if (a === null || typeof a !== "object" || Array.isArray(a)) return false;
      const { keys, members } = shape;
      let i = 0;
      for (const key in a) {
        if (i >= keys.length || key !== keys[i] || !Object.hasOwn(a, key)) return false;
        if (!matches((a as Record<string, unknown>)[key], members[i]!, strings)) return false;
        i++;
      }
      return i === keys.length;
    }
  }
}

/** Slot markers: plain scalars (letters and digits), so toYaml writes them as they are. */
const MARK = "zqMeshcSlot";
const MARKS = /zqMeshcSlot(\d+)z/g;

/** A copy of `value` with its strings replaced by markers, numbered in visiting order; each string's path goes to `paths`. */
function marked(value: unknown, next: { n: number }, at: Segment[], paths: (readonly Segment[])[]): unknown {
  if (typeof value === "string") { paths.push([...at]); return `${MARK}${next.n++}z`; }
  if (value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) return value.map((v, i) => { at.push(i); const out = marked(v, next, at, paths); at.pop(); return out; });
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) { at.push(key); out[key] = marked((value as Record<string, unknown>)[key], next, at, paths); at.pop(); }
  return out;
}

/**
 * Strings serialize.ts writes plain, as they are: its plain characters (a letter, `_` or `/`,
 * then letters, digits and `_./:@+-`), not ending in `:` (a key's end), six characters or more
 * (the words YAML 1.1 reads as booleans or null have at most five). Most strings a template
 * fills are such names (`svc-12`, `svc-12-proxy`, a SPIFFE ID): no lookup, no serializer call.
 * test/kubernetes/manifest-text.test.ts checks toYaml writes such strings as they are.
 */
export const PLAIN_NAME = /^[A-Za-z_/][A-Za-z0-9_./:@+-]{4,}[A-Za-z0-9_./@+-]$/;

/**
 * Strings serialize.ts writes double-quoted with nothing escaped: printable ASCII but `"` and
 * `\` (JSON.stringify's text of such a string is the string between quotes, and its
 * U+0085/U+2028/U+2029 escapes do not apply), holding a character outside the plain ones
 * (a blank, `=`, `,`...: never plain, and single-line, so never a literal block). Such strings
 * (`service svc-12` in a source annotation, `app=svc-12` in a selector) are one per object,
 * so every one missed the lookup below and went through toYaml. test/kubernetes/manifest-text.test.ts
 * checks toYaml quotes such strings so.
 */
export const QUOTED_AS_IS = /^(?=.*[^A-Za-z0-9_./:@+-])[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

/** A single-line string's text in any position (plain or double-quoted; see serialize.ts); null for a multi-line one. */
const SCALAR_TEXTS = new Map<string, string>();
const MAX_SCALAR_TEXTS = 50_000;
function scalarText(s: string): string | null {
  if (PLAIN_NAME.test(s)) return s;
  if (QUOTED_AS_IS.test(s)) return `"${s}"`;
  // A long text is looked for a line break first: hashing it for the lookup would read all of it.
  if (s.length > 256 && s.includes("\n")) return null;
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
    const k = order[i]!;
    const s = strings[k]!;
    const value = s === template.strings[k] ? template.texts[k]! : scalarText(s);
    if (value === null) return null;
    text += value + pieces[i + 1]!;
  }
  return text;
}

/** The template of `object`, or null when its text is not the filled template (a marker-like key, a multi-line string). */
function makeTemplate(object: Record<string, unknown>, yaml: string): Template | null {
  const shape = shapeOf(object);
  const strings: string[] = [];
  matches(object, shape, strings);
  // A kustomization lists every file: one of a kind, never filled again; making its template cost more than writing it.
  if (strings.length > MAX_TEMPLATE_STRINGS) return null;
  const texts: string[] = [];
  for (const s of strings) {
    // A multi-line string (a ConfigMap's proxy config) is a literal block, indented by its depth: no template.
    const text = scalarText(s);
    if (text === null) return null;
    texts.push(text);
  }
  const next = { n: 0 };
  const paths: (readonly Segment[])[] = [];
  const marks = toYaml(marked(object, next, [], paths));
  const pieces: string[] = [];
  const order: number[] = [];
  let at = 0;
  for (const match of marks.matchAll(MARKS)) {
    pieces.push(marks.slice(at, match.index));
    order.push(Number(match[1]));
    at = match.index + match[0].length;
  }
  pieces.push(marks.slice(at));
  if (order.length !== next.n || next.n !== strings.length || new Set(order).size !== next.n) return null;
  const template: Template = { shape, paths, pieces, order, strings, texts };
  return fill(template, strings) === yaml ? template : null;
}

/**
 * Per apiVersion and kind (a map of maps keyed by the values: no context string made and
 * hashed per object), the templates made, newest last, a few each (a mesh has a few structures
 * per kind), and how many objects gave none.
 */
interface Context {
  templates: Template[] | undefined;
  failures: number;
}
const contexts = new Map<unknown, Map<unknown, Context>>();
/** The same for objects whose `data` was replaced by a marker (textWithOneBlock). */
const blockContexts = new Map<unknown, Map<unknown, Context>>();
function contextOf(apiVersion: unknown, kind: unknown, from = contexts): Context {
  let byKind = from.get(apiVersion);
  if (byKind === undefined) from.set(apiVersion, (byKind = new Map()));
  let context = byKind.get(kind);
  if (context === undefined) byKind.set(kind, (context = { templates: undefined, failures: 0 }));
  return context;
}
const MAX_TEMPLATES = 8;
/** The per-service objects have a few dozen strings. */
const MAX_TEMPLATE_STRINGS = 256;
/**
 * Kinds whose objects gave no template MAX_FAILURES times while none was ever made (every
 * ConfigMap carries a multi-line config): not tried again; toYaml writes them.
 */
const MAX_FAILURES = 8;

/** Data texts at least this long (a proxy config) are written as literal blocks by literalBlockText. */
const LONG_TEXT = 1024;
/** A marker for a long text, plain like the slot markers (never a word YAML reads as anything else). */
const BLOCK_MARK = "zqMeshcBlock";

/**
 * toYaml(object) for an object whose `data` holds long multi-line texts (a sidecar ConfigMap
 * carries its proxy's whole config, ~25 KB each): toYaml of the object with each such text
 * replaced by a plain marker, the marker then replaced by the text's literal block at the
 * depth of a `data` member (literalBlockText). toYaml writes a member's value where the
 * marker stands, and nothing else in its text depends on that value, so the result is
 * toYaml(object) when each marker stands once, as `: <marker>` at a line's end. Null when
 * there is no such text, or a marker is found elsewhere (a hostile key or value): toYaml writes it.
 */
function textWithBlocks(object: Record<string, unknown>): string | null {
  const data = object.data;
  if (data === null || typeof data !== "object" || Array.isArray(data)) return null;
  let marked: Record<string, unknown> | null = null;
  const blocks: string[] = [];
  for (const key of Object.keys(data)) {
    const value = (data as Record<string, unknown>)[key];
    if (typeof value !== "string" || value.length < LONG_TEXT) continue;
    const block = literalBlockText(value, "  ");
    // Not a block (quoted): written by toYaml with the rest.
    if (block === null) continue;
    marked ??= { ...(data as Record<string, unknown>) };
    marked[key] = `${BLOCK_MARK}${blocks.length}z`;
    blocks.push(block);
  }
  if (marked === null) return null;
  // `key: <marker>` becomes `key: ` and the block (which ends where the marker's line did).
  return spliceMarkers(toYaml({ ...object, data: marked }), BLOCK_MARK, blocks, 0, "");
}

/**
 * The ASCII characters literalBlockText refuses in a block, probed from it once (serialize.ts
 * keeps the one definition): a character is refused when a text that is a block but for it is none.
 */
const REFUSED_ASCII: readonly string[] = (() => {
  const out: string[] = [];
  for (let c = 0; c < 0x80; c++) {
    const ch = String.fromCharCode(c);
    if (ch !== "\n" && literalBlockText(`a${ch}b\nc\n`, "  ") === null) out.push(ch);
  }
  return out;
})();

/**
 * literalBlockText(s, "  ") (a `data` member's block at depth 1), in one pass over the lines of
 * the usual text: ASCII, one final line break, no empty line, no line ending in a blank, not
 * starting with a blank or a line break, none of the refused characters. That text's block is
 * `|`, then each line indented by four blanks, which the pass writes as it checks the lines
 * (the checks apart, literalBlockText's own fast case: a regexp and a replaceAll over ~25 KB
 * per sidecar cost more than the pass). Any other text goes to literalBlockText itself.
 * test/kubernetes/literal-block.test.ts compares the two.
 */
export function blockText(s: string): string | null {
  const n = s.length;
  if (n < 2 || s.charCodeAt(n - 1) !== 10) return literalBlockText(s, "  ");
  const first = s.charCodeAt(0);
  // A UTF-8 length equal to the length: no code unit from U+0080 up.
  if (first === 32 || first === 10 || Buffer.byteLength(s, "utf8") !== n) return literalBlockText(s, "  ");
  for (let i = 0; i < REFUSED_ASCII.length; i++) if (s.includes(REFUSED_ASCII[i]!)) return literalBlockText(s, "  ");
  let out = "|\n    ";
  let from = 0;
  for (let at = s.indexOf("\n"); at < n - 1; at = s.indexOf("\n", from)) {
    // The first character is no line break, so `at - 1` is a character of the line.
    const before = s.charCodeAt(at - 1);
    if (before === 32 || before === 9 || s.charCodeAt(at + 1) === 10) return literalBlockText(s, "  ");
    out += s.slice(from, at) + "\n    ";
    from = at + 1;
  }
  const last = s.charCodeAt(n - 2);
  if (last === 32 || last === 9) return literalBlockText(s, "  ");
  return out + s.slice(from, n - 1);
}

/** A marker for a whole `data` member, plain like the others. */
const DATA_MARK = "zqMeshcData0z";

/**
 * textWithBlocks for the usual sidecar ConfigMap: `data` holds one member, a long text written
 * as a literal block, under a key written as it is (PLAIN_NAME: the key's text is the key, as
 * for a value). `data` is a top-level member: toYaml writes it as `data:`, a line break and
 * its one member at depth 1, `  <key>: <block>`, and nothing else in its text depends on it. So
 * the rest is the object with `data` replaced by a plain marker, written from a template of
 * its structure (every ConfigMap has one, whatever its data key: no toYaml walk per ConfigMap),
 * and `data: <marker>` is replaced by those lines. Null for anything else: textWithBlocks decides.
 */
function textWithOneBlock(object: Record<string, unknown>): ManifestText | null {
  const data = object.data;
  if (data === null || typeof data !== "object" || Array.isArray(data)) return null;
  let key: string | null = null;
  for (const k in data) {
    if (!Object.hasOwn(data, k)) continue;
    if (key !== null) return null;
    key = k;
  }
  if (key === null || !PLAIN_NAME.test(key)) return null;
  const value = (data as Record<string, unknown>)[key];
  if (typeof value !== "string" || value.length < LONG_TEXT) return null;
  const block = blockText(value);
  if (block === null) return null;
  const marked: Record<string, unknown> = { ...object, data: DATA_MARK };
  const { text, filled } = writeIn(contextOf(object.apiVersion, object.kind, blockContexts), marked);
  // The marker stands once, as the value of a top-level `data` (a line of its own at depth 0).
  const at = text.indexOf(DATA_MARK);
  if (at < 6 || text.lastIndexOf(DATA_MARK) !== at || !(at === 6 || text.charCodeAt(at - 7) === 10) || !text.startsWith("data: ", at - 6)
    || text.charCodeAt(at + DATA_MARK.length) !== 10) return null;
  // The marked object's template and strings: the verifier's template check for the rest of the object (see Filled.dataBlock).
  return { text: `${text.slice(0, at - 1)}\n  ${key}: ${block}${text.slice(at + DATA_MARK.length)}`, filled: filled === null ? null : { template: filled.template, strings: filled.strings, dataBlock: true } };
}

/**
 * `text` with marker `${mark}${i}z` replaced by `parts[i]`, each marker standing once, as
 * `: <marker>` at a line's end; `trim` characters more are cut on both sides of it (1: the
 * blank before and the line break after) and `lead` goes before the part. Null when a marker
 * stands elsewhere or twice (a hostile key or value): the caller lets toYaml write the object.
 */
function spliceMarkers(text: string, mark: string, parts: readonly string[], trim: number, lead: string): string | null {
  const at: number[] = [];
  for (let i = 0; i < parts.length; i++) {
    const m = `${mark}${i}z`;
    const where = text.indexOf(m);
    if (where < 2 || text.lastIndexOf(m) !== where || !text.startsWith(": ", where - 2) || text.charCodeAt(where + m.length) !== 10) return null;
    at.push(where);
  }
  // Spliced in text order (the markers stand in the order of the sorted keys).
  const order = at.map((_, i) => i).sort((a, b) => at[a]! - at[b]!);
  let out = "";
  let from = 0;
  for (const i of order) {
    out += text.slice(from, at[i]! - trim) + lead + parts[i]!;
    from = at[i]! + `${mark}${i}z`.length + trim;
  }
  return out + text.slice(from);
}

/** Top-level lists at least this long (a kustomization's resources and patches, one per file) are written by listText. */
const LONG_LIST = 64;
/** A marker for a long list, plain like the others. */
const LIST_MARK = "zqMeshcList";
/** Item templates kept while one list is written (a list holds a few structures of items). */
const MAX_ITEM_TEMPLATES = 4;

/**
 * The text toYaml writes for the items of a non-empty list member at depth 1 (`  - ...`),
 * item by item: a string as its own text (scalarText), an object from a template of its
 * structure, made like an object's (above) from toYaml of `{ x: [item] }` without the `x:`
 * line, which is the item's text at that depth whatever its siblings are. `count` collects how
 * many strings the items hold. Null for anything else (a multi-line string, whose literal
 * block depends on its depth; a number, a list as an item; a template that does not give
 * toYaml's text): toYaml writes the whole object.
 */
function listText(list: readonly unknown[], count: { n: number }): string | null {
  const templates: Template[] = [];
  let out = "";
  for (let i = 0; i < list.length; i++) {
    const item = list[i];
    if (typeof item === "string") {
      const text = scalarText(item);
      if (text === null) return null;
      out += `  - ${text}\n`;
      count.n++;
      continue;
    }
    if (item === null || typeof item !== "object" || Array.isArray(item)) return null;
    let text: string | null = null;
    for (let t = templates.length - 1; t >= 0; t--) {
      const strings: string[] = [];
      if (!matches(item, templates[t]!.shape, strings)) continue;
      text = fill(templates[t]!, strings);
      if (text === null) return null;
      count.n += strings.length;
      break;
    }
    if (text === null) {
      const wrapped = { x: [item] };
      const yaml = toYaml(wrapped);
      if (!yaml.startsWith("x:\n")) return null;
      text = yaml.slice(3);
      const template = makeTemplate(wrapped, yaml);
      if (template !== null) {
        // The item's own template: its shape and the pieces without the `x:` line.
        const shape = (template.shape as Extract<Shape, { t: 3 }>).members[0] as Extract<Shape, { t: 2 }>;
        if (!template.pieces[0]!.startsWith("x:\n")) return null;
        const pieces = [template.pieces[0]!.slice(3), ...template.pieces.slice(1)];
        if (templates.length >= MAX_ITEM_TEMPLATES) templates.shift();
        templates.push({ ...template, shape: shape.items[0]!, pieces });
      }
      count.n += template !== null ? template.strings.length : 0;
      if (template === null) return null;
    }
    out += text;
  }
  return out;
}

/**
 * toYaml(object) for an object with long top-level lists (a kustomization lists every file of
 * the bundle): toYaml of the object with each non-empty such list replaced by a plain marker,
 * `key: <marker>` then replaced by `key:` and the list's lines (listText); toYaml writes a
 * list member as `key:`, a line break and its items at depth 1, and nothing else in its text
 * depends on the list. Null when there is no such list, listText gives none, or a marker is
 * found elsewhere. `count` collects the lists' strings (makeTemplate refuses an object with so many).
 */
function textWithLists(object: Record<string, unknown>, count: { n: number }): string | null {
  let marked: Record<string, unknown> | null = null;
  const lists: string[] = [];
  for (const key of Object.keys(object)) {
    const value = object[key];
    if (!Array.isArray(value) || value.length < LONG_LIST) continue;
    const text = listText(value, count);
    if (text === null) return null;
    marked ??= { ...object };
    marked[key] = `${LIST_MARK}${lists.length}z`;
    lists.push(text);
  }
  if (marked === null) return null;
  // `key: <marker>\n` becomes `key:\n` and the items.
  return spliceMarkers(toYaml(marked), LIST_MARK, lists, 1, "\n");
}

/** An object's text, and the template it was filled from with the object's strings (null: toYaml wrote it). */
export interface ManifestText {
  readonly text: string;
  readonly filled: Filled | null;
}

/** A template and the strings, in its visiting order, of an object written from it. */
export interface Filled {
  readonly template: Template;
  readonly strings: readonly string[];
  /**
   * True when the template and strings are those of the object with its `data` replaced by
   * a marker string (textWithOneBlock): the text is the filled template with the marker's
   * line replaced by `data`'s one long member. template-check.ts's verdict then covers the
   * object but its `data`, which the verifier checks apart (verify.ts).
   */
  readonly dataBlock?: true;
}

/** toYaml(object), from a template of its structure when there is one (made on the first object of a structure). */
export function manifestText(object: Record<string, unknown>): string {
  return writeManifestText(object).text;
}

/** manifestText, with the template and strings the text was filled from (emitted.ts records them for the verifier). */
export function writeManifestText(object: Record<string, unknown>): ManifestText {
  return writeIn(contextOf(object.apiVersion, object.kind), object);
}

function writeIn(context: Context, object: Record<string, unknown>): ManifestText {
  const list = context.templates;
  if (list !== undefined) {
    for (let i = list.length - 1; i >= 0; i--) {
      const strings: string[] = [];
      if (!matches(object, list[i]!.shape, strings)) continue;
      const text = fill(list[i]!, strings);
      if (text !== null) return { text, filled: { template: list[i]!, strings } };
      break;
    }
  }
  const oneBlock = textWithOneBlock(object);
  if (oneBlock !== null) return oneBlock;
  let yaml = textWithBlocks(object);
  if (yaml === null) {
    const count = { n: 0 };
    yaml = textWithLists(object, count);
    // More strings than a template takes (makeTemplate would refuse the object, after a walk of all of them).
    if (yaml !== null && count.n > MAX_TEMPLATE_STRINGS) {
      context.failures++;
      return { text: yaml, filled: null };
    }
    yaml ??= toYaml(object);
  }
  if (list === undefined && context.failures >= MAX_FAILURES) return { text: yaml, filled: null };
  const template = makeTemplate(object, yaml);
  if (template === null) {
    context.failures++;
    return { text: yaml, filled: null };
  }
  const kept = list ?? (context.templates = []);
  if (kept.length >= MAX_TEMPLATES) kept.shift();
  kept.push(template);
  return { text: yaml, filled: { template, strings: template.strings } };
}
