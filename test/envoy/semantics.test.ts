// Reads the generated YAML back and checks what it means: where traffic goes, how often it
// is retried, who may call, how values are escaped. Structure, not wording.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { buildFractionalPercent, escapeHeaderValue, formatDuration } from "../../targets/envoy/format.ts";
import { envoyFeaturesIR } from "../fixtures/ir/envoy-features.ts";
import { sampleIR } from "../fixtures/ir/sample.ts";
import { bootstrapOf, clusterOf, httpFilterNames, httpFilterOf, listenerOf, networkFilterOf, routeOf, type Obj } from "./helpers.ts";

const web = bootstrapOf(sampleIR, "web");
const payments = bootstrapOf(sampleIR, "payments");
const edge = bootstrapOf(sampleIR, "gateway-edge");
const api = bootstrapOf(envoyFeaturesIR, "api");
const publicGateway = bootstrapOf(envoyFeaturesIR, "gateway-public");

test("durations are seconds strings, never milliseconds", () => {
  assert.equal([250, 1500, 1, 1000, 3600000, 0].map(formatDuration), ["0.25s", "1.5s", "0.001s", "1s", "3600s", "0s"]);
  assert.is(routeOf(web, "web-catalog").route.retry_policy.per_try_timeout, "0.5s");
});

test("the 90/10 split sends 90 to catalog-v1 and 10 to catalog-v2, in IR order", () => {
  const clusters = routeOf(web, "web-catalog").route.weighted_clusters.clusters;
  assert.equal(clusters, [{ name: "catalog-v1", weight: 90 }, { name: "catalog-v2", weight: 10 }]);
  assert.is(routeOf(web, "web-catalog-canary").route.cluster, "catalog-v2");
});

test("routes keep IR order within their virtual host", () => {
  const hcm = networkFilterOf(listenerOf(web, "outbound-http"));
  assert.equal(hcm.route_config.virtual_hosts[0].routes.map((r: Obj) => r.name), ["web-catalog-canary", "web-catalog", "web-catalog-legacy", "web-catalog-gone"]);
});

test("retries: count, per-try timeout, conditions, idempotent-only via :method", () => {
  const retry = routeOf(web, "web-catalog").route.retry_policy;
  assert.is(retry.num_retries, 2);
  assert.equal(retry.retry_on.split(","), ["5xx", "connect-failure", "reset"]);
  assert.is(retry.retriable_request_headers[0].name, ":method");
  const idempotent = new RegExp(`^(?:${retry.retriable_request_headers[0].string_match.safe_regex.regex})$`);
  assert.ok(["GET", "HEAD", "PUT", "DELETE", "OPTIONS", "TRACE"].every((m) => idempotent.test(m)));
  assert.not.ok(idempotent.test("POST") || idempotent.test("PATCH"));
  const grpc = routeOf(web, "web-payments").route.retry_policy;
  assert.equal([grpc.num_retries, grpc.per_try_timeout, grpc.retry_on, grpc.retriable_request_headers], [3, "1s", "unavailable", undefined]);
  const statuses = routeOf(api, "profile-grpc").route.retry_policy;
  assert.ok(statuses.retry_on.split(",").includes("retriable-status-codes"));
  assert.equal(statuses.retriable_status_codes, [409, 429]);
});

test("a route without a timeout gets \"0s\" (no deadline), not Envoy's 15 s default", () => {
  assert.is(routeOf(web, "web-catalog").route.timeout, "2s");
  assert.is(routeOf(api, "sessions").route.timeout, "0s");
});

test("RBAC: principals are the SPIFFE IDs of the peer certificate; deny filter before allow", () => {
  const hcm = networkFilterOf(listenerOf(payments, "inbound-9090"));
  assert.equal(httpFilterNames(hcm), ["meshc.request_model", "meshc.rbac.single_identity", "meshc.rbac.deny", "meshc.rbac.allow", "envoy.filters.http.local_ratelimit", "envoy.filters.http.router"]);
  const [deny, allow] = ["meshc.rbac.deny", "meshc.rbac.allow"].map((name) => httpFilterOf(hcm, name).rules);
  assert.is(deny.action, "DENY");
  assert.equal(Object.keys(deny.policies), ["deny-legacy"]);
  assert.is(allow.action, "ALLOW");
  assert.equal(allow.policies["web-charges"].principals, [{ authenticated: { principal_name: { exact: "spiffe://shop.example.com/ns/shop/sa/web" } } }]);
  const conditions = allow.policies["web-charges"].permissions[0].and_rules.rules;
  assert.equal(conditions[0], { header: { name: ":method", string_match: { exact: "POST" } } });
  assert.equal(conditions[1].or_rules.rules[0].url_path.path, { exact: "/shop.Payments/Charge" });
  assert.equal(conditions[2].header, { name: "x-tenant", present_match: true });
});

test("default allow with deny rules: only a DENY filter; inverted header conditions kept", () => {
  const hcm = networkFilterOf(listenerOf(api, "inbound-8080"));
  assert.equal(httpFilterNames(hcm), ["meshc.request_model", "meshc.rbac.single_identity", "envoy.filters.http.jwt_authn", "meshc.rbac.deny", "envoy.filters.http.router"]);
  const rules = httpFilterOf(hcm, "meshc.rbac.deny").rules.policies["no-admin"].permissions[0].and_rules.rules;
  assert.equal(rules[0].header.string_match.safe_regex.regex, "DELETE|PUT");
  assert.equal(rules[2].header, { name: "x-override", invert_match: true, string_match: { exact: "1" } });
});

test("% in header values is escaped as %% (one helper, every value)", () => {
  assert.is(escapeHeaderValue("100%"), "100%%");
  const route = routeOf(web, "web-catalog");
  assert.equal(route.request_headers_to_add, [{ header: { key: "x-route", value: "catalog 100%%" }, append_action: "OVERWRITE_IF_EXISTS_OR_ADD" }]);
  assert.equal(route.request_headers_to_remove, ["x-debug"]);
  assert.equal(route.response_headers_to_add[0].append_action, "APPEND_IF_EXISTS_OR_ADD");
  assert.is(routeOf(api, "sessions").request_headers_to_add[0].header.value, "%%ENVIRONMENT(SECRET)%%");
});

test("ring hash: the hash key of the cluster is on every route to it", () => {
  assert.is(clusterOf(web, "payments").lb_policy, "RING_HASH");
  assert.equal(routeOf(web, "web-payments").route.hash_policy, [{ header: { header_name: "x-user-id" } }]);
  assert.equal(routeOf(api, "sessions").route.hash_policy, [{ cookie: { name: "sid", ttl: "3600s" } }]);
  assert.equal(routeOf(web, "web-catalog").route.hash_policy, undefined);
  assert.equal(networkFilterOf(listenerOf(api, "outbound-tcp-6379")).hash_policy, [{ source_ip: {} }]);
});

test("mirror, fault, redirect and direct response", () => {
  assert.equal(routeOf(web, "web-catalog").route.request_mirror_policies, [{ cluster: "catalog-v2", runtime_fraction: { default_value: { numerator: 5, denominator: "HUNDRED" } } }]);
  const fault = routeOf(web, "web-payments").typed_per_filter_config["envoy.filters.http.fault"];
  assert.equal(fault.delay, { fixed_delay: "0.1s", percentage: { numerator: 1, denominator: "HUNDRED" } });
  assert.equal(buildFractionalPercent(0.5), { numerator: 5000, denominator: "MILLION" });
  assert.equal(routeOf(api, "search-abort").typed_per_filter_config["envoy.filters.http.fault"].abort, { http_status: 503, percentage: { numerator: 5000, denominator: "MILLION" } });
  const legacy = routeOf(web, "web-catalog-legacy");
  assert.equal(legacy.match, { safe_regex: { regex: "/legacy/[0-9]+" }, query_parameters: [{ name: "v", string_match: { exact: "1" } }] });
  assert.equal(legacy.redirect, { scheme_redirect: "https", path_redirect: "/api/catalog", response_code: "MOVED_PERMANENTLY" });
  assert.equal(routeOf(web, "web-catalog-gone").direct_response, { status: 410, body: { inline_string: "gone" } });
});

test("mTLS: strict requires a client cert; permissive has TLS and plain-text chains behind tls_inspector", () => {
  const strict = listenerOf(payments, "inbound-9090");
  const context = strict.filter_chains[0].transport_socket.typed_config;
  assert.is(context.require_client_certificate, true);
  assert.equal(context.common_tls_context.tls_params.tls_minimum_protocol_version, "TLSv1_2");
  assert.is(context.common_tls_context.tls_params.cipher_suites.length, 6);
  const permissive = listenerOf(web, "inbound-8080");
  assert.equal(permissive.listener_filters.map((f: Obj) => f.name), ["envoy.filters.listener.tls_inspector"]);
  assert.equal(permissive.filter_chains.map((c: Obj) => c.filter_chain_match.transport_protocol), ["tls", "raw_buffer"]);
  assert.is(permissive.filter_chains[0].transport_socket.typed_config.require_client_certificate, undefined);
  assert.is(permissive.filter_chains[1].transport_socket, undefined);
});

test("upstream mTLS presents the proxy cert and accepts only the peer SPIFFE ID", () => {
  const context = clusterOf(web, "catalog-v1").transport_socket.typed_config.common_tls_context;
  assert.equal(context.tls_certificates[0].certificate_chain, { filename: "/etc/meshc/certs/web/cert.pem" });
  assert.equal(context.validation_context.match_typed_subject_alt_names, [{ san_type: "URI", matcher: { exact: "spiffe://shop.example.com/ns/shop/sa/catalog" } }]);
  const origination = clusterOf(api, "egress-weather");
  assert.is(origination.type, "STRICT_DNS");
  assert.equal(origination.transport_socket.typed_config.common_tls_context.validation_context, {
    system_root_certs: {}, match_typed_subject_alt_names: [{ san_type: "DNS", matcher: { exact: "api.weather.example.com" } }] });
  assert.ok(clusterOf(web, "payments").typed_extension_protocol_options["envoy.extensions.upstreams.http.v3.HttpProtocolOptions"].explicit_http_config.http2_protocol_options);
});

test("gateways: one chain per certificate, SNI names on the named ones", () => {
  const chains = listenerOf(publicGateway, "inbound-443").filter_chains;
  assert.equal(chains.map((c: Obj) => c.filter_chain_match?.server_names ?? null), [null, ["example.org", "www.example.org"]]);
  assert.equal(listenerOf(edge, "inbound-8443").filter_chains[0].filter_chain_match.server_names, ["shop.example.com"]);
});

test("admin on loopback, node identity, metrics listener, request ids, rate limit bucket", () => {
  assert.equal(web.admin.address.socket_address, { address: "127.0.0.1", port_value: 15000 });
  assert.equal([web.node.id, web.node.cluster], ["web", "web"]);
  const stats = listenerOf(web, "meshc_prometheus");
  assert.equal(stats.address.socket_address, { address: "127.0.0.1", port_value: 15090 });
  assert.is(networkFilterOf(listenerOf(web, "outbound-http")).generate_request_id, true);
  assert.is(networkFilterOf(listenerOf(api, "outbound-http")).generate_request_id, false);
  const bucket = networkFilterOf(listenerOf(payments, "inbound-9090")).http_filters.find((f: Obj) => f.name === "envoy.filters.http.local_ratelimit").typed_config.token_bucket;
  assert.equal(bucket, { max_tokens: 120, tokens_per_fill: 100, fill_interval: "1s" });
});

test("JWT: remote JWKS through a derived cluster; optional tokens allow a missing one", () => {
  const jwt = httpFilterOf(networkFilterOf(listenerOf(api, "inbound-8080")), "envoy.filters.http.jwt_authn");
  assert.equal(jwt.providers["corp-sso"].remote_jwks.http_uri.cluster, "meshc_jwks_corp-sso");
  assert.equal(jwt.rules[0].requires, { provider_name: "corp-sso" });
  assert.equal(clusterOf(api, "meshc_jwks_corp-sso").load_assignment.endpoints[0].lb_endpoints[0].endpoint.address.socket_address, { address: "sso.example.org", port_value: 443 });
  const optional = httpFilterOf(networkFilterOf(listenerOf(publicGateway, "inbound-443")), "envoy.filters.http.jwt_authn");
  assert.equal(optional.rules[0].requires.requires_any.requirements[1], { allow_missing: {} });
  assert.equal(optional.providers.local.local_jwks, { filename: "/etc/meshc/certs/jwks.json" });
});

test("access log: a json_format object on stdout, TCP listeners log only connection fields", () => {
  const log = networkFilterOf(listenerOf(web, "outbound-http")).access_log[0].typed_config;
  assert.is(log["@type"], "type.googleapis.com/envoy.extensions.access_loggers.stream.v3.StdoutAccessLog");
  assert.is(log.log_format.json_format.status, "%RESPONSE_CODE%");
  assert.equal(Object.keys(networkFilterOf(listenerOf(web, "outbound-tcp-5432")).access_log[0].typed_config.log_format.json_format).sort(), ["duration_ms", "start_time", "upstream"]);
});

test("hostile header values survive YAML and reach Envoy as literals", async () => {
  const { emitEnvoy } = await import("../../targets/envoy/index.ts");
  const YAML = (await import("yaml")).default;
  const hostile = ["yes", "0x10", "!!binary x", "x\"; ssl_engine /x/e.so; #", "%[req.hdr(cookie)]", "~", "&a", "*a", "---"];
  const ir = { ...sampleIR, proxies: sampleIR.proxies.map((p) => p.name !== "web" ? p : { ...p, listeners: p.listeners.map((l) => l.kind !== "http" || l.name !== "outbound-http" ? l : {
    ...l, virtualHosts: l.virtualHosts.map((v) => ({ ...v, routes: v.routes.map((r) => r.name !== "web-catalog" ? r : {
      ...r, requestHeaders: { set: hostile.map((value, i) => ({ name: `x-h${i}`, value })), add: [], remove: [] } }) })) }) }) };
  const text = emitEnvoy(ir).files.find((f) => f.path === "envoy/web.yaml")!.content;
  const values = routeOf(YAML.parse(text), "web-catalog").request_headers_to_add.map((h: Obj) => h.header.value);
  assert.equal(values, hostile.map((v) => v.replaceAll("%", "%%")));
});

test.run();
