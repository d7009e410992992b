// The one serializer for YAML and JSON output: keys sorted, Kubernetes objects with
// apiVersion, kind, metadata first.
//
// YAML is written by a small emitter for plain data (maps, lists, strings, numbers,
// booleans, null) instead of the yaml library's stringify: measured on the Envoy bundle of
// a 1,000-service mesh (17 MB), the library took 2.0 s where this takes under 0.2 s, and
// the bundle's emit stage is the compiler's hot path. The emitter is deliberately
// conservative: a string is written plain only when it cannot be read back as anything
// else by a YAML 1.1 or 1.2 reader (no numbers, booleans, nulls, timestamps, indicators);
// multi-line text is a literal block (readable in review); everything else is
// double-quoted with JSON escapes, which YAML's double-quoted style accepts. The yaml
// library stays the parser, and test/core/serialize.test.ts proves parse(emit(x)) === x
// under both YAML versions for hostile and generated values.

const LEADING_KEYS = ["apiVersion", "kind", "metadata"];
const LEADING = new Set(LEADING_KEYS);

/** A key JavaScript objects keep first, in numeric order, whatever the insertion order ("80", "443"). */
function isIndexKey(k: string): boolean {
  return /^(?:0|[1-9][0-9]*)$/.test(k) && Number(k) < 4294967295;
}

/**
 * An object's defined members' keys in the order the canonical copy iterates them:
 * apiVersion, kind, metadata, then the rest by UTF-16 code units, except that index-like
 * keys come first in numeric order (a JavaScript object always iterates them so, and the
 * YAML emitter walked that copy). Objects without leading or index keys (nearly all) take
 * a plain sort: a comparator looking the leading keys up on every comparison was the emit
 * stage's top cost.
 */
function sortedKeys(value: Record<string, unknown>): string[] {
  // Object.keys' own array, filtered only when a member is undefined (rare): no second array per object.
  let keys = Object.keys(value);
  let leading = false;
  let index = false;
  let sorted = true;
  let undefinedMember = false;
  let previous = "";
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i]!;
    if (value[k] === undefined) { undefinedMember = true; continue; }
    if (sorted && previous !== "" && !(previous < k)) sorted = false;
    previous = k;
    // Leading keys start with a, k or m, index keys with a digit: the first character rules out most keys.
    const c = k.charCodeAt(0);
    if (c <= 57) { if (!index && isIndexKey(k)) index = true; }
    else if ((c === 97 || c === 107 || c === 109) && !leading && LEADING.has(k)) leading = true;
  }
  if (undefinedMember) keys = keys.filter((k) => value[k] !== undefined);
  // Emitters often build members in order already: a sorted list needs no sort call.
  if (!sorted) sortStrings(keys);
  if (!leading && !index) return keys;
  if (!index) {
    // Kubernetes objects and Envoy resources with metadata: the leading keys, then the rest in
    // order, moved in place (a second array per Envoy listener, cluster and route was measurable garbage).
    for (let l = LEADING_KEYS.length - 1; l >= 0; l--) {
      const at = keys.indexOf(LEADING_KEYS[l]!);
      if (at <= 0) continue;
      for (let i = at; i > 0; i--) keys[i] = keys[i - 1]!;
      keys[0] = LEADING_KEYS[l]!;
    }
    return keys;
  }
  const indexes = keys.filter(isIndexKey).sort((a, b) => Number(a) - Number(b));
  const leadingKeys = LEADING_KEYS.filter((k) => keys.includes(k));
  return [...indexes, ...leadingKeys, ...keys.filter((k) => !LEADING.has(k) && !isIndexKey(k))];
}

/**
 * Sorts in place by UTF-16 code units, as Array.prototype.sort without a comparator does:
 * an object's few keys by insertion, since the built-in sort allocates work arrays on every
 * call (measured: the largest allocator of the emit, ahead of the output text itself).
 */
function sortStrings(keys: string[]): void {
  if (keys.length > 16) { keys.sort(); return; }
  for (let i = 1; i < keys.length; i++) {
    const k = keys[i]!;
    let j = i - 1;
    while (j >= 0 && keys[j]! > k) { keys[j + 1] = keys[j]!; j--; }
    keys[j + 1] = k;
  }
}

/** A deep copy with object keys in canonical order; drops `undefined` members. */
export function canonicalize(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonicalize);
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const key of sortedKeys(value as Record<string, unknown>)) out[key] = canonicalize((value as Record<string, unknown>)[key]);
    return out;
  }
  return value;
}

// Plain only: starts with a letter, _ or /, continues with URL-ish characters, does not end
// with ":" (a key), and is none of the words YAML 1.1 reads as booleans or null.
const PLAIN = /^[A-Za-z_/][A-Za-z0-9_./:@+-]*$/;
const RESERVED = new Set(["y", "n", "yes", "no", "on", "off", "true", "false", "null"]);
// Characters a literal block cannot carry unchanged (control characters but TAB and LF,
// CR, DEL, C1 controls, Unicode line breaks that YAML 1.1 folds, BOM).
const NOT_LITERAL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\ufeff]/;

/** First characters of the reserved words, either case (y, n, o, t, f). */
const RESERVED_START = new Set([..."ynotf"].flatMap((c) => [c.charCodeAt(0), c.toUpperCase().charCodeAt(0)]));

function isPlain(s: string): boolean {
  // The reserved words are at most 5 characters and start with one of a few letters: other strings skip the lower-casing.
  return PLAIN.test(s) && s.charCodeAt(s.length - 1) !== 58 /* ":" */
    && !(s.length <= 5 && RESERVED_START.has(s.charCodeAt(0)) && RESERVED.has(s.toLowerCase()));
}

function quoted(s: string): string {
  // JSON's escapes are a subset of YAML's double-quoted escapes; YAML 1.1 also treats
  // U+0085, U+2028 and U+2029 as line breaks, so those are escaped too.
  return JSON.stringify(s).replace(/[\u0085\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

// A line of only blanks, or a text of only line breaks: YAML parsers read those back as less
// than was written (`|2` over "\n" or " \n" parses as ""), so such texts are quoted instead.
const BLANK_LINE = /(?:^|\n)[ \t]+(?:\n|$)|^\n+$/;

// One scan that rules both out in nearly every text: a character NOT_LITERAL refuses, or a
// blank before a line break or the end, which every line of only blanks has. Where it finds
// neither, NOT_LITERAL cannot match and BLANK_LINE only as a text of only line breaks; so the
// two whole-text scans run only for texts it flags. The texts this matters for are long: a
// sidecar ConfigMap carries its proxy's whole config (about 25 KB of Envoy YAML each),
// where no line ends in a blank. test/core/serialize-literal.test.ts compares with the two scans.
const MAY_REFUSE_LITERAL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\ufeff]|[ \t](?:\n|$)/;
const ONLY_LINE_BREAKS = /^\n+$/;

/** Whether `s` cannot be a literal block: NOT_LITERAL.test(s) || BLANK_LINE.test(s), mostly in one scan. */
export function refusesLiteral(s: string): boolean {
  if (!MAY_REFUSE_LITERAL.test(s)) return ONLY_LINE_BREAKS.test(s);
  return NOT_LITERAL.test(s) || BLANK_LINE.test(s);
}

function literalBlock(s: string, indent: string): string | null {
  if (!s.includes("\n") || refusesLiteral(s)) return null;
  // Counted from the end, not with /\n*$/ (which tries every position of a long text).
  let trailing = 0;
  while (trailing < s.length && s.charCodeAt(s.length - 1 - trailing) === 10) trailing++;
  const chomp = trailing === 0 ? "-" : trailing === 1 ? "" : "+";
  const body = trailing > 1 ? s.slice(0, -1) : trailing === 1 ? s.slice(0, -1) : s;
  // An explicit indentation indicator when the text itself starts with a space or a line break.
  const indicator = /^[ \n]/.test(s) ? "2" : "";
  const inner = indent + "  ";
  // Every non-empty line indented (a sidecar ConfigMap carries a whole proxy config): without
  // empty lines (a proxy config has none) a plain replaceAll, several times faster than the regex.
  if (body !== "" && body[0] !== "\n" && !body.endsWith("\n") && !body.includes("\n\n")) return `|${indicator}${chomp}\n${inner}` + body.replaceAll("\n", `\n${inner}`);
  return `|${indicator}${chomp}\n` + body.replace(/(^|\n)(?=[^\n])/g, `$1${inner}`);
}

function scalar(value: unknown, indent: string): string {
  if (value === null) return "null";
  if (typeof value === "boolean") return value ? "true" : "false";
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new Error(`cannot serialize the number ${value}`);
    return String(value);
  }
  if (typeof value === "string") return stringScalar(value, indent);
  throw new Error(`cannot serialize a ${typeof value}`);
}

/**
 * Short strings' written form (plain or quoted), kept process-wide: the same values recur on
 * every line of every document (durations, addresses, names, enum values), and a lookup is
 * cheaper than the plain test and the quoting. Literal blocks depend on the indentation and
 * are never kept; long strings are not kept either. Bounded like KEY_TEXTS.
 */
const SCALAR_TEXTS = new Map<string, string>();
const MAX_SCALAR_TEXTS = 50_000;
const MAX_KEPT_SCALAR = 64;

function stringScalar(s: string, indent: string): string {
  let text = SCALAR_TEXTS.get(s);
  if (text !== undefined) return text;
  if (isPlain(s)) text = s;
  else {
    const block = literalBlock(s, indent);
    if (block !== null) return block;
    text = quoted(s);
  }
  if (s.length <= MAX_KEPT_SCALAR) {
    if (SCALAR_TEXTS.size >= MAX_SCALAR_TEXTS) SCALAR_TEXTS.clear();
    SCALAR_TEXTS.set(s, text);
  }
  return text;
}

const isCollection = (v: unknown): v is object => v !== null && typeof v === "object";

/**
 * Subtrees an emitter shares by identity (the same frozen object in many documents: a filter,
 * TLS parameters, a whole listener), with their text by depth, written once per depth and
 * reused: measured on the Envoy bundle of 1,000 services, more than half its bytes are such
 * subtrees. Keyed by the object, so an entry lives exactly as long as the subtree and can
 * never be another value's: shareSubtree freezes the whole subtree first, and text at one
 * depth is a pure function of a frozen value. Bounded by the subtrees' own lifetime and depths.
 */
const SHARED_TEXTS = new WeakMap<object, string[]>();

function deepFreeze(value: unknown): void {
  // A subtree shared already is frozen all the way down; any other frozen object may still
  // hold mutable members (Object.freeze is shallow), so it is descended into like the rest.
  if (!isCollection(value) || SHARED_TEXTS.has(value)) return;
  Object.freeze(value);
  for (const member of Object.values(value)) deepFreeze(member);
}

/**
 * Marks `value` as shared: freezes it deeply (a later change throws instead of altering every
 * document that holds it) and lets the serializer keep its text. Returns `value`.
 */
export function shareSubtree<T>(value: T): T {
  if (!isCollection(value)) return value;
  deepFreeze(value);
  // Empty collections are written inline (`key: []`), never from a kept text.
  const empty = Array.isArray(value) ? value.length === 0 : sortedKeys(value as Record<string, unknown>).length === 0;
  if (!empty && !SHARED_TEXTS.has(value)) SHARED_TEXTS.set(value, []);
  return value;
}

/** Whether `value` went through shareSubtree (deeply frozen, not empty). */
export function isSharedSubtree(value: unknown): boolean {
  return isCollection(value) && SHARED_TEXTS.has(value);
}

/**
 * A shared subtree's text at `depth` without the first line's indentation (the caller writes
 * that, or a list dash in its place), as emitMap and emitList write it with an empty lead.
 */
function sharedText(value: object, texts: string[], depth: number): string {
  let text = texts[depth];
  if (text === undefined) {
    const w: Writer = { out: [] };
    if (Array.isArray(value)) emitList(value, depth, w, "");
    else emitMap(value as Record<string, unknown>, sortedKeys(value as Record<string, unknown>), depth, w, "");
    texts[depth] = text = w.out.join("");
  }
  return text;
}

/**
 * One document's text as the pieces of its lines, joined once at the end: no string per line
 * (appending to one string measured twice as slow). One per document, so the serializer
 * keeps no state between calls but the key texts below.
 */
interface Writer {
  readonly out: string[];
}

/**
 * A key as written, and the start of its line at each depth (indentation, key, `: ` or
 * `:` + line break), made once per process: keys repeat on every level of every document
 * (names of Envoy fields, Kubernetes fields...), and a member's line is then three pieces,
 * not five. Bounded: keys that are data (label and policy names, ConfigMap keys) come and go.
 */
interface KeyText {
  readonly text: string;
  /** By depth: indentation + text + ": ". */
  readonly scalarLines: string[];
  /** By depth: indentation + text + ":" + line break. */
  readonly nestedLines: string[];
}
const KEY_TEXTS = new Map<string, KeyText>();
const MAX_KEY_TEXTS = 20_000;

function keyText(k: string): KeyText {
  let entry = KEY_TEXTS.get(k);
  if (entry === undefined) {
    if (KEY_TEXTS.size >= MAX_KEY_TEXTS) KEY_TEXTS.clear();
    entry = { text: isPlain(k) ? k : quoted(k), scalarLines: [], nestedLines: [] };
    KEY_TEXTS.set(k, entry);
  }
  return entry;
}

// Indentation by depth, made once (documents rarely nest deeper than 40 levels; deeper ones repeat on demand).
const INDENTS = Array.from({ length: 40 }, (_, i) => "  ".repeat(i));
const indentOf = (depth: number): string => INDENTS[depth] ?? "  ".repeat(depth);
// The same with a list item's dash.
const DASHES = INDENTS.map((indent) => `${indent}- `);
const dashOf = (depth: number): string => DASHES[depth] ?? `${indentOf(depth)}- `;

/**
 * Writes a collection's members at `depth`; `lead` (when not null) replaces the indentation
 * of the first line (a collection inside a list starts on the `- ` line). Maps arrive with
 * their keys already sorted (sortedKeys: apiVersion, kind, metadata first, undefined members
 * skipped), which is what serializing canonicalize(value) gives, without the deep copy.
 */
function emitMap(map: Record<string, unknown>, keys: readonly string[], depth: number, w: Writer, lead: string | null): void {
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i]!;
    emitMember(map[k], keyText(k), depth, w, i === 0 ? lead : null);
  }
}

/** One member: `key: scalar`, `key: []`, `key: {}`, or `key:`, a line break and the nested collection. */
function emitMember(v: unknown, k: KeyText, depth: number, w: Writer, lead: string | null): void {
  if (!isCollection(v)) {
    const text = scalar(v, indentOf(depth));
    if (lead === null) w.out.push(k.scalarLines[depth] ??= indentOf(depth) + k.text + ": ", text, "\n");
    else w.out.push(lead, k.text, ": ", text, "\n");
    return;
  }
  const texts = SHARED_TEXTS.get(v);
  if (texts !== undefined) {
    if (lead === null) w.out.push(k.nestedLines[depth] ??= indentOf(depth) + k.text + ":\n", indentOf(depth + 1), sharedText(v, texts, depth + 1));
    else w.out.push(lead, k.text, ":\n", indentOf(depth + 1), sharedText(v, texts, depth + 1));
    return;
  }
  let keys: string[] | null = null;
  if (Array.isArray(v) ? v.length === 0 : (keys = sortedKeys(v as Record<string, unknown>)).length === 0) {
    if (lead === null) w.out.push(indentOf(depth), k.text, Array.isArray(v) ? ": []\n" : ": {}\n");
    else w.out.push(lead, k.text, Array.isArray(v) ? ": []\n" : ": {}\n");
    return;
  }
  if (lead === null) w.out.push(k.nestedLines[depth] ??= indentOf(depth) + k.text + ":\n");
  else w.out.push(lead, k.text, ":\n");
  if (keys === null) emitList(v as readonly unknown[], depth + 1, w, null);
  else emitMap(v as Record<string, unknown>, keys, depth + 1, w, null);
}

function emitList(list: readonly unknown[], depth: number, w: Writer, lead: string | null): void {
  for (let i = 0; i < list.length; i++) {
    const item = list[i];
    const dash = i === 0 && lead !== null ? lead + "- " : dashOf(depth);
    if (!isCollection(item)) { w.out.push(dash, scalar(item, indentOf(depth)), "\n"); continue; }
    const texts = SHARED_TEXTS.get(item);
    if (texts !== undefined) { w.out.push(dash, sharedText(item, texts, depth + 1)); continue; }
    if (Array.isArray(item)) {
      if (item.length === 0) w.out.push(dash, "[]\n");
      else emitList(item, depth + 1, w, dash);
      continue;
    }
    const keys = sortedKeys(item as Record<string, unknown>);
    if (keys.length === 0) w.out.push(dash, "{}\n");
    else emitMap(item as Record<string, unknown>, keys, depth + 1, w, dash);
  }
}

export function toYaml(value: unknown): string {
  if (!isCollection(value)) return scalar(value, "") + "\n";
  const w: Writer = { out: [] };
  if (Array.isArray(value)) {
    if (value.length === 0) return "[]\n";
    emitList(value, 0, w, null);
    return w.out.join("");
  }
  const keys = sortedKeys(value as Record<string, unknown>);
  if (keys.length === 0) return "{}\n";
  emitMap(value as Record<string, unknown>, keys, 0, w, null);
  return w.out.join("");
}

/** Several documents in one file, separated by `---`. */
export function toYamlStream(values: readonly unknown[]): string {
  return values.map((v) => toYaml(v)).join("---\n");
}

export function toJson(value: unknown): string {
  return JSON.stringify(canonicalize(value), null, 2) + "\n";
}

// For literalBlockText: a line ending in a blank, anywhere; indentation of spaces only.
const BLANK_ENDED_LINE = /[ \t]\n/;
/** NOT_LITERAL's characters below U+0080, taken from it (one definition of what a literal block refuses). */
const ASCII_NOT_LITERAL = Array.from({ length: 0x80 }, (_, c) => String.fromCharCode(c)).filter((c) => NOT_LITERAL.test(c));
const SPACES = /^ *$/;

/**
 * NOT_LITERAL.test(s), faster on a long ASCII text: a text whose UTF-8 length is its length
 * has no code unit from U+0080 up (each such unit takes 2 or more bytes), so only the ASCII
 * ones can be in it, and indexOf finds each (a memchr) faster than the class scans the text.
 */
function hasNotLiteral(s: string): boolean {
  if (Buffer.byteLength(s, "utf8") !== s.length) return NOT_LITERAL.test(s);
  for (let i = 0; i < ASCII_NOT_LITERAL.length; i++) if (s.includes(ASCII_NOT_LITERAL[i]!)) return true;
  return false;
}

/**
 * literalBlock(s, indent) in fewer, cheaper passes over a long text: what toYaml writes for a
 * multi-line string member at the depth of `indent` when that is a literal block, else null
 * (toYaml quotes it). A sidecar ConfigMap carries its proxy's whole config, ~25 KB of Envoy
 * YAML each (targets/kubernetes/manifest-text.ts writes those blocks with this, the rest of
 * the object with toYaml). The usual text (one final line break, no empty line, no line ending
 * in a blank, not starting with a space or a line break, so neither an indentation indicator
 * nor a chomping one): under those conditions refusesLiteral is NOT_LITERAL.test alone, done
 * by hasNotLiteral; its lines are then indented as literalBlock's own fast case does. Any other
 * text, or an indentation of anything but spaces (replaceAll reads `$` in its replacement),
 * goes to literalBlock itself. test/kubernetes/literal-block.test.ts compares with toYaml.
 */
export function literalBlockText(s: string, indent: string): string | null {
  const n = s.length;
  const first = n === 0 ? 10 : s.charCodeAt(0);
  if (n < 2 || s.charCodeAt(n - 1) !== 10 || first === 32 || first === 10 || !SPACES.test(indent) || s.includes("\n\n") || BLANK_ENDED_LINE.test(s)) {
    return literalBlock(s, indent);
  }
  if (hasNotLiteral(s)) return null;
  const inner = indent + "  ";
  return `|\n${inner}` + s.slice(0, -1).replaceAll("\n", `\n${inner}`);
}
