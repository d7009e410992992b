// The limits walk asks mayHaveBadCharacters of every string and key, with one regular
// expression without Unicode mode: it must answer as the checked set does (FORBIDDEN with
// `u`, or a TAB) for every UTF-16 code unit, lone surrogates and pairs included.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { mayHaveBadCharacters } from "../../compiler/analyze/characters.ts";

const FORBIDDEN = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]/u;
const reference = (text: string) => FORBIDDEN.test(text) || text.includes("\t");

test("answers as the forbidden set or a TAB for every code unit, alone and inside text", () => {
  const wrong: number[] = [];
  for (let c = 0; c < 0x10000; c++) {
    const ch = String.fromCharCode(c);
    if (mayHaveBadCharacters(ch) !== reference(ch) || mayHaveBadCharacters(`a${ch}b`) !== reference(`a${ch}b`)) wrong.push(c);
  }
  assert.equal(wrong, []);
  for (const text of ["😀", "x\ud83d\ude00y", "\ud83d", "\ude00", "\u2066x", "\t", "plain"]) assert.is(mayHaveBadCharacters(text), reference(text), JSON.stringify(text));
  assert.ok(mayHaveBadCharacters("a\tb") && mayHaveBadCharacters("\u202e") && !mayHaveBadCharacters("svc-1"));
});

test.run();
