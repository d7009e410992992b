// HAProxy reads at most 2048 bytes and 64 words a line; longer lines are cut or refused.
// Checked on the rendered text, where both are finally known.
import { diagnostic } from "../../compiler/diagnostics/define.ts";
import type { Diagnostic } from "../../compiler/diagnostics/types.ts";
import { haproxyCodes } from "./codes.ts";

export const MAX_LINE_BYTES = 2047;
export const MAX_LINE_WORDS = 64;

/** Counts words as HAProxy splits them: on blanks outside quotes, `\` escaping one character. */
export function countWords(line: string): number {
  let words = 0;
  let inWord = false;
  let quote: string | null = null;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c === "\\" && quote !== "'") { i++; if (!inWord) { inWord = true; words++; } continue; }
    if (quote) { if (c === quote) quote = null; continue; }
    if (c === " " || c === "\t") { inWord = false; continue; }
    if (c === "#") break;
    if (!inWord) { inWord = true; words++; }
    if (c === '"' || c === "'") quote = c;
  }
  return words;
}

/**
 * The longest line that can break neither limit: a word needs a character and a blank after
 * it, so 64 words take at least 129 characters, and a UTF-16 unit is at most 3 UTF-8 bytes,
 * so 2048 bytes take at least 683.
 */
const SHORT_LINE = Math.min(2 * MAX_LINE_WORDS, Math.floor(MAX_LINE_BYTES / 3));

/** Whether `line` has at least `n` blanks: a word but the first starts after one, so fewer cannot make more than `n` words. */
function hasBlanks(line: string, n: number): boolean {
  let count = 0;
  for (const blank of [" ", "\t"]) {
    for (let i = line.indexOf(blank); i !== -1; i = line.indexOf(blank, i + 1)) if (++count >= n) return true;
  }
  return false;
}

export function checkLineLimits(file: string, text: string): Diagnostic[] {
  const found: Diagnostic[] = [];
  // Line numbers are counted only for a diagnostic, from the last one counted (lines are skipped uncounted).
  let counted = 0;
  let line = 1;
  const lineAt = (start: number) => {
    for (let i = text.indexOf("\n", counted); i !== -1 && i < start; i = text.indexOf("\n", i + 1)) line++;
    counted = start;
    return line;
  };
  // Most lines are short, and only a long one is counted. Every line that ends at or before
  // the last newline within SHORT_LINE characters of `start` is short, so the scan jumps past
  // that newline, several lines at a time, instead of finding each line's end (measured: a
  // quarter of the time of a line-by-line scan on the 1,000-service bench's configs).
  for (let start = 0; start + SHORT_LINE < text.length;) {
    const last = text.lastIndexOf("\n", start + SHORT_LINE);
    if (last >= start) { start = last + 1; continue; }
    // No newline among the next SHORT_LINE + 1 characters: a long line, checked as before.
    let end = text.indexOf("\n", start);
    if (end === -1) end = text.length;
    const long = text.slice(start, end);
    // The counts only where they can break a limit: the bench's long lines (log formats, binds) have a few dozen blanks.
    const bytes = long.length * 3 > MAX_LINE_BYTES ? Buffer.byteLength(long, "utf8") : 0;
    const words = hasBlanks(long, MAX_LINE_WORDS) ? countWords(long) : 0;
    if (bytes > MAX_LINE_BYTES || words > MAX_LINE_WORDS) {
      const at = lineAt(start);
      if (bytes > MAX_LINE_BYTES) found.push(diagnostic(haproxyCodes.lineTooLong, { message: `line ${at} is ${bytes} bytes`, file, line: at }));
      if (words > MAX_LINE_WORDS) found.push(diagnostic(haproxyCodes.tooManyWords, { message: `line ${at} has ${words} words`, file, line: at }));
    }
    start = end + 1;
  }
  return found;
}
