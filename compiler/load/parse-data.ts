// Parsing a data config (YAML, JSON, TOML) to a plain value, or a syntax error with its
// line and column. Used for the root file and for each module file it lists.
import TOML from "@iarna/toml";
import YAML from "yaml";

export type DataFormat = "yaml" | "json" | "toml";

export type Parsed = { value: unknown } | { error: string; line: number; column: number };

/**
 * JSON.parse names no line (and for short inputs no offset either); the YAML parser reads
 * JSON too and has positions, so it places the error when it also rejects the text.
 */
function parseJson(text: string): Parsed {
  try {
    return { value: JSON.parse(text) };
  } catch (error) {
    const message = (error as Error).message.split("\n")[0]!;
    const doc = YAML.parseDocument(text, { prettyErrors: true, uniqueKeys: true });
    const pos = doc.errors[0]?.linePos?.[0];
    if (pos) return { error: message, line: pos.line, column: pos.col };
    const offset = /position (\d+)/.exec(message);
    if (!offset) return { error: message, line: 0, column: 0 };
    const before = text.slice(0, Number(offset[1])).split(/\r?\n/);
    return { error: message, line: before.length, column: before[before.length - 1]!.length + 1 };
  }
}

export function parseData(format: DataFormat, text: string): Parsed {
  try {
    if (format === "json") return parseJson(text);
    if (format === "toml") return { value: JSON.parse(JSON.stringify(TOML.parse(text))) };
    const doc = YAML.parseDocument(text, { prettyErrors: true, uniqueKeys: true });
    if (doc.errors.length > 0) {
      const e = doc.errors[0]!;
      return { error: e.message.split("\n")[0]!, line: e.linePos?.[0]?.line ?? 0, column: e.linePos?.[0]?.col ?? 0 };
    }
    return { value: doc.toJS() };
  } catch (error) {
    const e = error as { message?: string; line?: number; col?: number; column?: number };
    const m = /line (\d+)(?:,? column (\d+))?/i.exec(e.message ?? "") ?? /position (\d+)/.exec(e.message ?? "");
    const line = e.line !== undefined ? e.line + 1 : m && m[2] ? Number(m[1]) : 0;
    const column = e.col !== undefined ? e.col + 1 : m && m[2] ? Number(m[2]) : 0;
    return { error: (e.message ?? String(error)).split("\n")[0]!, line, column };
  }
}
