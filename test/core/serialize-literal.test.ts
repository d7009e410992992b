// refusesLiteral (compiler/serialize.ts) decides in one scan what two whole-text scans decided:
// whether a multi-line text cannot be written as a literal block. It must answer as those two
// do for every text, or a text would be written as a block that reads back as something else
// (or quoted where it was a block before: other bytes). The two scans are restated here as
// the reference, and the answers compared on every UTF-16 code unit in every position that
// matters and on random texts of the characters either scan looks at.
import { test } from "uvu";
import * as assert from "uvu/assert";
import YAML from "yaml";
import { refusesLiteral, toYaml } from "../../compiler/serialize.ts";

// The serializer's two checks as they stood before the one-scan test (the definition).
const NOT_LITERAL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\ufeff]/;
const BLANK_LINE = /(?:^|\n)[ \t]+(?:\n|$)|^\n+$/;
const reference = (s: string) => NOT_LITERAL.test(s) || BLANK_LINE.test(s);

function same(s: string): void {
  assert.is(refusesLiteral(s), reference(s), JSON.stringify(s));
}

test("every UTF-16 code unit, alone and at the start, middle and end of lines", () => {
  for (let c = 0; c < 0x10000; c++) {
    const ch = String.fromCharCode(c);
    for (const s of [ch, `${ch}\n`, `\n${ch}`, `a\n${ch}\nb`, `a${ch}\nb`, `a\nb${ch}`, `${ch}${ch}\n${ch}`, ` ${ch}`, `${ch} `, `${ch}\t\n`]) same(s);
  }
});

test("random texts of blanks, line breaks, refused and plain characters", () => {
  const alphabet = [" ", "\t", "\n", "\n", "a", "b", ":", "-", "\r", "\u007f", "\u0085", "\u2028", "\ufeff", "\u0000", "\u000b", "é"];
  let seed = 0x9e3779b9;
  const next = () => { seed = (Math.imul(seed ^ (seed >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0; return seed; };
  for (let i = 0; i < 60_000; i++) {
    let s = "";
    const length = next() % 12;
    for (let j = 0; j < length; j++) s += alphabet[next() % alphabet.length];
    same(s);
  }
});

test("the texts it is made for: long configs without a blank line end, and the edge cases", () => {
  const config = toYaml({ static_resources: { listeners: Array.from({ length: 50 }, (_, i) => ({ name: `l${i}`, port: i, tags: ["a b", "c"] })) } });
  for (const s of [config, `${config}\n`, `${config} `, `${config}\n \n`, `${config}\u0085`, `\n${config}`, "\n", "\n\n", "", " ", "a \nb", "a\n\t", "a\n\n"]) same(s);
  // And such a config is written as a literal block that reads back as itself.
  const text = toYaml({ data: { "envoy.yaml": config } });
  assert.ok(text.startsWith("data:\n  envoy.yaml: |\n"), text.slice(0, 80));
  assert.is(YAML.parse(text).data["envoy.yaml"], config);
});

test.run();
