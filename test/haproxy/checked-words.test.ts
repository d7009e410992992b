// The builders check every user value once (BuildContext.check) and the view keeps the text
// encodeWord gave, so `hap` prints it without encoding the same word again. The printed text
// must be encodeWord's, a rejected word must stay as it was (reported, never printed as
// checked), and a word that skipped the check is still encoded (or refused) by `hap`.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { createBuildContext } from "../../targets/haproxy/context.ts";
import { haproxyHelpers } from "../../targets/haproxy/render.ts";
import { encodeWord, expr, formatWord, literal, nameWord, textWord, tokenWord, type Word } from "../../targets/haproxy/words.ts";

const hap = (w: unknown) => haproxyHelpers.hap!(w) as string;

test("a checked word prints exactly what encodeWord prints for the word itself", () => {
  const words: Word[] = [textWord('a "quoted" $path\\x'), formatWord(literal("100%"), expr("%[src]")), nameWord("route.a-b_c:1"), tokenWord("x-user"), textWord("")];
  const ctx = createBuildContext("haproxy/x.cfg");
  for (const word of words) {
    const checked = ctx.check(word, "proxies.x", "value");
    const direct = encodeWord(word);
    assert.ok(direct.ok);
    assert.is(checked.word, "checked");
    assert.is(hap(checked), direct.ok ? direct.text : "");
    assert.is(hap(word), hap(checked));
  }
  assert.equal(ctx.diagnostics, []);
});

test("a rejected word is reported and stays unchecked: hap refuses it", () => {
  const ctx = createBuildContext("haproxy/x.cfg");
  const bad = textWord("line\nbreak");
  const back = ctx.check(bad, "proxies.x.routes[0]", "path");
  assert.is(back, bad);
  assert.equal(ctx.diagnostics.map((d) => d.code), ["MESH3200"]);
  assert.throws(() => hap(back));
  assert.throws(() => hap(nameWord("has space")));
});

test("checkShared: a mesh-wide word is built and checked once per emitter, per variant; a rejected one is reported by every proxy", () => {
  const shared = new WeakMap<object, Map<string, Word>>();
  const verdicts = new Map<string, string | null>();
  const ciphers = ["A", "B"];
  let built = 0;
  const make = (text: string) => () => { built++; return textWord(text); };
  const a = createBuildContext("haproxy/a.cfg", verdicts, shared);
  const b = createBuildContext("haproxy/b.cfg", verdicts, shared);
  const first = a.checkShared(ciphers, "ciphers", make("A:B"), "proxies.a", "ciphers");
  assert.is(hap(first), '"A:B"');
  assert.is(b.checkShared(ciphers, "ciphers", make("A:B"), "proxies.b", "ciphers"), first);
  assert.is(built, 1);
  // Another variant of the same IR value, or another IR value, is its own word.
  assert.is(hap(b.checkShared(ciphers, "other", make("A B"), "proxies.b", "x")), '"A B"');
  assert.is(hap(b.checkShared(["A", "B"], "ciphers", make("C"), "proxies.b", "ciphers")), '"C"');
  // A rejected word: reported by each proxy, never kept.
  const bad = ["bad"];
  for (const ctx of [a, b]) {
    const word = ctx.checkShared(bad, "ciphers", make("line\nbreak"), "proxies.x", "ciphers");
    assert.is.not(word.word, "checked");
    assert.equal(ctx.diagnostics.map((d) => d.code), ["MESH3200"]);
  }
  assert.is(built, 5);
  // Another emitter (another IR) checks its own.
  assert.is.not(createBuildContext("haproxy/c.cfg").checkShared(ciphers, "ciphers", make("A:B"), "proxies.c", "ciphers"), first);
});

test.run();
