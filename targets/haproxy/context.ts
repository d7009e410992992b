// Collects diagnostics while the view is built: every user value is checked with
// `encodeWord` (the same function the template helper uses) where its IR origin is known.
import { diagnostic } from "../../compiler/diagnostics/define.ts";
import type { Diagnostic } from "../../compiler/diagnostics/types.ts";
import { haproxyCodes } from "./codes.ts";
import { RE2JS } from "re2js";
import { encodeWord, textWord, type Word } from "./words.ts";

export interface BuildContext {
  /** The bundle file being built, for diagnostics about it. */
  readonly file: string;
  readonly diagnostics: Diagnostic[];
  /** Returns the word unchanged after checking it; a rejection becomes a MESH3200 at `origin`. */
  check(word: Word, origin: string, field: string): Word;
  /** Checks the pattern compiles as RE2, then as a word. */
  checkRegex(pattern: string, origin: string, field: string): Word;
}

export function createBuildContext(file: string): BuildContext {
  const diagnostics: Diagnostic[] = [];
  return {
    file, diagnostics,
    check(word, origin, field) {
      const encoded = encodeWord(word);
      if (!encoded.ok) {
        diagnostics.push(diagnostic(haproxyCodes.valueRejected, {
          message: `${field}: ${encoded.reason}`, path: origin,
          hint: "Use characters HAProxy can carry; names must match [A-Za-z0-9_.:-].",
        }));
      }
      return word;
    },
    checkRegex(pattern, origin, field) {
      try {
        RE2JS.compile(pattern);
      } catch (error) {
        diagnostics.push(diagnostic(haproxyCodes.regexRejected, { message: `${field}: ${(error as Error).message}`, path: origin }));
      }
      return this.check(textWord(pattern), origin, field);
    },
  };
}
