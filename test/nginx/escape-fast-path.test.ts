// renderNginxValue answers most literals, regexes and template texts with one regex test
// each (nothing unsafe, no `$` where nginx expands, nothing to escape); the rest take the
// checked path. All must print the same token and refuse the same values as the original
// path (refuse unsafe and `$`, then escape `\` and then `"`), written out here as the reference.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { escapeRegexLiteral, literal, plainLiteralToken, regex, rendered as renderedAhead, renderNginxValue, template, type TemplatePart } from "../../targets/nginx/escape.ts";

const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069\u200b-\u200f\ufeff]/u;
const quoted = (text: string) => `"${text.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
function reference(text: string): string {
  if (UNSAFE.test(text) || text.includes("$")) return "refused";
  return quoted(text);
}
const PIECES = ["a", "/", " ", "\\", '"', "$", "{", ";", "#", "é", "€", "😀", "\ud800", "\u0000", "\t", "\n", "\u007f", "\u0085", "\u009f", "\u00a0",
  "\u200b", "\u200f", "\u2028", "\u2029", "\u202a", "\u202e", "\u2066", "\u2069", "\ufeff", "\u2030", "'", "%"];
function rendered(text: string): string {
  try { return renderNginxValue(literal(text)); } catch { return "refused"; }
}

test("every literal prints (or is refused) as the three-step reference does", () => {
  const pieces = PIECES;
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

test("random regexes and templates print (or are refused) as the reference does", () => {
  const tokens = (v: Parameters<typeof renderNginxValue>[0]) => { try { return renderNginxValue(v); } catch { return "refused"; } };
  let seed = 21;
  const random = (n: number) => { seed = (seed * 1103515245 + 12345) % 2147483648; return (seed >>> 16) % n; };
  const text = () => Array.from({ length: random(6) }, () => PIECES[random(PIECES.length)]).join("");
  const outcomes = new Set<string>();
  for (let run = 0; run < 5000; run++) {
    // A regex: only unsafe characters are refused (`$` is fine), the rest escaped.
    const pattern = text();
    const prefix = random(2) === 0 ? "" : "~";
    const wantRegex = UNSAFE.test(pattern) ? "refused" : quoted(prefix + pattern);
    assert.is(tokens(regex(pattern, prefix)), wantRegex, JSON.stringify(pattern));
    outcomes.add(wantRegex === "refused" ? "regex refused" : wantRegex === `"${prefix}${pattern}"` ? "regex plain" : "regex escaped");
    // A template: each text part refused as a literal would be; variables and captures as meshc writes them.
    const parts: TemplatePart[] = Array.from({ length: random(4) }, () => {
      const kind = random(6);
      return kind < 3 ? { text: text() } : kind < 5 ? { variable: ["host", "uri", "meshc_a1", "Bad-Name"][random(4)]! } : { capture: random(11) };
    });
    const refused = parts.some((p) => ("text" in p && reference(p.text) === "refused") || ("variable" in p && p.variable === "Bad-Name") || ("capture" in p && (p.capture < 1 || p.capture > 9)));
    const joined = parts.map((p) => ("text" in p ? p.text : "variable" in p ? `\${${p.variable}}` : `$${p.capture}`)).join("");
    const wantTemplate = refused ? "refused" : quoted(joined);
    assert.is(tokens(template(...parts)), wantTemplate, JSON.stringify(parts));
    // Rendered ahead (a shared value): the same token, or the value itself when refused.
    const ahead = renderedAhead(template(...parts));
    assert.is(tokens(ahead), wantTemplate);
    assert.is(ahead.kind, refused ? "template" : "rendered");
    outcomes.add(wantTemplate === "refused" ? "template refused" : wantTemplate === `"${joined}"` ? "template plain" : "template escaped");
  }
  assert.is(outcomes.size, 6, [...outcomes].join(", "));
});

test("escapeRegexLiteral puts one backslash before each PCRE metacharacter, whatever surrounds it", () => {
  const reference = (text: string) => text.replace(/[\\^$.|?*+()[\]{}]/g, (c) => "\\" + c);
  const chars = [...Array.from({ length: 128 }, (_, i) => String.fromCharCode(i)), ...PIECES];
  for (const a of chars) for (const b of ["", "x", ".", "$&", "$1"]) assert.is(escapeRegexLiteral(a + b + a), reference(a + b + a), JSON.stringify(a + b));
  assert.is(escapeRegexLiteral("spiffe://bench.example.com/ns/a-b/sa/svc-1"), "spiffe://bench\\.example\\.com/ns/a-b/sa/svc-1");
});

test("plainLiteralToken is the literal's token exactly when the text needs neither refusal nor escaping", () => {
  for (const a of PIECES) for (const b of PIECES) {
    const text = `x${a}${b}`;
    const token = plainLiteralToken(text);
    if (token !== null) assert.is(token.text, rendered(text));
    else assert.ok(rendered(text) === "refused" || rendered(text) !== `"${text}"`, text);
  }
  assert.is(plainLiteralToken("/etc/meshc/certs/a/cert.pem")?.text, '"/etc/meshc/certs/a/cert.pem"');
});

test.run();
