// encodeWord escapes a quoted word's `\`, `"` and `$` in one pass; the text must be what
// the three passes gave (backslash first, then quote, then dollar), for text and format words.
// acceptedText (the builders' check) answers plain words with one regex test: it must accept
// exactly what encodeWord accepts, with the same text.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { acceptedText, encodeWord, expr, formatWord, intWord, literal, nameWord, textWord, tokenWord, type Word } from "../../targets/haproxy/words.ts";

const threePasses = (v: string) => v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\$/g, "\\$");

test("quoted words escape as the three passes did", () => {
  const pieces = ["a", "\\", '"', "$", "%", " ", "é", "\\\\", '\\"', "$$", "{", "#"];
  let seed = 3;
  const random = (n: number) => { seed = (seed * 1103515245 + 12345) % 2147483648; return (seed >>> 16) % n; };
  for (let run = 0; run < 3000; run++) {
    const v = Array.from({ length: random(9) }, () => pieces[random(pieces.length)]).join("");
    assert.equal(encodeWord(textWord(v)), { ok: true, text: `"${threePasses(v)}"` }, JSON.stringify(v));
    const escaped = threePasses(v);
    assert.equal(encodeWord(formatWord(literal(v), expr("%[src]"))), { ok: true, text: `"${escaped.replace(/%/g, "%%")}%[src]"` }, JSON.stringify(v));
  }
});

test("acceptedText accepts what encodeWord accepts, with its text, for every kind of word", () => {
  const pieces = ["a", "Z", "0", "-", "_", ".", ":", "/", " ", "\\", '"', "$", "%", "#", "é", "\t", "\n", "\u0000", "\u007f", "\u0085", "\u00a0",
    "\u200e", "\u2028", "\u202a", "\u2066", "\ufeff", "\u200b", "😀"];
  let seed = 5;
  const random = (n: number) => { seed = (seed * 1103515245 + 12345) % 2147483648; return (seed >>> 16) % n; };
  const outcomes = new Set<string>();
  for (let run = 0; run < 6000; run++) {
    const v = Array.from({ length: random(7) }, () => pieces[random(pieces.length)]).join("");
    const words: Word[] = [nameWord(v), tokenWord(v), textWord(v), formatWord(literal(v), expr("%[src]")), intWord(random(5) - 2), { word: "checked", text: v }];
    for (const word of words) {
      const encoded = encodeWord(word);
      const text = acceptedText(word);
      assert.is(text, encoded.ok ? encoded.text : null, JSON.stringify(word));
      outcomes.add(`${word.word} ${encoded.ok ? (word.word === "text" && text === `"${v}"` ? "plain" : "ok") : "refused"}`);
    }
  }
  for (const outcome of ["name refused", "name ok", "token ok", "token refused", "text plain", "text ok", "text refused"]) assert.ok(outcomes.has(outcome), outcome);
});

test.run();
