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

export function checkLineLimits(file: string, text: string): Diagnostic[] {
  const found: Diagnostic[] = [];
  // Lines found by position, not split: only the few long ones become strings of their own.
  for (let start = 0, i = 0; start <= text.length; i++) {
    let end = text.indexOf("\n", start);
    if (end === -1) end = text.length;
    const length = end - start;
    // Short lines cannot break either limit (a UTF-16 unit is at most 3 UTF-8 bytes; a word
    // needs a character and a blank after it): most lines skip the counting.
    if (length * 3 > MAX_LINE_BYTES || length > 2 * MAX_LINE_WORDS) {
      const line = text.slice(start, end);
      const bytes = Buffer.byteLength(line, "utf8");
      if (bytes > MAX_LINE_BYTES) {
        found.push(diagnostic(haproxyCodes.lineTooLong, { message: `line ${i + 1} is ${bytes} bytes`, file, line: i + 1 }));
      }
      const words = countWords(line);
      if (words > MAX_LINE_WORDS) {
        found.push(diagnostic(haproxyCodes.tooManyWords, { message: `line ${i + 1} has ${words} words`, file, line: i + 1 }));
      }
    }
    start = end + 1;
  }
  return found;
}
