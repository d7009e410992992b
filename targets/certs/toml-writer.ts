// certs/manifest.toml's writer: the text @iarna/toml's stringify gives, for the values a
// manifest holds (plain strings, integers, lists of them, tables, lists of tables), written
// in one pass; anything else (a string needing an escape or quotes, a float, null, a key
// needing quotes, an empty table) returns null and the caller uses @iarna/toml itself.
// Measured reason: the library's stringify was 90-150 ms of a 1,000-service compile (1 s at
// 10,000): seven regex replaces per string, a filtered key list twice per table, a copy of
// every object. test/certs/toml-writer.test.ts compares both on examples and random manifests.

/** A string @iarna/toml writes as "text" unchanged: no escape, no quote, no control character. */
const PLAIN_STRING = /^[^"\\\u0000-\u001f\u007f]*$/;
const BARE_KEY = /^[-A-Za-z0-9_]+$/;

class Unsupported extends Error {}

type Table = Record<string, unknown>;

const isTable = (v: unknown): v is Table => typeof v === "object" && v !== null && !Array.isArray(v) && Object.getPrototypeOf(v) === Object.prototype;

/** Keys already found bare: a manifest repeats the same few keys in every table. Bounded. */
const bareKeys = new Set<string>();

function checkKey(key: string): void {
  if (bareKeys.has(key)) return;
  if (!BARE_KEY.test(key) || key === "__proto__") throw new Unsupported();
  if (bareKeys.size >= 1024) bareKeys.clear();
  bareKeys.add(key);
}

function scalar(value: unknown): string {
  if (typeof value === "string") {
    if (!PLAIN_STRING.test(value)) throw new Unsupported();
    return `"${value}"`;
  }
  if (typeof value === "number" && Number.isSafeInteger(value) && value >= 0) {
    return value < 1000 ? String(value) : String(value).replace(/\B(?=(\d{3})+(?!\d))/g, "_");
  }
  throw new Unsupported();
}

/** A list of scalars: on one line, or one item a line when that line would pass 60 characters. */
function list(items: unknown[]): string {
  const n = items.length;
  if (n === 0) return "[ ]";
  const texts = new Array<string>(n);
  let length = 2 * (n - 1);
  for (let i = 0; i < n; i++) {
    const text = scalar(items[i]);
    texts[i] = text;
    length += text.length;
  }
  return length > 60 ? `[\n  ${texts.join(",\n  ")}\n]` : `[ ${texts.join(", ")} ]`;
}

/** Written inline (`key = value`) rather than as a [table] or [[list of tables]]. */
function isInline(value: unknown): boolean {
  if (Array.isArray(value)) {
    if (value.length === 0 || !isTable(value[0])) return true;
    for (let i = 1; i < value.length; i++) if (!isTable(value[i])) throw new Unsupported();
    return false;
  }
  return !isTable(value);
}

/**
 * Appends the text of `table` to `out`: its inline keys a line each (after `header`, written
 * only when there is one), a blank line, then its tables and lists of tables, "\n" between.
 * `nonEmpty`: a table with no key is written inline (`{ }`) by the library, so declined.
 */
function writeTable(out: string[], prefix: string, indent: string, table: Table, header: string, nonEmpty: boolean, rows: RowWriters | null): void {
  let complex: string[] | null = null;
  let inlineCount = 0;
  let count = 0;
  for (const key of Object.keys(table)) {
    const value = table[key];
    if (value === undefined) continue;
    checkKey(key);
    count++;
    if (!isInline(value)) {
      (complex ??= []).push(key);
      continue;
    }
    if (inlineCount++ === 0 && header !== "") out.push(header);
    if (typeof value === "string") {
      if (!PLAIN_STRING.test(value)) throw new Unsupported();
      out.push(indent, key, ' = "', value, '"\n');
    } else {
      out.push(indent, key, " = ", Array.isArray(value) ? list(value) : scalar(value), "\n");
    }
  }
  if (count === 0 && nonEmpty) throw new Unsupported();
  if (complex === null) return;
  const complexIndent = prefix && inlineCount > 0 ? `${indent}  ` : "";
  let separator = inlineCount > 0 ? "\n" : "";
  for (const key of complex) {
    const value = table[key];
    const fullKey = prefix + key;
    const childPrefix = `${fullKey}.`;
    out.push(separator);
    separator = "\n";
    if (Array.isArray(value)) {
      const head = `${complexIndent}[[${fullKey}]]\n`;
      const row = rows?.get(fullKey);
      for (let i = 0; i < value.length; i++) {
        if (i > 0) out.push("\n");
        out.push(head);
        const text = row === undefined ? null : row(value[i] as Table);
        if (text !== null) out.push(text);
        else writeTable(out, childPrefix, complexIndent, value[i] as Table, "", false, rows);
      }
    } else {
      writeTable(out, childPrefix, complexIndent, value as Table, `${complexIndent}[${fullKey}]\n`, true, rows);
    }
  }
}

/**
 * A writer of the tables of one list of tables (by its full key, `identities`): the text
 * writeTable gives for the table, or null to leave it to writeTable. For a list whose tables
 * all have one known shape (the manifest's identities: manifest-toml.ts), a template beats
 * the per-key walk.
 */
export type RowWriters = ReadonlyMap<string, (row: Table) => string | null>;

/** A string this writer writes as "text": what @iarna/toml writes unchanged (no escape, no quote, no control character). */
export function isPlainString(value: string): boolean {
  return PLAIN_STRING.test(value);
}

/** A list of strings as writeTable writes it (`[ "a", "b" ]`, or one a line past 60 characters), or null when an item is not a plain string. */
export function plainStringList(items: readonly unknown[]): string | null {
  const n = items.length;
  if (n === 0) return "[ ]";
  // list()'s measure: each item quoted, ", " between.
  let length = 4 * n - 2;
  for (let i = 0; i < n; i++) {
    const item = items[i];
    if (typeof item !== "string" || !PLAIN_STRING.test(item)) return null;
    length += item.length;
  }
  return length > 60 ? `[\n  "${items.join('",\n  "')}"\n]` : `[ "${items.join('", "')}" ]`;
}

/** The TOML text of `value` as @iarna/toml writes its JSON form, or null when it holds something this writer leaves to the library. */
export function writePlainToml(value: Table, rows: RowWriters | null = null): string | null {
  const out: string[] = [];
  try {
    writeTable(out, "", "", value, "", false, rows);
  } catch (error) {
    if (error instanceof Unsupported) return null;
    throw error;
  }
  return out.join("");
}
