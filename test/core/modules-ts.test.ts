// A mesh.config.ts composed of team modules in their own files: it loads to plain data, and a
// mistake in a team's file is reported in that file, at the line the team wrote it.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { compileFile } from "../../compiler/compile.ts";

const files: Record<string, string> = {
  "mesh.config.ts": `import { defineMesh } from "meshc";
import payments from "./teams/payments/module.ts";
import storefront from "./teams/storefront/module.ts";

export default defineMesh({
  name: "shop", trustDomain: "shop.example.com", namespace: "shop",
  modules: [storefront, payments],
});
`,
  "teams/payments/services.ts": `import { service } from "meshc";

export const payments = service("payments", {
  ports: { http: { port: 8080, protocol: "http" } },
  versions: { v1: { endpoints: ["10.0.0.21"] }, v2: { endpoints: ["10.0.0.22"] } },
});
export const ledger = service("ledger", { ports: { http: { port: 8080, protocol: "http" } }, endpoints: ["10.0.0.30"] });
`,
  "teams/payments/module.ts": `import { allow, defineModule, route } from "meshc";
import { checkout } from "../storefront/services.ts";
import { ledger, payments } from "./services.ts";

export default defineModule({
  name: "payments",
  owner: "@acme/payments",
  services: [payments, ledger],
  routes: [route({ from: payments, to: ledger, timeout: "2s" })],
  authorization: [
    allow({ from: [checkout], to: payments, methods: ["POST"] }),
    allow({ from: [payments], to: ledger }),
  ],
});
`,
  "teams/storefront/services.ts": `import { service } from "meshc";

export const checkout = service("checkout", { ports: { http: { port: 8080, protocol: "http" } }, endpoints: ["10.0.0.10"] });
`,
  "teams/storefront/module.ts": `import { defineModule, route } from "meshc";
import { payments } from "../payments/services.ts";
import { checkout } from "./services.ts";

export default defineModule({
  name: "storefront",
  owner: "@acme/storefront",
  services: [checkout],
  routes: [route({ from: checkout, to: payments, split: { v1: 90, v2: 10 }, timeout: "3s" })],
});
`,
};

function project(change: (f: Record<string, string>) => void = () => {}): string {
  const dir = mkdtempSync(join(tmpdir(), "meshc-modules-"));
  const copy = { ...files };
  change(copy);
  for (const [path, text] of Object.entries(copy)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

const OPTIONS = { typecheck: false, verify: "none", targets: ["envoy", "certs"] } as const;

test("a config composed of team modules in their own files compiles; owners come from the modules", async () => {
  const dir = project();
  try {
    const r = await compileFile(undefined, { cwd: dir, ...OPTIONS });
    assert.equal(r.diagnostics.filter((d) => d.severity === "error"), []);
    const owners = Object.fromEntries(r.mesh!.services.map((s) => [s.name, s.owner]));
    assert.equal(owners, { checkout: "@acme/storefront", ledger: "@acme/payments", payments: "@acme/payments" });
    assert.equal(r.config!.inputs.map((p) => p.slice(dir.length + 1)).sort(), Object.keys(files).sort());
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("diagnostics about a team's parts point at the team's file, line and column", async () => {
  const dir = project((f) => {
    // A bad duration in a route of the payments team, and a bad address in a storefront service.
    f["teams/payments/module.ts"] = f["teams/payments/module.ts"]!.replace(`timeout: "2s"`, `timeout: "2 parsecs" as "2s"`);
    f["teams/storefront/services.ts"] = f["teams/storefront/services.ts"]!.replace(`"10.0.0.10"`, `"not an address!"`);
  });
  try {
    const r = await compileFile(undefined, { cwd: dir, ...OPTIONS });
    const timeout = r.diagnostics.find((d) => d.path.includes("timeout"));
    assert.ok(timeout, JSON.stringify(r.diagnostics));
    assert.is(timeout!.file, "teams/payments/module.ts");
    assert.is(timeout!.path, "modules[1].routes[0].timeout");
    assert.equal([timeout!.line, timeout!.column], [9, 48]);
    assert.not.match(timeout!.message, /(^|[^.])routes\[1\]/, "the message names the route as the team wrote it");
    const endpoint = r.diagnostics.find((d) => d.path.includes("endpoints"));
    assert.ok(endpoint, JSON.stringify(r.diagnostics));
    assert.is(endpoint!.file, "teams/storefront/services.ts");
    assert.is(endpoint!.line, 3);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a name two teams declare is reported in the second team's module, naming both", async () => {
  const dir = project((f) => {
    f["teams/storefront/module.ts"] = f["teams/storefront/module.ts"]!
      .replace(`import { payments } from "../payments/services.ts";`, `import { ledger, payments } from "../payments/services.ts";`)
      .replace("services: [checkout]", "services: [checkout, ledger]");
  });
  try {
    const r = await compileFile(undefined, { cwd: dir, ...OPTIONS });
    const d = r.diagnostics.find((x) => x.code === "MESH1110");
    assert.ok(d, JSON.stringify(r.diagnostics));
    assert.is(d!.file, "teams/payments/module.ts", "modules: [storefront, payments]: payments declares it second");
    assert.match(d!.message, /"storefront".*"payments"/);
    assert.is(d!.line, 8);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a misspelled handle (a ReferenceError when the config runs) is placed by tsc in the team's file, with a did-you-mean", async () => {
  // Inside the repository, so that tsc resolves `meshc` as in a user's project.
  const root = fileURLToPath(new URL("../..", import.meta.url));
  mkdirSync(join(root, ".tmp"), { recursive: true });
  const dir = mkdtempSync(join(root, ".tmp", "modules-typo-"));
  try {
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), path === "teams/payments/module.ts" ? text.replace("to: ledger", "to: ledgr") : text);
    }
    const r = await compileFile(undefined, { cwd: dir, verify: "none", targets: ["envoy"] });
    assert.ok(r.diagnostics.some((d) => d.code === "MESH1003" && /ledgr/.test(d.message)), JSON.stringify(r.diagnostics));
    const typed = r.diagnostics.find((d) => d.code === "MESH1004");
    assert.ok(typed, JSON.stringify(r.diagnostics));
    assert.equal([typed!.file, typed!.line], ["teams/payments/module.ts", 9]);
    assert.match(typed!.message, /'ledgr'.*did you mean 'ledger'/i);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
