// HAProxy's line limits at their edges: the cheap length pre-check (most lines skip the
// byte and word counts) must never hide a line over 2047 bytes or 64 words.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { checkLineLimits, MAX_LINE_BYTES, MAX_LINE_WORDS } from "../../targets/haproxy/limits.ts";

const codes = (line: string) => checkLineLimits("haproxy/x.cfg", `global\n${line}\n`).map((d) => `${d.code}@${d.line}`);
const words = (n: number) => Array.from({ length: n }, () => "a").join(" ");

test("65 one-letter words (129 characters) are too many; 64 are not", () => {
  assert.is(words(MAX_LINE_WORDS + 1).length, 129);
  assert.equal(codes(words(MAX_LINE_WORDS + 1)), ["MESH3202@2"]);
  assert.equal(codes(words(MAX_LINE_WORDS)), []);
});

test("683 three-byte characters (2,049 bytes) are too long; 682 (2,046 bytes) are not", () => {
  assert.equal(codes("€".repeat(683)), ["MESH3201@2"]);
  assert.equal(codes("€".repeat(Math.floor(MAX_LINE_BYTES / 3))), []);
  assert.equal(codes("x".repeat(MAX_LINE_BYTES + 1)), ["MESH3201@2"]);
  assert.equal(codes("x".repeat(MAX_LINE_BYTES)), []);
});

test.run();
