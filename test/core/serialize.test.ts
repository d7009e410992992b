// The YAML emitter: whatever goes in comes back out, under YAML 1.2 and 1.1 readers alike
// (Go and Python YAML libraries still read 1.1: yes, on, 0x10, 012, 1_000 are not strings
// there), for SECURITY.md's hostile values and for generated ones; keys in canonical order.
import { test } from "uvu";
import * as assert from "uvu/assert";
import YAML from "yaml";
import { canonicalize, toYaml, toYamlStream } from "../../compiler/serialize.ts";

const HOSTILE = [
  "yes", "on", "No", "y", "~", "null", "NULL", "0x10", "012", "0o17", "1_000", "1e3", "-5", "+1", ".inf", "-.inf", ".NaN",
  "12:30", "2001-12-14", "2001-12-14t21:59:43.10-05:00", "---", "...", "!!binary x", "&a", "*a", "<<", "=", "? x", "- x",
  ":x", "a: b", "a:", "#c", "a #c", "@x", "`x", "%x", "|x", ">x", "'x'", "\"x\"", "x } server { listen 81; }",
  "x\"; ssl_engine /x/e.so; #", "abc\\", "%ENVIRONMENT(SECRET)%", "%[req.hdr(cookie)]", "$request_uri", "", " ", " lead", "trail ",
  "tab\there", "line\nbreak", "two\n\nblank", "ends\n", "ends\n\n", "\nstarts", " indented\nblock", "cr\r\nlf", "nul\u0000x",
  "bell\u0007", "del\u007f", "nel\u0085x", "ls\u2028x", "ps\u2029x", "bidi\u202ex", "bom\ufeffx", "é ü 漢字", "emoji 🙂",
  "spiffe://shop.example.com/ns/shop/sa/web", "/api/v1/items", "10.0.0.1", "10.0.0.1:8080", "a".repeat(300),
  "apiVersion: v1\nkind: ConfigMap\n", "key: |\n  nested\n", "true", "False", "0", "00", "1.5", "1.", ".5",
  "\n", "\n\n", " \n", "\n ", "\t\n", "a\n \nb", "a\n\t\n", "body\n  \n",
];

function roundTrips(value: unknown): void {
  const text = toYaml(value);
  const expected = JSON.stringify(canonicalize(value));
  assert.is(JSON.stringify(YAML.parse(text)), expected, `1.2:\n${text}`);
  assert.is(JSON.stringify(YAML.parse(text, { version: "1.1" })), expected, `1.1:\n${text}`);
}

test("hostile strings round-trip as values, keys, list items and nested", () => {
  for (const s of HOSTILE) {
    roundTrips({ value: s });
    roundTrips({ [s]: 1 });
    roundTrips({ list: [s, { k: s }, [s]] });
    roundTrips({ deep: { er: { list: [s] } } });
  }
});

test("generated structures round-trip", () => {
  let seed = 7;
  const rand = (n: number) => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) % n);
  const alphabet = "ab:/-_. #\n\t\"'\\%$!&*?|>@`{}[],0123456789yesnoul~\u2028é";
  const str = () => Array.from({ length: rand(12) }, () => alphabet[rand(alphabet.length)]).join("");
  const gen = (depth: number): unknown => {
    const k = rand(depth > 3 ? 4 : 7);
    if (k === 0) return str();
    if (k === 1) return rand(2) === 0 ? rand(100000) - 500 : rand(1000) / 8;
    if (k === 2) return rand(2) === 0;
    if (k === 3) return null;
    if (k === 4) return Array.from({ length: rand(4) }, () => gen(depth + 1));
    return Object.fromEntries(Array.from({ length: rand(4) }, () => [str(), gen(depth + 1)]));
  };
  for (let i = 0; i < 2000; i++) roundTrips({ root: gen(0) });
});

test("keys are sorted with apiVersion, kind, metadata first; output is stable", () => {
  const text = toYaml({ spec: { b: 1, a: 2 }, metadata: { name: "x" }, kind: "Service", apiVersion: "v1" });
  assert.is(text, "apiVersion: v1\nkind: Service\nmetadata:\n  name: x\nspec:\n  a: 2\n  b: 1\n");
  assert.is(toYamlStream([{ a: 1 }, { b: [] }]), "a: 1\n---\nb: []\n");
});

test("every short text of line breaks, blanks and letters round-trips (blank-only lines included)", () => {
  const alphabet = ["\n", " ", "\t", "a", "-"];
  let texts = [""];
  for (let n = 1; n <= 5; n++) {
    texts = texts.flatMap((t) => alphabet.map((c) => t + c));
    for (const s of texts) roundTrips({ list: [{ k: s, z: 1 }] });
  }
});

test("keys come out in code-unit order however many and however built (insertion sort, built-in sort past 16)", () => {
  for (const n of [2, 5, 16, 17, 40]) {
    const keys = Array.from({ length: n }, (_, i) => `k${(i * 7919) % 1000}${"_Ab-9é".charAt(i % 6)}`);
    const shuffled = [...keys].reverse();
    const text = toYaml(Object.fromEntries(shuffled.map((k) => [k, 1])));
    assert.equal(text.trimEnd().split("\n").map((line) => line.slice(0, line.lastIndexOf(":")).replace(/^"|"$/g, "")), [...keys].sort());
  }
});

test("the process-wide key and value tables stay correct past their bounds (60,000 distinct keys and values)", () => {
  const entries = Array.from({ length: 60_000 }, (_, i) => [`key-${i}`, i % 2 === 0 ? `v ${i}` : `v${i}`] as const);
  const expected = [...entries].sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, v]) => `${k}: ${v.includes(" ") ? JSON.stringify(v) : v}\n`).join("");
  // Twice: the second pass meets tables filled (and cleared) by the first.
  for (let round = 0; round < 2; round++) assert.is(toYaml(Object.fromEntries(entries)), expected);
  assert.is(toYaml({ "key-7": "v 7", list: ["v 7", "v8"] }), 'key-7: "v 7"\nlist:\n  - "v 7"\n  - v8\n');
});

test("multi-line text is a readable literal block", () => {
  assert.is(toYaml({ conf: "worker_processes 1;\nevents {}\n" }), "conf: |\n  worker_processes 1;\n  events {}\n");
});

test.run();
