// What `meshc init` writes besides the starter config: each file stands on its own, so a
// new project compiles, type-checks, tests its policies and runs in CI as written.

export const TSCONFIG = `{
  "compilerOptions": {
    "target": "es2022",
    "module": "nodenext",
    "moduleResolution": "nodenext",
    "strict": true,
    "noEmit": true,
    "skipLibCheck": true,
    "allowImportingTsExtensions": true
  },
  "include": ["mesh.config.ts"]
}
`;

export const POLICY_TEST_PATH = "test/mesh-policies.test.mjs";

// Plain JavaScript: `node --test` runs it with no TypeScript loader, and so does uvu or
// any other runner (swap the two imports at the top).
export const POLICY_TEST = `// Policy tests: what the mesh decides for a request, asked of the compiled config.
// Run with: npm run mesh:test   (node --test; no TypeScript loader needed)
import { test } from "node:test";
import assert from "node:assert/strict";
import { compileConfig, explain } from "meshc/testing";

const mesh = await compileConfig(new URL("../mesh.config.ts", import.meta.url));

test("the mesh compiles without errors", () => {
  assert.deepEqual(mesh.errors, []);
});

test("web may call api; api may not call web", () => {
  const call = explain(mesh.ir, { from: "web", to: "api", method: "GET", path: "/" });
  assert.equal(call.outcome, "allowed");
  const back = explain(mesh.ir, { from: "api", to: "web", method: "GET", path: "/" });
  assert.notEqual(back.outcome, "allowed");
});
`;

export const WORKFLOW_PATH = ".github/workflows/meshc.yml";

export const WORKFLOW = `# meshc in CI: the config type-checks and compiles, the committed bundle is up to date,
# and the policy tests pass. Diagnostics show up as annotations on the pull request.
name: meshc
on: [push, pull_request]
jobs:
  mesh:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-node@v4
        with:
          node-version: 20
      - run: npm install --no-audit --no-fund
      - run: npx meshc compile mesh.config.ts --out mesh-bundle --check --format github
      - run: npm run mesh:test
`;

export const SCRIPTS: Readonly<Record<string, string>> = {
  "mesh:compile": "meshc compile mesh.config.ts --out mesh-bundle",
  "mesh:check": "meshc compile mesh.config.ts --out mesh-bundle --check",
  "mesh:validate": "meshc validate mesh.config.ts",
  "mesh:test": `node --test ${POLICY_TEST_PATH}`,
};

/** What `npm init -y` puts in "test": a placeholder, not a script the user wrote. */
export const NPM_PLACEHOLDER_TEST = 'echo "Error: no test specified" && exit 1';
