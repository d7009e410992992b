// The request model on Envoy, read back from the emitted bootstraps of the fixtures and of
// every example: each HTTP connection manager normalizes and refuses what the model refuses,
// carries the hardening limits, sanitizes X-Forwarded-Client-Cert, and every RBAC principal
// is an exact SPIFFE URI SAN. The same outputs pass the strict proto verifier.
import { existsSync, readdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { compileFile } from "../../compiler/compile.ts";
import type { HttpListenerIR, MeshIR } from "../../compiler/ir/types.ts";
import { CONFIG_NAMES } from "../../compiler/load/index.ts";
import { fullMatchRe2 } from "../../compiler/review/match.ts";
import { verifyEnvoyIR } from "../../targets/envoy/verify.ts";
import { envoyFeaturesIR } from "../fixtures/ir/envoy-features.ts";
import { sampleIR } from "../fixtures/ir/sample.ts";
import { emitBootstraps, httpFilterNames, httpFilterOf, type Obj } from "./helpers.ts";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");

async function exampleIRs(): Promise<[string, MeshIR][]> {
  const out: [string, MeshIR][] = [];
  for (const name of readdirSync(join(ROOT, "examples")).sort()) {
    const config = CONFIG_NAMES.map((c) => join(ROOT, "examples", name, c)).find(existsSync);
    if (config === undefined) continue;
    const r = await compileFile(config, { cwd: ROOT, verify: "none", typecheck: false, targets: ["envoy"] });
    if (r.ir) out.push([name, r.ir]);
  }
  return out;
}

const irs: [string, MeshIR][] = [["sample", sampleIR], ["envoy-features", envoyFeaturesIR], ...(await exampleIRs())];

interface Hcm { ir: string; proxy: string; kind: string; listener: HttpListenerIR; hcm: Obj }
const hcms: Hcm[] = irs.flatMap(([name, ir]) => {
  const bootstraps = emitBootstraps(ir);
  return ir.proxies.flatMap((proxy) => proxy.listeners.filter((l): l is HttpListenerIR => l.kind === "http").flatMap((listener) => {
    const out = bootstraps.get(proxy.name)!.static_resources.listeners.find((l: Obj) => l.name === listener.name);
    return out.filter_chains.map((chain: Obj) => ({ ir: name, proxy: proxy.name, kind: proxy.kind, listener, hcm: chain.filters.at(-1).typed_config }));
  }));
});

const where = (h: Hcm) => `${h.ir}/${h.proxy}/${h.listener.name}`;
const ruleHeaders = (l: HttpListenerIR) => [...new Set([
  ...l.virtualHosts.flatMap((v) => v.routes.flatMap((r) => r.match.headers.map((h) => h.name))),
  ...(l.authorization?.rules ?? []).flatMap((r) => r.headers.map((h) => h.name)),
])].sort();

test("there is something to check: HTTP listeners of every kind, with rule-named headers", () => {
  assert.ok(irs.length >= 5);
  assert.ok(hcms.some((h) => h.kind === "gateway") && hcms.some((h) => h.listener.direction === "outbound"));
  assert.ok(hcms.some((h) => ruleHeaders(h.listener).length > 0));
});

test("path: normalized, slashes merged, %2F/%5C refused, never unescaped or redirected", () => {
  for (const h of hcms) {
    assert.equal([h.hcm.normalize_path, h.hcm.merge_slashes, h.hcm.path_with_escaped_slashes_action], [true, true, "REJECT_REQUEST"], where(h));
  }
});

test("upgrades: no upgrade_configs on any connection manager or route (Envoy answers 403)", () => {
  for (const h of hcms) {
    assert.is(h.hcm.upgrade_configs, undefined, where(h));
    for (const v of h.hcm.route_config.virtual_hosts) for (const r of v.routes) assert.is(r.route?.upgrade_configs, undefined, `${where(h)} ${r.name}`);
  }
});

test("the request-model RBAC runs first: repeated rule-named headers and a backslash path, mapped to 400", () => {
  for (const h of hcms) {
    assert.is(httpFilterNames(h.hcm)[0], "meshc.request_model", where(h));
    const rules = httpFilterOf(h.hcm, "meshc.request_model").rules;
    assert.is(rules.action, "DENY");
    const names = ruleHeaders(h.listener);
    const repeated = rules.policies["repeated-rule-header"];
    if (names.length === 0) assert.is(repeated, undefined, where(h));
    else {
      assert.equal(repeated.principals, [{ any: true }]);
      assert.equal(repeated.permissions, names.map((name) => ({ header: { name, string_match: { contains: "," } } })), where(h));
    }
    assert.equal(rules.policies["backslash-in-path"].permissions, [{ url_path: { path: { contains: "\\" } } }]);
    const mappers = h.hcm.local_reply_config.mappers;
    assert.ok(mappers.every((m: Obj) => m.status_code === 400));
    assert.equal(mappers.slice(1).map((m: Obj) => m.filter.header_filter.header), names.map((name) => ({ name, string_match: { contains: "," } })));
    const backslash = mappers[0].filter.header_filter.header.string_match.safe_regex.regex;
    assert.ok(fullMatchRe2(backslash, "/a\\b?x") && fullMatchRe2(backslash, "/a\\b") && !fullMatchRe2(backslash, "/a/b?x=\\"), backslash);
  }
});

test("identity: several URI SANs refused where rules name identities; every principal is an exact SPIFFE ID", () => {
  let seen = 0;
  for (const h of hcms) {
    const names = httpFilterNames(h.hcm);
    const namesIdentities = (h.listener.authorization?.rules ?? []).some((r) => r.principals !== null) && h.listener.tls?.clientCaFile != null;
    assert.is(names.includes("meshc.rbac.single_identity"), namesIdentities, where(h));
    if (namesIdentities) {
      seen++;
      const m = httpFilterOf(h.hcm, "meshc.rbac.single_identity").matcher;
      const [only] = m.matcher_list.matchers;
      assert.is(only.predicate.single_predicate.input.typed_config["@type"], "type.googleapis.com/envoy.extensions.matching.common_inputs.ssl.v3.UriSanInput");
      assert.equal(only.predicate.single_predicate.value_match, { contains: "," });
      assert.is(only.on_match.action.typed_config.action, "DENY");
      assert.is(m.on_no_match.action.typed_config.action, "ALLOW");
    }
    for (const filter of ["meshc.rbac.deny", "meshc.rbac.allow"].filter((n) => names.includes(n))) {
      for (const policy of Object.values(httpFilterOf(h.hcm, filter).rules.policies) as Obj[]) {
        for (const p of policy.principals) {
          if (p.any) continue;
          assert.equal(Object.keys(p.authenticated.principal_name), ["exact"], where(h));
          assert.match(p.authenticated.principal_name.exact, /^spiffe:\/\/[^/]+\/ns\/[^/]+\/sa\/[^/]+$/);
        }
      }
    }
  }
  assert.ok(seen > 0);
});

test("X-Forwarded-Client-Cert: SANITIZE_SET with the URI where a client cert is verified, SANITIZE everywhere else", () => {
  for (const h of hcms) {
    const verified = h.listener.direction === "inbound" && h.listener.tls?.clientCaFile != null;
    assert.is(h.hcm.forward_client_cert_details, verified ? "SANITIZE_SET" : "SANITIZE", where(h));
    assert.equal(h.hcm.set_current_client_cert_details, verified ? { uri: true } : undefined, where(h));
  }
});

test("hardening: header read bounded, underscores refused, idle and request bounded, header limits", () => {
  const seconds = (d: string) => Number(d.replace(/s$/, ""));
  for (const h of hcms) {
    const o = h.hcm.common_http_protocol_options;
    assert.is(h.hcm.request_headers_timeout, "10s", where(h));
    assert.is(o.headers_with_underscores_action, "REJECT_REQUEST", where(h));
    assert.ok(seconds(h.hcm.stream_idle_timeout) > 0 && seconds(h.hcm.stream_idle_timeout) <= 300, where(h));
    assert.ok(seconds(o.idle_timeout) > 0 && seconds(o.idle_timeout) <= 300, where(h));
    if (h.listener.protocol === "http") assert.ok(seconds(h.hcm.request_timeout) > 0 && seconds(h.hcm.request_timeout) <= 300, where(h));
    assert.ok(h.hcm.max_request_headers_kb <= 60 && o.max_headers_count <= 100, where(h));
  }
});

test("the edge makes its own request id and trusts the connection's address; sidecars keep the mesh's id", () => {
  for (const h of hcms) {
    if (h.kind === "gateway") {
      assert.equal([h.hcm.generate_request_id, h.hcm.preserve_external_request_id, h.hcm.use_remote_address], [true, false, true], where(h));
    } else if (h.hcm.generate_request_id) {
      assert.is(h.hcm.preserve_external_request_id, true, where(h));
    }
  }
});

test("every bootstrap has an overload manager with a heap and a connection monitor", () => {
  for (const [name, ir] of irs) for (const [proxy, b] of emitBootstraps(ir)) {
    const monitors = b.overload_manager.resource_monitors.map((m: Obj) => m.name).sort();
    assert.equal(monitors, ["envoy.resource_monitors.fixed_heap", "envoy.resource_monitors.global_downstream_max_connections"], `${name}/${proxy}`);
    assert.ok(b.overload_manager.actions.some((a: Obj) => a.name === "envoy.overload_actions.stop_accepting_requests"));
  }
});

test("all of it passes the strict Envoy proto verifier", () => {
  for (const [name, ir] of irs) assert.equal(verifyEnvoyIR(ir).map((d) => `${d.code} ${d.file}:${d.line} ${d.message}`), [], name);
});

test.run();
