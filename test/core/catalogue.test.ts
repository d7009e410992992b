// One catalogue: every code unique, inside its owner's band, with a title and a description.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { allCodes, catalogue } from "../../compiler/diagnostics/catalogue.ts";

test("codes are unique across the core and every target", () => {
  const codes = allCodes().map((c) => c.code);
  assert.equal(codes.filter((c, i) => codes.indexOf(c) !== i), []);
});

test("each owner's codes stay in its bands and are documented", () => {
  for (const { owner, codes, bands } of catalogue) {
    for (const info of Object.values(codes)) {
      assert.match(info.code, /^MESH\d{4}$/, owner);
      const n = Number(info.code.slice(4));
      assert.ok(bands.some(([lo, hi]) => n >= lo && n <= hi), `${owner} ${info.code} outside its bands`);
      assert.ok(info.title.length > 0 && info.description.length > 0, `${info.code} undocumented`);
    }
  }
});

test.run();
