// The TypeScript API that places diagnostics in mesh.config.ts is loaded alone
// (compiler/load/typescript-parser.ts), not through ts-morph: it must be the very module
// ts-morph re-exports as `ts`, so every parse and position is the one ts-morph's gave.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { typescriptApi } from "../../compiler/load/typescript-parser.ts";

test("the parser loaded alone is ts-morph's own TypeScript: the same functions, enums and version", async () => {
  const alone = typescriptApi();
  const { ts } = await import("ts-morph");
  assert.is(alone.version, ts.version);
  for (const name of ["createSourceFile", "isObjectLiteralExpression", "isCallExpression", "isIdentifier", "getLineAndCharacterOfPosition", "readConfigFile"] as const) {
    assert.ok(typeof alone[name] === "function", name);
    assert.is(alone[name], ts[name], name);
  }
  assert.is(alone.ScriptTarget.Latest, ts.ScriptTarget.Latest);
  assert.is(alone.ScriptKind.TS, ts.ScriptKind.TS);
  assert.is(typescriptApi(), alone, "loaded once");
});

test("a parse by the parser alone equals ts-morph's, position for position", async () => {
  const { ts } = await import("ts-morph");
  const text = `import { defineMesh } from "meshc";\nconst base = { port: 80 } as const;\nexport default defineMesh({\n  services: { "a": { ports: { http: base } }, b: {} },\n  routes: [{ match: "/x" }, ...[]],\n});\n`;
  const dump = (api: typeof ts) => {
    const sf = api.createSourceFile("mesh.config.ts", text, api.ScriptTarget.Latest, true, api.ScriptKind.TS);
    const out: string[] = [];
    const visit = (n: import("ts-morph").ts.Node) => { out.push(`${n.kind}:${n.getStart(sf)}-${n.getEnd()}`); api.forEachChild(n, visit); };
    visit(sf);
    return out;
  };
  const alone = dump(typescriptApi());
  assert.ok(alone.length > 40);
  assert.equal(alone, dump(ts));
});

test.run();
