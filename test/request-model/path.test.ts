// The request model's path normalization (compiler/request-model.ts), checked two ways:
// by property, against an independent, literal reading of RFC 3986 5.2.4 (the input/output
// buffer algorithm, steps A-E) and of 2.3/6.2.2.2 for escapes; and by table, on the attack
// paths of issue 9, each with the path every target must decide on, or 400.
import { test } from "uvu";
import * as assert from "uvu/assert";
import fc from "fast-check";
import { decodeUnreserved, normalizeRequestPath, readHeaders, removeDotSegments } from "../../compiler/request-model.ts";

/** RFC 3986 5.2.4, word for word: an input buffer consumed into an output buffer. */
function rfcRemoveDotSegments(path: string): string {
  let input = path;
  let output = "";
  while (input.length > 0) {
    if (input.startsWith("../")) input = input.slice(3);                          // A
    else if (input.startsWith("./")) input = input.slice(2);                      // A
    else if (input.startsWith("/./")) input = "/" + input.slice(3);               // B
    else if (input === "/.") input = "/";                                         // B
    else if (input.startsWith("/../") || input === "/..") {                       // C
      input = "/" + input.slice(input === "/.." ? 3 : 4);
      const cut = output.lastIndexOf("/");
      output = cut < 0 ? "" : output.slice(0, cut);
    } else if (input === "." || input === "..") input = "";                       // D
    else {                                                                        // E
      const next = input.indexOf("/", input.startsWith("/") ? 1 : 0);
      const segment = next < 0 ? input : input.slice(0, next);
      output += segment;
      input = input.slice(segment.length);
    }
  }
  return output;
}

/** RFC 3986 2.3: unreserved = ALPHA / DIGIT / "-" / "." / "_" / "~", listed out. */
const UNRESERVED_SET = new Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~");

function rfcDecode(path: string): string {
  let out = "";
  for (let i = 0; i < path.length; i++) {
    const hex = path.slice(i + 1, i + 3);
    if (path[i] === "%" && /^[0-9a-fA-F]{2}$/.test(hex)) {
      const c = String.fromCharCode(Number.parseInt(hex, 16));
      out += UNRESERVED_SET.has(c) ? c : "%" + hex.toUpperCase();
      i += 2;
    } else out += path[i];
  }
  return out;
}

// Segments an attacker would use: dots plain and encoded, empties, unreserved escapes.
const segment = fc.oneof(
  fc.constantFrom("", ".", "..", "...", "%2e", "%2E", "%2e%2e", ".%2E", "%2e.", "a", "admin", "%61dmin", "%7e", "%41", "%3f", "%25", "x%20y", "-_~"),
  fc.stringMatching(/^[a-z0-9._~-]{1,6}$/),
);
const path = fc.array(segment, { maxLength: 10 }).map((s) => "/" + s.join("/"));

test("property: dot-segment removal equals RFC 3986 5.2.4's buffer algorithm", () => {
  fc.assert(fc.property(fc.array(fc.constantFrom("", ".", "..", "a", "b", "..."), { maxLength: 12 }), (s) => {
    const p = "/" + s.join("/");
    assert.is(removeDotSegments(p), rfcRemoveDotSegments(p), p);
  }), { numRuns: 2000 });
});

test("property: the normalized path is the RFC reading (decode unreserved, 5.2.4, merge slashes)", () => {
  fc.assert(fc.property(path, (p) => {
    const verdict = normalizeRequestPath(p);
    assert.ok(verdict.ok, p);
    if (!verdict.ok) return;
    assert.is(verdict.path, rfcRemoveDotSegments(rfcDecode(p)).replace(/\/+/g, "/"), p);
  }), { numRuns: 3000 });
});

test("property: normalization is idempotent and leaves no dot segment, no //, no unreserved escape", () => {
  fc.assert(fc.property(path, (p) => {
    const once = normalizeRequestPath(p);
    if (!once.ok) return;
    const twice = normalizeRequestPath(once.path);
    assert.ok(twice.ok && twice.path === once.path, `${p} -> ${once.path}`);
    assert.not.match(once.path, /\/\.{1,2}(\/|$)|\/\/|%(2[dDeE]|3[0-9]|[46][1-9A-Fa-f]|[57][0-9Aa]|5[Ff]|7[Ee])/);
  }), { numRuns: 3000 });
});

test("property: any encoded slash or backslash, or a literal backslash, is refused with 400", () => {
  fc.assert(fc.property(path, path, fc.constantFrom("%2F", "%2f", "%5C", "%5c", "\\"), (a, b, bad) => {
    const verdict = normalizeRequestPath(a + bad + b);
    assert.ok(!verdict.ok && verdict.status === 400, a + bad + b);
  }), { numRuns: 1000 });
});

// The attack paths of issue 9 against `deny /api/admin/*` and a GET-only `/api/public/*`.
const TABLE: [raw: string, expected: string | 400][] = [
  ["/api/x/../admin/x", "/api/admin/x"],
  ["/api/./admin/x", "/api/admin/x"],
  ["/api/%61dmin/x", "/api/admin/x"],
  ["/api/x/%2e%2e/admin/x", "/api/admin/x"],
  ["/api/x/%2E%2E/admin/x", "/api/admin/x"],
  ["/api/x/.%2e/admin/x", "/api/admin/x"],
  ["http://api/api/x/../admin/x", "/api/admin/x"],
  ["https://shop.example.com/api/%61dmin/x?a=1", "/api/admin/x"],
  ["/api/public/../private/x", "/api/private/x"],
  ["//api//admin///x", "/api/admin/x"],
  ["/api/admin%2Fx", 400],
  ["/api/admin%2fx", 400],
  ["/api%5Cadmin/x", 400],
  ["/api%5cadmin/x", 400],
  ["/api\\admin\\x", 400],
  ["/api/public/%2e%2e%2fadmin", 400],
  ["/../../etc/passwd", "/etc/passwd"],
  ["/api/%7euser/%41", "/api/~user/A"],
  ["/api/a%3fb/%e2%82%ac", "/api/a%3Fb/%E2%82%AC"],
];

for (const [raw, expected] of TABLE) {
  test(`attack path ${JSON.stringify(raw)} -> ${expected}`, () => {
    const verdict = normalizeRequestPath(raw);
    if (expected === 400) assert.ok(!verdict.ok && verdict.status === 400, JSON.stringify(verdict));
    else assert.equal(verdict.ok ? verdict.path : verdict, expected);
  });
}

test("the query string is split off and kept unchanged", () => {
  assert.equal(normalizeRequestPath("/a/./b?x=%2F&y=..%5C"), { ok: true, path: "/a/b", query: "x=%2F&y=..%5C" });
  assert.is(decodeUnreserved("%2e%2F%5c%7E"), ".%2F%5C~");
});

test("headers: names lowercased, values trimmed of spaces and tabs, every copy kept", () => {
  const { headers, repeated } = readHeaders({ "X-Debug": ["\t1", "0 "], "x-ok": " a b ", "X-OK": "c" });
  assert.equal(headers, { "x-debug": ["1", "0"], "x-ok": ["a b", "c"] });
  assert.equal(repeated, ["x-debug", "x-ok"]);
});

test.run();
