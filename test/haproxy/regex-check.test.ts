// HAProxy's RE2 check remembers each pattern's verdict: a rejected pattern must still be
// reported at every place it is used, in every proxy's file, and a valid one never.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { createBuildContext } from "../../targets/haproxy/context.ts";

test("a pattern RE2 refuses is a MESH3207 at each use, the second time too", () => {
  for (const file of ["haproxy/a.cfg", "haproxy/b.cfg"]) {
    const ctx = createBuildContext(file);
    ctx.checkRegex("(?<=x)y", "routes[0].match.path", "path regex");
    ctx.checkRegex("(?<=x)y", "routes[1].match.path", "path regex");
    assert.equal(ctx.diagnostics.map((d) => `${d.code} ${d.path}`), ["MESH3207 routes[0].match.path", "MESH3207 routes[1].match.path"], file);
  }
});

test("a valid pattern is never reported, checked once or many times", () => {
  const ctx = createBuildContext("haproxy/a.cfg");
  for (let i = 0; i < 3; i++) ctx.checkRegex("^/orders(/.*)?$", `routes[${i}].match.path`, "path regex");
  assert.equal(ctx.diagnostics, []);
});

test.run();
