// The TOML locator (the parser keeps no positions): headers are matched by their whole dotted
// name, the n-th element of an array of tables by the n-th header, keys inside their table.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { tomlLocator } from "../../compiler/load/positions-toml.ts";
import { parsePath } from "../../compiler/load/locate.ts";

const TEXT = `name = "shop"

[services.web]
ports = { http = { port = 8080, protocol = "http" } }

[gateways.edge]
port = 8443
[[gateways.edge.routes]]
name = "edge-site"
to = "web"

[[routes]]
name = "first"
from = "web"
to = "api"

[[routes]]
name = "second"
timeout = "3s"
match = { path = { prefix = "/x" } }

[[authorization]]
name = "rule"
allow = { from = ["web"], to = "api" }
`;

const at = (path: string) => {
  const pos = tomlLocator(TEXT)(parsePath(path));
  return pos ? `${pos.line}:${pos.column}` : null;
};

test("an array of tables is found by its whole name, not a longer header ending in it", () => {
  assert.is(at("routes[0]"), "12:1");
  assert.is(at("routes[0].to"), "15:1");
  assert.is(at("gateways.edge.routes[0].to"), "10:1");
});

test("the n-th element is the n-th header, and keys stay inside their table", () => {
  assert.is(at("routes[1]"), "17:1");
  assert.is(at("routes[1].timeout"), "19:1");
  assert.is(at("routes[1].match.path.prefix"), "20:20");
  // routes[1] has no `from`: the nearest ancestor, not the `from` of routes[0] or of a rule.
  assert.is(at("routes[1].from"), "17:1");
  assert.is(at("authorization[0].allow.to"), "24:27");
});

test("tables and inline tables", () => {
  assert.is(at("services.web.ports.http.port"), "4:20");
  assert.is(at("gateways.edge.port"), "7:1");
  assert.is(at("name"), "1:1");
});

test.run();
