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

/** The keys JSON would keep (the manifest is written from its JSON form). */
function keysOf(table: Table): string[] {
  const keys: string[] = [];
  for (const key of Object.keys(table)) {
    if (table[key] === undefined) continue;
    if (!BARE_KEY.test(key) || key === "__proto__") throw new Unsupported();
    keys.push(key);
  }
  return keys;
}

function scalar(value: unknown): string {
  if (typeof value === "string") {
    if (!PLAIN_STRING.test(value)) throw new Unsupported();
    return `"${value}"`;
  }
  if (typeof value === "number" && Number.isSafeInteger(value) && value >= 0) return String(value).replace(/\B(?=(\d{3})+(?!\d))/g, "_");
  throw new Unsupported();
}

function inline(value: unknown): string {
  if (!Array.isArray(value)) return scalar(value);
  const items = value.map(scalar);
  const joined = items.join(", ");
  if (joined.length > 60) return `[\n  ${items.join(",\n  ")}\n]`;
  return items.length > 0 ? `[ ${joined} ]` : "[ ]";
}

/** Written inline (`key = value`) rather than as a [table] or [[list of tables]]. */
function isInline(value: unknown): boolean {
  if (Array.isArray(value)) {
    if (value.length === 0) return true;
    if (isTable(value[0])) {
      if (!value.every(isTable)) throw new Unsupported();
      return false;
    }
    return true;
  }
  if (isTable(value)) {
    if (keysOf(value).length === 0) throw new Unsupported(); // @iarna/toml writes `{ }` inline
    return false;
  }
  return true;
}

function writeTable(prefix: string, indent: string, table: Table): string {
  const keys = keysOf(table);
  const lines: string[] = [];
  const complex: string[] = [];
  for (const key of keys) {
    if (isInline(table[key])) lines.push(`${indent}${key} = ${inline(table[key])}`);
    else complex.push(key);
  }
  const inlineCount = lines.length;
  if (inlineCount > 0) lines.push("");
  const complexIndent = prefix && inlineCount > 0 ? `${indent}  ` : "";
  for (const key of complex) {
    const value = table[key];
    const fullKey = prefix + key;
    if (Array.isArray(value)) {
      let text = "";
      for (const item of value as Table[]) {
        if (text.length > 0) text += "\n";
        text += `${complexIndent}[[${fullKey}]]\n${writeTable(`${fullKey}.`, complexIndent, item)}`;
      }
      lines.push(text);
    } else {
      const inner = value as Table;
      const header = keysOf(inner).some((k) => isInline(inner[k])) ? `${complexIndent}[${fullKey}]\n` : "";
      lines.push(header + writeTable(`${fullKey}.`, complexIndent, inner));
    }
  }
  return lines.join("\n");
}

/** The TOML text of `value` as @iarna/toml writes its JSON form, or null when it holds something this writer leaves to the library. */
export function writePlainToml(value: Table): string | null {
  try {
    return writeTable("", "", value);
  } catch (error) {
    if (error instanceof Unsupported) return null;
    throw error;
  }
}
