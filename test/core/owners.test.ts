// Whose a diagnostic is: the owner of the service it concerns (a service's own owner, else
// its module's; a team file's routes and rules are the team's; a root route or rule concerns
// its destination), and how that shows in text, JSON and GitHub output.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { diagnostic } from "../../compiler/diagnostics/define.ts";
import { coreCodes } from "../../compiler/diagnostics/codes.ts";
import { formatDiagnostics } from "../../compiler/diagnostics/format.ts";
import { attributeOwners, ownerAt, serviceOwners } from "../../compiler/diagnostics/owners.ts";
import { parsePath } from "../../compiler/load/locate.ts";
import { compileConfig } from "../../compiler/testing.ts";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { variant } from "./base.ts";

const written = {
  services: { web: { owner: "web-team" }, db: {} },
  routes: [{ from: "web", to: "api" }, { from: "web", to: "db" }],
  authorization: [{ allow: { from: ["web"], to: "pay" } }, { deny: { from: ["api"], to: "web" } }],
  gateways: { edge: { routes: [{ to: "web" }] } },
  modules: [
    { owner: "api-team", services: { api: {}, search: { owner: "search-team" } }, routes: [{ from: "api", to: "web" }] },
    { services: { pay: { owner: "pay-team" } }, routes: [{ to: "pay" }] },
  ],
};

test("the owner by path", () => {
  const owners = serviceOwners(written);
  assert.equal([...owners], [["web", "web-team"], ["api", "api-team"], ["search", "search-team"], ["pay", "pay-team"]]);
  const at = (path: string) => ownerAt(written, parsePath(path), owners);
  assert.is(at("services.web.ports.http.port"), "web-team");
  assert.is(at("services.db.endpoints[0]"), null, "no owner declared: none guessed");
  assert.is(at("routes[0].timeout"), "api-team", "a root route concerns its destination");
  assert.is(at("routes[1]"), null);
  assert.is(at("authorization[0].allow.from[0]"), "pay-team");
  assert.is(at("authorization[1].deny.to"), "web-team");
  assert.is(at("gateways.edge.routes[0].to"), "web-team");
  assert.is(at("modules[0].services.api.versions"), "api-team", "the module's owner is its services' default");
  assert.is(at("modules[0].services.search"), "search-team", "a service's own owner wins");
  assert.is(at("modules[0].routes[0].to"), "api-team", "a team file's route is the team's");
  assert.is(at("modules[1].routes[0].split"), "pay-team", "a module without owner: its routes concern their destination");
  assert.is(at("modules[1].services.pay"), "pay-team");
  assert.is(at("name"), null);
});

test("attributed only to diagnostics about the config's files", () => {
  const about = (file: string, path: string) => diagnostic(coreCodes.unknownService, { message: "m", file, path });
  const out = attributeOwners([about("mesh.yaml", "services.web"), about("teams/a.toml", "modules[0].routes[0]"), about("envoy/web.yaml", "services.web")], written, new Set(["mesh.yaml", "teams/a.toml"]));
  assert.equal(out.map((d) => d.owner ?? null), ["web-team", "api-team", null]);
});

test("text, JSON and GitHub output name the owner", () => {
  const d = { ...diagnostic(coreCodes.unknownVersion, { message: "unknown version \"v3\"", file: "mesh.yaml", line: 3, column: 5, path: "routes[0].split.v3" }), owner: "@acme/payments" };
  assert.match(formatDiagnostics([d], "text"), /^mesh\.yaml:3:5 error MESH2002 unknown version "v3" \[owner: @acme\/payments\]$/m);
  assert.is((JSON.parse(formatDiagnostics([d], "json")) as { owner: string }[])[0]!.owner, "@acme/payments");
  assert.match(formatDiagnostics([d], "github"), /title=MESH2002 \[owner%3A @acme\/payments\]::/);
  const none = diagnostic(coreCodes.unknownVersion, { message: "m", file: "mesh.yaml", line: 3, column: 5 });
  assert.not.match(formatDiagnostics([none], "text"), /owner/);
  assert.not.ok("owner" in (JSON.parse(formatDiagnostics([none], "json")) as object[])[0]!);
});

test("compiled from a file: an unknown version in a route to an owned service names its owner", async () => {
  const dir = mkdtempSync(join(tmpdir(), "meshc-owners-"));
  try {
    writeFileSync(join(dir, "mesh.json"), JSON.stringify(variant((m) => { m.services.api.owner = "api-team"; m.routes[0].split = { v1: 90, v3: 10 }; })));
    const r = await compileConfig(join(dir, "mesh.json"), { targets: ["envoy"] });
    assert.equal(r.diagnostics.filter((x) => x.severity === "error").map((x) => [x.code, x.owner]), [["MESH2002", "api-team"]]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
