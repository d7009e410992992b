// HAProxy's line limits at their edges: the cheap length pre-check (most lines skip the
// byte and word counts) must never hide a line over 2047 bytes or 64 words.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { checkLineLimits, countWords, MAX_LINE_BYTES, MAX_LINE_WORDS } from "../../targets/haproxy/limits.ts";

const codes = (line: string) => checkLineLimits("haproxy/x.cfg", `global\n${line}\n`).map((d) => `${d.code}@${d.line}`);
const SHORT = 2 * MAX_LINE_WORDS;
const words = (n: number) => Array.from({ length: n }, () => "a").join(" ");

test("65 one-letter words (129 characters) are too many; 64 are not", () => {
  assert.is(words(MAX_LINE_WORDS + 1).length, 129);
  assert.equal(codes(words(MAX_LINE_WORDS + 1)), ["MESH3202@2"]);
  assert.equal(codes(words(MAX_LINE_WORDS)), []);
});

test("tabs separate words as spaces do: 65 words with tabs, or mixed blanks, are too many", () => {
  const split = (n: number, blank: (i: number) => string) => Array.from({ length: n }, (_, i) => `a${i === n - 1 ? "" : blank(i)}`).join("");
  assert.equal(codes(split(MAX_LINE_WORDS + 1, () => "\t")), ["MESH3202@2"]);
  assert.equal(codes(split(MAX_LINE_WORDS + 1, (i) => (i % 2 ? "\t" : " "))), ["MESH3202@2"]);
  assert.equal(codes(split(MAX_LINE_WORDS, () => "\t")), []);
});

test("683 three-byte characters (2,049 bytes) are too long; 682 (2,046 bytes) are not", () => {
  assert.equal(codes("€".repeat(683)), ["MESH3201@2"]);
  assert.equal(codes("€".repeat(Math.floor(MAX_LINE_BYTES / 3))), []);
  assert.equal(codes("x".repeat(MAX_LINE_BYTES + 1)), ["MESH3201@2"]);
  assert.equal(codes("x".repeat(MAX_LINE_BYTES)), []);
});

// The scan counts only lines longer than SHORT_LINE; a reference counting every line must find the same lines.
function referenceCodes(text: string): string[] {
  return text.split("\n").flatMap((line, i) => [
    ...(Buffer.byteLength(line, "utf8") > MAX_LINE_BYTES ? [`MESH3201@${i + 1}`] : []),
    ...(countWords(line) > MAX_LINE_WORDS ? [`MESH3202@${i + 1}`] : []),
  ]);
}

test("the scan finds every long line a line-by-line scan finds, at the same line", () => {
  let seed = 14;
  const random = (n: number) => { seed = (seed * 1103515245 + 12345) % 2147483648; return (seed >>> 16) % n; };
  const pieces = ["a", " ", "\t", "\"x y\"", "'q r'", "\\ ", "#c", "€", "\n", "\n", "\n"];
  let long = 0;
  for (let run = 0; run < 400; run++) {
    const lines = Array.from({ length: 1 + random(40) }, () => {
      const kind = random(10);
      if (kind === 0) return words(MAX_LINE_WORDS + random(3));
      if (kind === 1) return "x".repeat(MAX_LINE_BYTES - 1 + random(4));
      if (kind === 2) return "€".repeat(680 + random(5));
      return Array.from({ length: random(kind === 3 ? 400 : 60) }, () => pieces[random(pieces.length)]).join("");
    });
    const text = lines.join("\n") + (random(2) === 0 ? "\n" : "");
    const got = checkLineLimits("haproxy/x.cfg", text).map((d) => `${d.code}@${d.line}`);
    assert.equal(got, referenceCodes(text), text.slice(0, 200));
    long += got.length;
  }
  assert.ok(long > 100, `only ${long} long lines: the generator no longer exercises the limits`);
});

test("a long line at the very start or end of the text, and after a run of short lines", () => {
  const long = words(MAX_LINE_WORDS + 1);
  assert.equal(checkLineLimits("f", long).map((d) => `${d.code}@${d.line}`), ["MESH3202@1"]);
  const text = [...Array.from({ length: 50 }, (_, i) => "s".repeat(i % 129)), long, "t", long].join("\n");
  assert.equal(checkLineLimits("f", text).map((d) => `${d.code}@${d.line}`), ["MESH3202@51", "MESH3202@53"]);
  assert.equal(checkLineLimits("f", "x".repeat(SHORT) + "\n" + "x".repeat(SHORT)), []);
});

test.run();
