// encodeWord escapes a quoted word's `\`, `"` and `$` in one pass; the text must be what
// the three passes gave (backslash first, then quote, then dollar), for text and format words.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { encodeWord, expr, formatWord, literal, textWord } from "../../targets/haproxy/words.ts";

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

test.run();
