// Path ACLs are made once per emitter by match kind, value and ACL name (build-match.ts
// pathAcl): every proxy must still get the line its own match makes, and a value that does
// not pass must be reported by every proxy that uses it.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { createBuildContext, type PathAcls } from "../../targets/haproxy/context.ts";
import { buildRouteMatch } from "../../targets/haproxy/build-match.ts";
import type { PathMatchIR, RouteMatchIR } from "../../compiler/ir/types.ts";

const match = (path: PathMatchIR): RouteMatchIR => ({ path, methods: [], headers: [], query: [] });

/** The path ACL line of route `index` in a proxy built with the emitter's memo (or a fresh one). */
function pathLine(paths: PathAcls, file: string, index: number, path: PathMatchIR): { line: string; codes: string[] } {
  const ctx = createBuildContext(file, new Map(), new WeakMap(), new WeakMap(), paths);
  const acls = buildRouteMatch(ctx, `meshc_r${index}`, match(path), "routes[0]", []);
  const line = acls[0]!.line;
  return { line: line.word === "checked" ? line.text : "(refused)", codes: ctx.diagnostics.map((d) => d.code) };
}

test("the same path value of another kind or at another route index gets its own line", () => {
  const paths: PathAcls = new Map();
  const cases: [number, PathMatchIR][] = [
    [0, { kind: "prefix", value: "/orders" }], [0, { kind: "exact", value: "/orders" }],
    [0, { kind: "string-prefix", value: "/orders" }], [0, { kind: "regex", value: "/orders" }],
    [1, { kind: "prefix", value: "/orders" }], [0, { kind: "prefix", value: "/items" }],
  ];
  for (let round = 0; round < 2; round++) {
    cases.forEach(([index, path], i) => {
      const shared = pathLine(paths, `haproxy/p${round}-${i}.cfg`, index, path);
      const alone = pathLine(new Map(), "haproxy/alone.cfg", index, path);
      assert.equal(shared, alone, `${round} ${index} ${path.kind} ${path.value}`);
    });
  }
  assert.equal(pathLine(paths, "haproxy/a.cfg", 1, { kind: "exact", value: "/orders" }).line, '    acl meshc_r1_path path -m str -- "/orders"');
});

test("a path that does not pass is reported by every proxy that uses it", () => {
  const paths: PathAcls = new Map();
  for (const file of ["haproxy/a.cfg", "haproxy/b.cfg"]) {
    assert.equal(pathLine(paths, file, 0, { kind: "regex", value: "(?<=x)y" }).codes, ["MESH3207"], file);
    assert.equal(pathLine(paths, file, 0, { kind: "exact", value: "/a\u0001" }).codes, ["MESH3200"], file);
  }
});

test.run();
