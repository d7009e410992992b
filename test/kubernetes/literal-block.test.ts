// A sidecar ConfigMap's long texts (its proxy's config) are written as literal blocks by
// literalBlockText (compiler/serialize.ts) and spliced into the text of the rest of the object
// (targets/kubernetes/manifest-text.ts): both must give exactly what toYaml gives. Random texts
// made of lines (empty ones, ones ending in blanks, control characters, C1 controls, Unicode
// line breaks, a BOM, non-ASCII, YAML indicators), at random depths, against toYaml; then
// ConfigMaps with such texts, hostile keys and the splice's own markers, against toYaml.
import fc from "fast-check";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { generateMesh } from "../../bench/generate.ts";
import { compileLoaded } from "../../compiler/compile.ts";
import { configFromValue } from "../../compiler/testing.ts";
import { literalBlockText, toYaml } from "../../compiler/serialize.ts";
import { envoy } from "../../targets/envoy/index.ts";
import { blockText, manifestText } from "../../targets/kubernetes/manifest-text.ts";

/** What toYaml writes for `s` as a map member's value at `depth`. */
function scalarAt(s: string, depth: number): string {
  let object: Record<string, unknown> = { k: s };
  let prefix = `${"  ".repeat(depth)}k: `;
  for (let d = depth - 1; d >= 0; d--) {
    object = { a: object };
    prefix = `${"  ".repeat(d)}a:\n${prefix}`;
  }
  const text = toYaml(object);
  assert.ok(text.startsWith(prefix) && text.endsWith("\n"), JSON.stringify(text));
  return text.slice(prefix.length, -1);
}

/** literalBlockText agrees with toYaml: its block when it gives one, and no block when it gives null. */
function check(s: string, depth: number): void {
  const expected = scalarAt(s, depth);
  const block = literalBlockText(s, "  ".repeat(depth));
  if (block === null) assert.not.ok(expected.startsWith("|"), `null, but toYaml writes a block for ${JSON.stringify(s)}`);
  else assert.is(block, expected, JSON.stringify(s));
}

const CHARS = ["a", "b", "Z", "0", " ", "\t", "-", ":", "#", "|", ">", "\"", "'", "$", "$&", "é", "€", "\u0000", "\u0001", "\u0008", "\u000b", "\u000d", "\u001b", "\u001f", "\u007f", "\u0080", "\u0085", "\u009f", "\u00a0", "\u2028", "\u2029", "\ufeff", "\ud83d\ude00", "\ud800"];
/** Mostly plain characters, sometimes anything of CHARS. */
const char = fc.oneof({ weight: 12, arbitrary: fc.constantFrom("a", "b", "x", "y", "1", ":", "-", "_", ".") }, { weight: 2, arbitrary: fc.constantFrom(" ", "\t") }, { weight: 1, arbitrary: fc.constantFrom(...CHARS) });
const line = fc.array(char, { maxLength: 12 }).map((cs) => cs.join(""));
/** Texts of lines; most end with one line break, as a config file does. */
const text = fc.tuple(fc.array(line, { minLength: 1, maxLength: 8 }), fc.constantFrom("", "\n", "\n", "\n", "\n\n")).map(([lines, end]) => lines.join("\n") + end);

test("literalBlockText gives toYaml's block, or null where toYaml writes none, for random texts at random depths", () => {
  fc.assert(fc.property(text, fc.integer({ min: 0, max: 5 }), (s, depth) => { check(s, depth); }), { numRuns: 20_000 });
});

test("literalBlockText on edge texts: each control and line-break character alone in a config-like text", () => {
  for (let c = 0; c < 0x100; c++) for (const s of [`a: 1\nb${String.fromCharCode(c)}: 2\n`, `${String.fromCharCode(c)}x\ny\n`, `x\ny${String.fromCharCode(c)}\n`]) check(s, 1);
  for (const c of ["\u2028", "\u2029", "\ufeff", "\ud800", "\udfff", "\ud83d\ude00"]) check(`a\n${c}\n`, 2);
  for (const s of ["\n", "\n\n", " \n", "a\n", "a", "a\n\n", "a\n \n", "a \nb\n", "a\t\nb\n", " a\nb\n", "\na\n", "a\nb", "a\n\nb\n"]) for (let d = 0; d < 3; d++) check(s, d);
});

test("literalBlockText on the Envoy configs of a generated mesh: toYaml's blocks", async () => {
  const r = await compileLoaded(configFromValue(generateMesh(20, { pods: true })), { cwd: process.cwd(), verify: "none", targets: [] });
  const texts = envoy.emit(r.ir!).files.map((f) => f.content).filter((c) => c.length > 1024);
  assert.ok(texts.length >= 20);
  for (const s of texts) {
    assert.ok(literalBlockText(s, "  ") !== null, "a config is a block");
    check(s, 1);
  }
});

test("blockText (the sidecar ConfigMaps' one-pass block) is literalBlockText at depth 1: random texts, long ones, every ASCII and edge character", () => {
  const same = (s: string) => assert.is(blockText(s), literalBlockText(s, "  "), JSON.stringify(s));
  fc.assert(fc.property(text, (s) => { same(s); same(`${"config: line\n".repeat(90)}${s}`); same(`${s}${"config: line\n".repeat(90)}`); }), { numRuns: 20_000 });
  for (let c = 0; c < 0x100; c++) for (const s of [`a: 1\nb${String.fromCharCode(c)}: 2\n`, `${String.fromCharCode(c)}x\ny\n`, `x\ny${String.fromCharCode(c)}\n`, `x${String.fromCharCode(c)}\ny\n`]) same(s);
  for (const c of ["\u2028", "\u2029", "\ufeff", "\ud800", "\udfff", "\ud83d\ude00", "é"]) same(`a\n${c}\n`);
  for (const s of ["\n", "\n\n", " \n", "a\n", "a", "", "a\n\n", "a\n \n", "a \nb\n", "a\t\nb\n", " a\nb\n", "\na\n", "a\nb", "a\n\nb\n", "ab\n", "a\nb\n", "$&\n$1\n"]) same(s);
});

/** A ConfigMap as the sidecar builder makes it, with `data` as given. */
const configMap = (name: string, data: Record<string, string>) => ({
  apiVersion: "v1", kind: "ConfigMap",
  metadata: { name, namespace: "mesh", labels: { "app.kubernetes.io/managed-by": "meshc", "app.kubernetes.io/name": name }, annotations: { "meshc.dev/source": `service ${name}` } },
  data,
});

test("a ConfigMap with long texts is written as toYaml writes it: random texts, several keys in any order, hostile keys and markers", () => {
  const long = text.map((s) => `${"config: line\n".repeat(90)}${s}`);
  const key = fc.constantFrom("web.yaml", "a.yaml", "z.yaml", "capture.sh", "zqMeshcBlock0z", "zqMeshcBlock1z", "x: zqMeshcBlock0z", "- y", "");
  const value = fc.oneof(long, text, fc.constantFrom("zqMeshcBlock0z", `${"a\n".repeat(600)}zqMeshcBlock0z\n`, `${"a\n".repeat(600)}`, `b: zqMeshcBlock1z\n${"a\n".repeat(600)}`));
  fc.assert(fc.property(fc.dictionary(key, value, { maxKeys: 4 }), (data) => {
    const object = configMap("web", data);
    assert.is(manifestText(object), toYaml(object));
  }), { numRuns: 3_000 });
});

test.run();
