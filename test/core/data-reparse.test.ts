// Watch mode's partial parse of a data-only config (compiler/load/data-reparse.ts): after any
// edit of the JSON text, the value built from the last one must equal JSON.parse of the new
// text (keys in the same order), and share the parts the edit did not touch.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { reparseChanged } from "../../compiler/load/data-reparse.ts";
import { dataOnlyValue } from "../../compiler/load/typescript.ts";

/** Equal as JSON.parse gives them: same keys in the same order, same values. */
const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

function check(before: string, now: string, expectShortcut?: boolean): unknown {
  const value = JSON.parse(before);
  const r = reparseChanged(before, value, now);
  let expected: unknown;
  try { expected = JSON.parse(now); } catch { expected = undefined; }
  if (expected === undefined) assert.is(r, null, `no shortcut for text that does not parse: ${now}`);
  else if (r) assert.ok(same(r.value, expected), `${before} -> ${now}: ${JSON.stringify(r.value)} != ${JSON.stringify(expected)}`);
  if (expectShortcut !== undefined) assert.is(r !== null, expectShortcut, `${before} -> ${now}: shortcut`);
  return r?.value;
}

test("one changed value is parsed alone and the rest is shared", () => {
  const mesh = { name: "m", services: { a: { port: 1 }, b: { port: 2 } }, routes: [{ name: "r0", timeout: "3s" }, { name: "r1", timeout: "2s" }] };
  const before = JSON.stringify(mesh);
  const value = JSON.parse(before) as typeof mesh;
  const now = before.replace('"3s"', '"4s"');
  const r = reparseChanged(before, value, now)!.value as typeof mesh;
  assert.equal(r, JSON.parse(now));
  assert.ok(r !== value && r.routes !== value.routes && r.routes[0] !== value.routes[0], "the path to the change is copied");
  assert.ok(r.services === value.services && r.routes[1] === value.routes[1], "the rest is the last value's objects");
  assert.is(value.routes[0]!.timeout, "3s", "the last value is left as it was");
});

test("a key given twice is never shortcut (JSON.parse keeps the last)", () => {
  check('{"a":1,"a":1,"b":[1]}', '{"a":2,"a":1,"b":[1]}', false);
  // Here the object holding the key twice is parsed again whole, as the root's part.
  const r = check('{"x":{"a":1,"a":1},"y":2}', '{"x":{"a":5,"a":1},"y":2}', true) as { x: { a: number } };
  assert.is(r.x.a, 1);
  // The same key in another object after the changed one is not a duplicate.
  check('{"r":[{"a":1},{"a":1}]}', '{"r":[{"a":2},{"a":1}]}', true);
  const before = '{"r":{"k":{"a":1},"x":[1]},"s":{"a":1,"r":2}}';
  const last = JSON.parse(before) as { r: { x: unknown } };
  const deep = reparseChanged(before, last, before.replace('"a":1', '"a":3'))!.value as { r: { x: unknown } };
  assert.ok(deep.r.x === last.r.x, "the keys of a later object at the same depth are not the path object's");
  // The last of two equal keys is the one JSON keeps: editing it is shortcut, in place.
  assert.equal(check('{"a":1,"b":0,"a":1}', '{"a":1,"b":0,"a":7}', true), { a: 7, b: 0 });
  assert.equal(Object.keys(check('{"r":[{"a":1,"b":0,"a":1}]}', '{"r":[{"a":1,"b":0,"a":8}]}', true) as object), ["r"]);
  // An outer object naming its key again after an inner one closed.
  check('{"x":{"k":1},"x":{"k":1}}', '{"x":{"k":5},"x":{"k":1}}', false);
  // A later sibling at the path object's depth is another object: the edit stays at its own level.
  const sibling = '{"r":[{"a":1,"z":[0]},{"a":1}]}';
  const lastSibling = JSON.parse(sibling) as { r: { z: unknown }[] };
  const edited = reparseChanged(sibling, lastSibling, sibling.replace('"a":1', '"a":4'))!.value as { r: { z: unknown }[] };
  assert.ok(edited.r[0]!.z === lastSibling.r[0]!.z, "only the edited value is parsed again");
  // The same while the root is scanned to its end (its key "r" is also a later string).
  const scanned = '{"r":[{"a":1,"z":[0]},{"a":1}],"s":"r"}';
  const lastScanned = JSON.parse(scanned) as { r: { z: unknown }[] };
  const edited2 = reparseChanged(scanned, lastScanned, scanned.replace('"a":1', '"a":4'))!.value as { r: { z: unknown }[] };
  assert.ok(edited2.r[0]!.z === lastScanned.r[0]!.z, "a later sibling's key is not the edited object's");
  // A later key of the same name inside a nested object is not the path object's.
  check('{"a":1,"n":{"a":2}}', '{"a":5,"n":{"a":2}}', true);
  // A key written with an escape is not its token's text.
  check('{"\\u0061":1,"b":2}', '{"\\u0061":3,"b":2}');
  check('{"\\u0061":{"k":1},"b":2}', '{"\\u0061":{"k":3},"b":2}');
  // Two spellings of one key.
  check('{"a":1,"\\u0061":1}', '{"a":2,"\\u0061":1}', false);
  check('{"\\u0061":1,"a":1}', '{"\\u0061":2,"a":1}', false);
});

test("edits of keys, structure, whitespace, escapes and bad text", () => {
  const base = '{"name":"m","routes":[{"name":"r0","timeout":"3s","n":-1},{"name":"r\\"1","x":[1,2,{"y":null}]}],"z":true}';
  const edits: [string, string][] = [
    ['"3s"', '"30s"'], ['"timeout"', '"timeouts"'], ['-1', '-0'], ['-1', '-12.5e3'], ['[1,2,', '[1,2,3,'], ['null', '{"q":1}'],
    ['true', 'false'], ['r\\"1', 'r\\\\1'], ['"z":true', '"z":true,"w":1'], ['{"name":"r0"', '{"name":"r0","name":"dup"'],
    [',{"name":"r\\"1"', ''], ['"3s"', '"3s" '], ['"3s"', '3s'], ['"3s"', '"3s'], ['[1,2,', '[1 2,'], ['"name":"m",', ''],
    ['-1', '- 1'], ['-1', '1 2'], ['"n":-1', '"n":-1,"n":2'],
  ];
  for (const [from, to] of edits) {
    assert.ok(base.includes(from), from);
    check(base, base.replace(from, to));
  }
  check(base, base);
});

test("random edits of random JSON agree with JSON.parse", () => {
  let seed = 7;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
  // Non-ASCII keys and values too: the texts are compared and scanned as UTF-8 bytes (data-reparse.ts).
  const keys = ["a", "b", "ä", "a\\u0062", "__x"];
  const gen = (depth: number): unknown => {
    const k = rnd();
    if (depth > 3 || k < 0.3) return [1, -0.5, "s", 'q"', true, null, 0, "日本", "é\\"][Math.floor(rnd() * 9)];
    if (k < 0.6) return Array.from({ length: Math.floor(rnd() * 4) }, () => gen(depth + 1));
    const o: Record<string, unknown> = {};
    for (let i = Math.floor(rnd() * 4); i > 0; i--) o[keys[Math.floor(rnd() * 3)]!] = gen(depth + 1);
    return o;
  };
  const pieces = ['"', ",", "{", "}", "[", "]", ":", "1", '"a":2,', '"a"', " ", "\\", "x", "null", "ü", '"ä":"ö"'];
  let shortcuts = 0;
  for (let n = 0; n < 3000; n++) {
    const before = JSON.stringify({ root: gen(0), other: gen(0) });
    // Replace a random span with a random piece (or a random value's text).
    const i = Math.floor(rnd() * before.length);
    const j = Math.min(before.length, i + Math.floor(rnd() * 6));
    const piece = rnd() < 0.5 ? pieces[Math.floor(rnd() * pieces.length)]! : JSON.stringify(gen(2));
    const now = before.slice(0, i) + piece + before.slice(j);
    if (check(before, now) !== undefined) shortcuts++;
    // And an edit of the value itself: a part replaced, a key added, renamed or removed.
    const edited = JSON.parse(before) as Record<string, unknown>;
    let at: Record<string, unknown> = edited;
    for (let d = 0; d < 4; d++) {
      const ks = Object.keys(at);
      if (ks.length === 0) break;
      const next = at[ks[Math.floor(rnd() * ks.length)]!];
      if (next === null || typeof next !== "object" || rnd() < 0.3) break;
      at = next as Record<string, unknown>;
    }
    const ks = Object.keys(at);
    const k = ks[Math.floor(rnd() * ks.length)] ?? "0";
    const how = rnd();
    if (how < 0.6) at[k] = gen(2);
    else if (how < 0.75 && !Array.isArray(at)) at[keys[Math.floor(rnd() * keys.length)]!] = gen(3);
    else if (!Array.isArray(at)) delete at[k];
    const spaced = rnd() < 0.2 ? JSON.stringify(edited, null, 1) : JSON.stringify(edited);
    if (check(rnd() < 0.2 ? JSON.stringify(JSON.parse(before), null, 1) : before, spaced) !== undefined) shortcuts++;
  }
  assert.ok(shortcuts > 800, `the shortcut was taken ${shortcuts} times`);
});

// The common prefix and suffix are found by native comparisons of 16 KB and 512-byte blocks
// first: texts of ~100 KB, edited anywhere (a multi-byte character included), must agree too.
test("long texts: edits at random places, with the block comparisons, agree with JSON.parse", () => {
  let seed = 11;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
  const routes = Array.from({ length: 1500 }, (_, i) => ({ name: `r${i}`, from: i % 3 ? "wéb" : "api", timeout: `${i % 9 + 1}s` }));
  let shortcuts = 0;
  for (let n = 0; n < 200; n++) {
    const mesh = { name: "m", routes: routes.map((r) => ({ ...r })) };
    const before = JSON.stringify(mesh);
    const at = Math.floor(rnd() * routes.length);
    const how = rnd();
    if (how < 0.4) mesh.routes[at]!.timeout = `${n + 10}s`;
    else if (how < 0.6) mesh.routes.splice(at, 1);
    else if (how < 0.8) mesh.routes.splice(at, 0, { name: `new${n}`, from: "ünï", timeout: "1s" });
    else mesh.routes[at]!.from = "ça";
    const now = JSON.stringify(mesh);
    if (check(before, now) !== undefined) shortcuts++;
  }
  assert.ok(shortcuts > 150, `the shortcut was taken ${shortcuts} times`);
});

test("dataOnlyValue through a session reuses the last value, and -0 still becomes 0", () => {
  const session = { lastData: null as { json: Buffer; value: unknown } | null };
  const text = (body: string) => `import { defineMesh } from "meshc";\nexport default defineMesh(${body});\n`;
  const first = dataOnlyValue(text('{"a":{"k":1},"b":[1,2]}'), session)!.value as { a: object; b: number[] };
  const second = dataOnlyValue(text('{"a":{"k":1},"b":[1,-0]}'), session)!.value as { a: object; b: number[] };
  assert.equal(second, { a: { k: 1 }, b: [1, 0] });
  assert.ok(Object.is(second.b[1], 0), "-0 becomes 0");
  assert.ok(second.a === first.a, "the unchanged part is the last value's");
  // A text that is not data-only forgets the last value: nothing stale is reused after it.
  assert.is(dataOnlyValue(text("{a:1}"), session), null);
  assert.is(session.lastData, null);
  const third = dataOnlyValue(text('{"a":{"k":1},"b":[1,2]}'), session)!.value as { a: object };
  assert.ok(third.a !== first.a, "parsed whole after the reset");
});

// The head and tail are matched on the text's first and last 4 KB, and on the whole text when
// they do not fit there; offsets are bytes, so multi-byte characters at the edges must not shift them.
test("dataOnlyValue finds the JSON of a large config by its edges, or by the whole text when a head or tail is longer", () => {
  const body = JSON.stringify({ name: "é", routes: Array.from({ length: 400 }, (_, i) => ({ name: `r${i}`, from: "wéb" })), z: "ü" });
  const cases = [
    `import { defineMesh } from "meshc";\nexport default defineMesh(${body});\n`,
    `${" ".repeat(5000)}import { defineMesh } from 'meshc'\nexport default defineMesh(${body})`,
    `import { defineMesh } from "meshc";\nexport default defineMesh(${body})\n${"\n".repeat(5000)};${" ".repeat(5000)}`,
  ];
  for (const text of cases) {
    const session = { lastData: null as { json: Buffer; value: unknown } | null };
    assert.ok(Buffer.byteLength(text) > 8192);
    assert.equal(dataOnlyValue(Buffer.from(text), session)?.value, JSON.parse(body));
    // And through the session (the reparse of a save): a value at the end changed.
    assert.equal(dataOnlyValue(Buffer.from(text.replace('"z":"ü"', '"z":"ö"')), session)?.value, JSON.parse(body.replace('"z":"ü"', '"z":"ö"')));
  }
  assert.is(dataOnlyValue(Buffer.from(`import { defineMesh } from "meshc";\nexport default defineMesh(${body});\nconsole.log(1);\n${" ".repeat(5000)}`)), null);
});

test.run();
