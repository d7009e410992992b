// What the editor says: small configs with mistakes, type-checked by the native tsc meshc
// runs, and the error texts they must produce. A misspelled field names the field and the
// known one it resembles, a bad split version names the versions that exist, and one
// mistake never hides another in the same file (each fixture holds several).
import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../..", import.meta.url));

const fixtures: Record<string, { source: string; errors: string[] }> = {
  // The single object: names are checked against the mesh-wide sets.
  "single.ts": {
    source: `import { defineMesh } from "meshc";
export default defineMesh({
  name: "m", trustDomain: "m.example", namespace: "m",
  services: {
    web: { ports: { http: { port: 80, protocol: "http" } } },
    catalog: { ports: { http: { port: 80, protocol: "http" } }, versions: { v1: {}, v2: {} } },
    db: { ports: { pg: { port: 5432, protocol: "tcp" } }, endpoint: ["10.0.0.1"] },
    api: { ports: { http: { port: 80, protocol: "http" } }, healthCheck: { pth: "/healthz", interval: "5s", timeout: "1s" } },
  },
  routes: [
    { from: "web", to: "catalgo" },
    { from: "web", to: "catalog", split: { v1: 90, v3: 10 } },
  ],
  authorization: [{ allow: { from: ["wbe"], to: "catalog" } }],
});
`,
    errors: [
      `(7,59): error TS2322: Type '["10.0.0.1"]' is not assignable to type 'readonly ["10.0.0.1"] & { "unknown field": "'endpoint': did you mean 'endpoints'?"; }'.`,
      `(8,76): error TS2322: Type '"/healthz"' is not assignable to type '"/healthz" & { "unknown field": "'pth': did you mean 'path'?"; }'.`,
      `(11,20): error TS2820: Type '"catalgo"' is not assignable to type '"api" | "catalog" | "db" | "web"'. Did you mean '"catalog"'?`,
      `(12,52): error TS2353: Object literal may only specify known properties, and 'v3' does not exist in type '{ v1?: number | undefined; v2?: number | undefined; }'.`,
      `(14,30): error TS2322: Type '["wbe"]' is not assignable to type '"*" | ("api" | "catalog" | "db" | "web")[]'.`,
    ],
  },
  // Team modules: each reference is typed by the handle it names.
  "services.ts": {
    source: `import { jwtProvider, service } from "meshc";
export const auth0 = jwtProvider("auth0", { issuer: "https://a.example/", jwksUri: "https://a.example/jwks" });
export const web = service("web", { ports: { http: { port: 80, protocol: "http" } } });
export const catalog = service("catalog", { ports: { http: { port: 80, protocol: "http" }, grpc: { port: 90, protocol: "grpc" } }, versions: { v1: {}, v2: {} }, jwt: { provider: auth0 } });
export const db = service("db", { ports: { pg: { port: 5432, protocol: "tcp" } }, endpoint: ["10.0.0.1"] });
`,
    errors: [
      `(5,83): error TS2561: Object literal may only specify known properties, but 'endpoint' does not exist in type 'ServiceSpec<"pg", never>'. Did you mean to write 'endpoints'?`,
    ],
  },
  "module.ts": {
    source: `import { allow, backend, defineModule, route } from "meshc";
import { catalog, db, web, paymnets } from "./services.ts";
export default defineModule({
  owner: "team",
  services: [web, catalog, db],
  routes: [
    route({ from: web, to: catalog, split: { v1: 90, v3: 10 } }),
    route({ from: web, to: catalog, port: "grpcc" }),
    route({ from: web, to: db, split: { v1: 1 } }),
    route({ from: web, to: web, timout: "1s" }),
    route({ from: [web, catalogg], to: web }),
    route({ from: web, to: catalog, backends: [backend(catalog, 90, "v3"), backend(web, 10)] }),
  ],
  authorization: [allow({ from: [wbe], to: catalog, methods: ["POST"] })],
});
`,
    errors: [
      `(2,28): error TS2305: Module '"./services.ts"' has no exported member 'paymnets'.`,
      `(7,54): error TS2353: Object literal may only specify known properties, and 'v3' does not exist in type '{ v1?: number | undefined; v2?: number | undefined; }'.`,
      `(8,37): error TS2820: Type '"grpcc"' is not assignable to type '"grpc" | "http" | undefined'. Did you mean '"grpc"'?`,
      "(9,32): error TS2322: Type '{ v1: number; }' is not assignable to type '\"db declares no versions: add `versions` to it, or use `backends`\"'.",
      `(10,33): error TS2561: Object literal may only specify known properties, but 'timout' does not exist in type 'RouteSpec<ServiceHandle<"web", never, "http">>'. Did you mean to write 'timeout'?`,
      `(11,25): error TS2552: Cannot find name 'catalogg'. Did you mean 'catalog'?`,
      `(12,69): error TS2345: Argument of type '"v3"' is not assignable to parameter of type '"v1" | "v2" | undefined'.`,
      `(14,34): error TS2304: Cannot find name 'wbe'.`,
    ],
  },
};

test("tsc's messages name the field, the bad name and the versions that exist; no mistake hides another", () => {
  mkdirSync(join(root, ".tmp"), { recursive: true });
  // Inside the repository, so `meshc` resolves as in a user's project (tsconfig paths).
  const dir = mkdtempSync(join(root, ".tmp", "type-messages-"));
  try {
    writeFileSync(join(dir, "tsconfig.json"), JSON.stringify({ extends: "../../tsconfig.json", include: ["*.ts"] }));
    for (const [name, f] of Object.entries(fixtures)) writeFileSync(join(dir, name), f.source);
    const tscDir = dirname(createRequire(import.meta.url).resolve(`@typescript/typescript-${process.platform}-${process.arch}/package.json`));
    const tsc = spawnSync(join(tscDir, "lib", "tsc"), ["-p", dir, "--pretty", "false"], { cwd: root, encoding: "utf8" });
    assert.ok(tsc.status !== null, `tsc did not run: ${tsc.error ?? tsc.stderr}`);
    const lines = tsc.stdout.split("\n").filter((l) => /error TS/.test(l));
    for (const [name, f] of Object.entries(fixtures)) {
      const got = lines.filter((l) => basename(l.split("(")[0]!) === name).map((l) => l.slice(l.indexOf("(")));
      assert.equal(got, f.errors, name);
    }
    assert.is(lines.length, Object.values(fixtures).reduce((n, f) => n + f.errors.length, 0), lines.join("\n"));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
