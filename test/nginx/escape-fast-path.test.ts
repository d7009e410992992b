// renderNginxValue answers most literals with one regex test (nothing unsafe, no `$`,
// nothing to escape); the rest take the checked path. Both must print the same token and
// refuse the same values as the original three-step path (refuse unsafe and `$`, then
// escape `\` and then `"`), written out here as the reference.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { literal, regex, renderNginxValue, template } from "../../targets/nginx/escape.ts";

const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069\u200b-\u200f\ufeff]/u;
function reference(text: string): string {
  if (UNSAFE.test(text) || text.includes("$")) return "refused";
  return `"${text.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
}
function rendered(text: string): string {
  try { return renderNginxValue(literal(text)); } catch { return "refused"; }
}

test("every literal prints (or is refused) as the three-step reference does", () => {
  const pieces = ["a", "/", " ", "\\", '"', "$", "{", ";", "#", "é", "€", "😀", "\ud800", "\u0000", "\t", "\n", "\u007f", "\u0085", "\u009f", "\u00a0",
    "\u200b", "\u200f", "\u2028", "\u2029", "\u202a", "\u202e", "\u2066", "\u2069", "\ufeff", "\u2030", "'", "%"];
  let seed = 9;
  const random = (n: number) => { seed = (seed * 1103515245 + 12345) % 2147483648; return (seed >>> 16) % n; };
  const outcomes = new Set<string>();
  for (let run = 0; run < 5000; run++) {
    const text = Array.from({ length: random(8) }, () => pieces[random(pieces.length)]).join("");
    const want = reference(text);
    assert.is(rendered(text), want, JSON.stringify(text));
    outcomes.add(want === "refused" ? "refused" : want === `"${text}"` ? "plain" : "escaped");
  }
  for (const piece of pieces) assert.is(rendered(piece), reference(piece), JSON.stringify(piece));
  assert.equal([...outcomes].sort(), ["escaped", "plain", "refused"]);
});

test("regex and template values print as before: parts joined in order, then quoted", () => {
  const tokens = (v: Parameters<typeof renderNginxValue>[0]) => { try { return renderNginxValue(v); } catch { return "refused"; } };
  assert.is(tokens(regex("^/a\\.b\"$")), '"~^/a\\\\.b\\"$"');
  assert.is(tokens(regex("", "")), '""');
  assert.is(tokens(template({ text: 'a"b' }, { variable: "host" }, { capture: 1 }, { text: "\\" })), '"a\\"b${host}$1\\\\"');
  assert.is(tokens(template()), '""');
  assert.is(tokens(template({ text: "x$" })), "refused");
  assert.is(tokens(template({ variable: "Bad-Name" })), "refused");
  assert.is(tokens(template({ capture: 10 })), "refused");
});

test.run();
