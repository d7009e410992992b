// Parsing a data config (YAML, JSON, TOML) to a plain value, or a syntax error with its
// line and column. Used for the root file and for each module file it lists.
import TOML from "@iarna/toml";
import YAML from "yaml";

export type DataFormat = "yaml" | "json" | "toml";

export type Parsed = { value: unknown } | { error: string; line: number; column: number };

export function parseData(format: DataFormat, text: string): Parsed {
  try {
    if (format === "json") return { value: JSON.parse(text) };
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
