// What one nginx emitter's proxies share (view/context.ts, ViewCache) must give what a fresh
// build gives: the first-set map keys (made once per prefix, grown as routes need) and the
// upstream TLS text sameWire compares (made once per TLS object).
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { ClusterIR } from "../../compiler/ir/types.ts";
import { createViewCache, ViewContext } from "../../targets/nginx/view/context.ts";
import { literal, regex, renderNginxValue, template, type NginxValue } from "../../targets/nginx/escape.ts";
import { firstSetEntries } from "../../targets/nginx/view/match.ts";
import { sameJson, sameWire } from "../../targets/nginx/view/pass.ts";

const fresh = (count: number, prefix?: string) => firstSetEntries(createViewCache(), count, prefix).slice(0, count);

test("shared first-set keys equal fresh ones whatever order the counts come in", () => {
  const cache = createViewCache();
  for (const [count, prefix] of [[2, ".1"], [1, ".1"], [5, ".1"], [3, ""], [4, ".1"], [6, ""]] as const) {
    const keys = firstSetEntries(cache, count, prefix);
    assert.ok(keys.length >= count);
    assert.equal(keys.slice(0, count), fresh(count, prefix));
  }
  assert.equal(fresh(3, ".1").map(renderNginxValue), ['"~^.11"', '"~^.1.{1}1"', '"~^.1.{2}1"']);
  assert.equal(fresh(2).map(renderNginxValue), ['"~^1"', '"~^.{1}1"']);
});

const tls = (sni: string, ciphers: string[]) => ({ sni, ciphers, minVersion: "1.2", peerSpiffeIds: [], peerSubjects: [] });
const cluster = (protocol: string, t: object | null) => ({ protocol, tls: t }) as unknown as ClusterIR;

test("sameWire compares TLS by content, also once its text is cached", () => {
  const cache = createViewCache();
  const a = cluster("http", tls("a", ["X"]));
  const sameContent = cluster("http", tls("a", ["X"]));
  const otherName = cluster("http", tls("b", ["X"]));
  const plain = cluster("http", null);
  for (let round = 0; round < 2; round++) {
    assert.ok(sameWire(cache, a, sameContent));
    assert.not.ok(sameWire(cache, a, otherName));
    assert.not.ok(sameWire(cache, otherName, a));
    assert.not.ok(sameWire(cache, a, plain));
    assert.ok(sameWire(cache, plain, cluster("http", null)));
    assert.not.ok(sameWire(cache, plain, cluster("grpc", null)));
  }
  // Another emitter (another IR) starts empty.
  assert.ok(sameWire(createViewCache(), a, sameContent));
});

test("sameJson agrees with comparing JSON texts whenever it decides", () => {
  class Box { constructor(readonly v: number) {} }
  const values: unknown[] = [
    null, undefined, true, false, 0, -0, 1, 1.5, NaN, Infinity, "", "a", "1", "null", "true", [], [null], [undefined], [1], [1, 2], [2, 1], ["a"],
    {}, { a: 1 }, { a: 1, b: 2 }, { b: 2, a: 1 }, { a: undefined, b: 2 }, { b: 2 }, { a: [1, { c: null }] }, { a: [1, { c: undefined }] },
    { a: [1, { c: "x" }] }, { toJSON: () => 1 }, new Date(0), new Box(1), new Map(), () => 1, Symbol("s"), { a: () => 1 }, { a: "x", b: undefined },
    { mode: "mesh", sni: "a", ciphers: ["X", "Y"], peerSubjects: [{ cn: "a" }] }, { mode: "mesh", sni: "a", ciphers: ["X", "Y"], peerSubjects: [{ cn: "b" }] },
  ];
  let decided = 0;
  for (const a of values) for (const b of values) {
    const same = sameJson(a, b);
    if (same === null) continue;
    decided++;
    assert.is(same, JSON.stringify(a) === JSON.stringify(b), `${String(JSON.stringify(a))} vs ${String(JSON.stringify(b))}`);
  }
  assert.ok(decided > values.length * values.length / 2);
});

// The tokens rendered once per emitter (ViewContext.variableToken, patternToken, literalToken)
// print what a fresh value prints, on hostile text too: a value renderNginxValue refuses stays
// refused at every print (the same error, MESH3199), it is never cached as text.
test("tokens rendered once per emitter print what fresh values print, or refuse the same", () => {
  const texts = ["uri", "request_method", "meshc_l0_s0_forbidden", "", "a b", 'q"uote', "back\\slash", "$dollar", "new\nline",
    "\u2028", "\u202e", "\ufeff", "\u0085", "é", "^(?:GET)$", "^/a(?:/.*)?$", "Upper", "1var", "{brace};#"];
  const outcome = (value: NginxValue) => { try { return renderNginxValue(value); } catch (error) { return `threw ${(error as Error).message}`; } };
  const cache = createViewCache();
  for (let round = 0; round < 2; round++) {
    const ctx = new ViewContext("p", "nginx/p.conf", false, "", undefined, undefined, cache);
    for (const text of texts) {
      assert.is(outcome(ctx.variableToken(text)), outcome(template({ variable: text })), `variable ${JSON.stringify(text)}`);
      assert.is(outcome(ctx.patternToken(text)), outcome(regex(text)), `pattern ${JSON.stringify(text)}`);
      assert.is(outcome(ctx.literalToken(text)), outcome(literal(text)), `literal ${JSON.stringify(text)}`);
      // A lone text part prints as the literal does (the dispatch map's route names rely on it).
      assert.is(outcome(template({ text })), outcome(literal(text)), `text part ${JSON.stringify(text)}`);
      assert.is(ctx.variableToken(text), ctx.variableToken(text));
    }
    assert.is(ctx.diagnostics.length, 0);
  }
});

test.run();
