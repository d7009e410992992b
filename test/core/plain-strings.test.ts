// A data-only mesh.config.ts whose JSON text shows no character the character check reports
// (and no escape that could make one) is loaded with `plainStrings`, and the limits walk then
// scans none of its strings (compiler/analyze/characters.ts jsonStringsAreClean). Sound: when
// it says clean, no string or key JSON.parse reads from the text is one the check could
// report; a hostile string, raw or escaped, still gets its diagnostic.
import { test } from "uvu";
import * as assert from "uvu/assert";
import fc from "fast-check";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { jsonStringsAreClean, mayHaveBadCharacters } from "../../compiler/analyze/characters.ts";
import { compileFile } from "../../compiler/compile.ts";
import { loadConfig } from "../../compiler/load/index.ts";
import { dataOnlyValue } from "../../compiler/load/typescript.ts";

/** Every string of a JSON value, keys included. */
function strings(value: unknown, out: string[] = []): string[] {
  if (typeof value === "string") out.push(value);
  else if (value !== null && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) {
      if (!Array.isArray(value)) out.push(k);
      strings(v, out);
    }
  }
  return out;
}
const anyBad = (json: string) => strings(JSON.parse(json)).some(mayHaveBadCharacters);

test("for every code unit, raw or escaped, in a value or a key: clean only when no string could be reported", () => {
  const wrong: string[] = [];
  for (let c = 0; c < 0x10000; c++) {
    const ch = String.fromCharCode(c);
    const texts = [JSON.stringify({ [`k${ch}`]: `a${ch}b` }), JSON.stringify([`a${ch}b`], null, "\t"), `{"a${ch}":"x"}`, `["x${ch}"]`, `["\\u${c.toString(16).padStart(4, "0")}"]`];
    for (const text of texts) {
      let parsed = true;
      try { JSON.parse(text); } catch { parsed = false; }
      if (parsed && jsonStringsAreClean(text) && anyBad(text)) wrong.push(JSON.stringify(text));
    }
    // A character the check does not forbid, raw in a string: clean.
    if (!mayHaveBadCharacters(ch) && ch !== '"' && ch !== "\\" && !(c >= 0xd800 && c <= 0xdfff) && !jsonStringsAreClean(`{"a${ch}":"b${ch}"}`)) wrong.push(`clean ${c.toString(16)}`);
  }
  assert.equal(wrong, []);
});

test("blanks between tokens are no strings; escapes other than \\\" \\\\ \\/ answer no", () => {
  assert.ok(jsonStringsAreClean('{\n\t"a": [\r\n  "b", 1, -0, true, null]\n}'));
  assert.ok(jsonStringsAreClean('["say \\"hi\\"", "a\\\\b", "a\\/b", "a\\\\nb", "\\\\"]'), "escaped quote, backslash, slash; a backslash before an n");
  for (const text of ['["a\\nb"]', '["a\\tb"]', '["a\\rb"]', '["a\\u2028"]', '["a\\u0041"]', '{"k\\u202e":1}', '["a\\\\\\nb"]', '["\\b"]', '["\\f"]']) {
    assert.not.ok(jsonStringsAreClean(text), text);
  }
  for (const text of ['["a\u2028b"]', '["a\u0085b"]', '{"k\u202e":1}', '["\ufeff"]', '["\u007f"]', '["a\u2066"]']) assert.not.ok(jsonStringsAreClean(text), JSON.stringify(text));
});

test("property: generated JSON with hostile characters, compact or indented: clean implies no string the check reports", () => {
  const alphabet = ["a", "-", "/", "\"", "\\", " ", "\t", "\n", "\r", "\u0000", "\u0085", "\u2028", "\u202e", "\ufeff", "é", "🙂", "\ud83d"];
  const text = fc.array(fc.constantFrom(...alphabet), { maxLength: 6 }).map((cs) => cs.join(""));
  const value = fc.letrec((tie) => ({
    node: fc.oneof({ depthSize: "small" }, text, fc.integer(), fc.array(tie("node"), { maxLength: 4 }), fc.dictionary(text, tie("node"), { maxKeys: 4 })),
  })).node;
  fc.assert(fc.property(value, fc.constantFrom(undefined, 2, "\t"), (v, indent) => {
    const json = JSON.stringify(v, null, indent);
    return !jsonStringsAreClean(json) || !anyBad(json);
  }), { numRuns: 5000 });
});

const dir = mkdtempSync(join(tmpdir(), "meshc-plain-strings-"));
const mesh = (extra: string) => `import { defineMesh } from "meshc";
export default defineMesh({"name":"p","trustDomain":"p.example.com","namespace":"p","services":{"web":{"ports":{"http":{"port":8080,"protocol":"http"}},"endpoints":["10.0.0.1"]},"api":{"ports":{"http":{"port":8080,"protocol":"http"}},"endpoints":["10.0.0.2"]}},
  "routes":[{"name":"web-api","from":"web","to":"api","match":{"path":{"prefix":"/"}}${extra}}]});
`;

test("a data-only config: plainStrings only when the text is clean; a hostile string is still reported, raw or escaped", async () => {
  const clean = join(dir, "clean.config.ts");
  writeFileSync(clean, mesh(""));
  assert.is((await loadConfig(clean, dir)).config?.plainStrings, true);
  assert.is(dataOnlyValue(mesh(""))?.plainStrings, true);
  const ok = await compileFile(clean, { cwd: dir, targets: ["certs"], typecheck: false });
  assert.equal(ok.diagnostics.filter((d) => d.severity === "error"), []);
  const hostile = [
    ',"requestHeaders":{"set":{"x-a":"a\\r\\nX-Inj: 1"}}', // escaped CR LF
    ',"requestHeaders":{"set":{"x-a":"a\u2028b"}}', // raw line separator
    ',"requestHeaders":{"set":{"x-\\u202eb":"a"}}', // escaped bidi override in a key
    ',"requestHeaders":{"set":{"x-a":"a\u0085b"}}', // raw NEL
  ];
  for (const [i, extra] of hostile.entries()) {
    const file = join(dir, `hostile${i}.config.ts`);
    writeFileSync(file, mesh(extra));
    const loaded = (await loadConfig(file, dir)).config!;
    assert.not.ok(loaded.plainStrings, extra);
    const r = await compileFile(file, { cwd: dir, targets: ["certs"], typecheck: false });
    assert.ok(r.diagnostics.some((d) => d.code === "MESH2012"), `${extra}: ${r.diagnostics.map((d) => d.code).join(",")}`);
  }
  // A TAB in a header value is allowed (escaped: JSON has no raw one in a string): scanned, not reported.
  const tab = join(dir, "tab.config.ts");
  writeFileSync(tab, mesh(',"requestHeaders":{"set":{"x-a":"a\\tb"}}'));
  assert.not.ok((await loadConfig(tab, dir)).config!.plainStrings);
  assert.not.ok((await compileFile(tab, { cwd: dir, targets: ["certs"], typecheck: false })).diagnostics.some((d) => d.code === "MESH2012"));
});

test.after(() => rmSync(dir, { recursive: true, force: true }));
test.run();
