// The capability declaration is honest: every feature declared full or partial has a
// fixture that uses it and a probe that finds the Envoy field expressing it; the probes
// discriminate (a minimal IR lights up only the few features it uses).
import { test } from "uvu";
import * as assert from "uvu/assert";
import { FEATURES, type Feature } from "../../compiler/target.ts";
import { envoyCapabilities } from "../../targets/envoy/capabilities.ts";
import { envoy } from "../../targets/envoy/index.ts";
import { envoyFeaturesIR } from "../fixtures/ir/envoy-features.ts";
import { buildXdsTrafficIR } from "../fixtures/ir/envoy-xds.ts";
import { sampleIR } from "../fixtures/ir/sample.ts";
import { emitBootstraps, type Obj } from "./helpers.ts";

/** Every object of the bootstraps, except the inside of meshc's own stats listener. */
function collectNodes(bootstraps: Iterable<Obj>): Obj[] {
  const nodes: Obj[] = [];
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) value.forEach(visit);
    else if (value !== null && typeof value === "object") {
      const obj = value as Obj;
      nodes.push(obj);
      // The stats listener's own routes are not user routes: do not let them count as such.
      if (typeof obj.name === "string" && obj.name.startsWith("meshc_") && obj.address !== undefined) return;
      // The request model's own filters hold no user rule (request-model.test.ts checks them).
      if (obj.name === "meshc.request_model" || obj.name === "meshc.rbac.single_identity") return;
      Object.values(obj).forEach(visit);
    }
  };
  for (const b of bootstraps) visit(b);
  return nodes;
}

type Probe = (n: Obj) => boolean;
const routeAction = (p: (route: Obj) => boolean): Probe => (n) => n.match !== undefined && n.route !== undefined && p(n.route);
const rbacHeader = (pred: (name: string) => boolean): Probe => (n) => typeof n.header?.name === "string" && pred(n.header.name);
const isType = (n: Obj, suffix: string) => typeof n["@type"] === "string" && n["@type"].endsWith(suffix);

const PROBES: Record<Feature, Probe> = {
  "route.match.path.exact": (n) => n.match?.path !== undefined && n.name !== undefined && n.match.headers?.[0]?.name !== ":method",
  "route.match.path.prefix": (n) => typeof n.match?.path_separated_prefix === "string",
  "route.match.path.string-prefix": (n) => typeof n.match?.prefix === "string" && n.match.prefix !== "/",
  "route.match.hostnames": (n) => (n.match?.headers ?? []).some((h: Obj) => h.name === ":authority"),
  "route.match.path.regex": (n) => n.match?.safe_regex !== undefined,
  "route.match.method": (n) => (n.match?.headers ?? []).some((h: Obj) => h.name === ":method"),
  "route.match.header": (n) => (n.match?.headers ?? []).some((h: Obj) => !h.name.startsWith(":")),
  "route.match.query": (n) => n.match?.query_parameters !== undefined,
  "route.split": routeAction((r) => r.weighted_clusters !== undefined),
  "route.rewrite.prefix": routeAction((r) => r.prefix_rewrite !== undefined || /^\^.*\(\/\.\*\)\?\$$|\/\?\(\.\*\)\$$/.test(r.regex_rewrite?.pattern?.regex ?? "")),
  "route.rewrite.path": routeAction((r) => r.regex_rewrite?.pattern?.regex === "^/.*$"),
  "route.rewrite.regex": routeAction((r) => r.regex_rewrite !== undefined),
  "route.rewrite.host": routeAction((r) => r.host_rewrite_literal !== undefined),
  "route.redirect": (n) => n.match !== undefined && n.redirect !== undefined,
  "route.direct-response": (n) => n.match !== undefined && n.direct_response !== undefined,
  "route.headers.request": (n) => n.match !== undefined && (n.request_headers_to_add !== undefined || n.request_headers_to_remove !== undefined),
  "route.headers.response": (n) => n.match !== undefined && (n.response_headers_to_add !== undefined || n.response_headers_to_remove !== undefined),
  "route.mirror": routeAction((r) => r.request_mirror_policies !== undefined),
  "route.timeout": routeAction((r) => r.timeout !== "0s"),
  "route.retries": routeAction((r) => r.retry_policy?.num_retries > 0),
  "route.retries.per-try-timeout": routeAction((r) => r.retry_policy?.per_try_timeout !== undefined),
  "route.retries.grpc-conditions": routeAction((r) => /unavailable|cancelled|deadline-exceeded/.test(r.retry_policy?.retry_on ?? "")),
  "route.retries.idempotent-only": routeAction((r) => r.retry_policy?.retriable_request_headers?.[0]?.name === ":method"),
  "route.fault.delay": (n) => isType(n, "HTTPFault") && n.delay !== undefined,
  "route.fault.abort": (n) => isType(n, "HTTPFault") && n.abort !== undefined,
  "route.tcp": (n) => isType(n, "TcpProxy"),
  "lb.round-robin": (n) => n.lb_policy === "ROUND_ROBIN",
  "lb.least-request": (n) => n.lb_policy === "LEAST_REQUEST",
  "lb.random": (n) => n.lb_policy === "RANDOM",
  "lb.hash.header": routeAction((r) => (r.hash_policy ?? []).some((h: Obj) => h.header !== undefined)),
  "lb.hash.cookie": routeAction((r) => (r.hash_policy ?? []).some((h: Obj) => h.cookie !== undefined)),
  "lb.hash.source-ip": (n) => isType(n, "TcpProxy") && (n.hash_policy ?? []).some((h: Obj) => h.source_ip !== undefined),
  "cluster.connection-limits": (n) => n.circuit_breakers !== undefined,
  "cluster.outlier-detection": (n) => n.outlier_detection !== undefined,
  "cluster.health-check": (n) => n.health_checks !== undefined,
  "cluster.dns-discovery": (n) => n.type === "STRICT_DNS" && !String(n.name).startsWith("meshc_"),
  "inbound.mtls.strict": (n) => isType(n, "DownstreamTlsContext") && n.require_client_certificate === true,
  "inbound.mtls.permissive": (n) => n.filter_chain_match?.transport_protocol === "raw_buffer",
  "inbound.authz.principal": (n) => n.authenticated?.principal_name?.exact?.startsWith("spiffe://") === true,
  "inbound.authz.method": rbacHeader((name) => name === ":method"),
  "inbound.authz.path": (n) => n.url_path !== undefined,
  "inbound.authz.header": rbacHeader((name) => !name.startsWith(":")),
  "inbound.rate-limit": (n) => isType(n, "LocalRateLimit"),
  "inbound.jwt": (n) => isType(n, "JwtAuthentication"),
  "upstream.peer-identity": (n) => isType(n, "UpstreamTlsContext")
    && (n.common_tls_context?.validation_context?.match_typed_subject_alt_names ?? []).some((m: Obj) => m.san_type === "URI" && String(m.matcher?.exact ?? "").startsWith("spiffe://")),
  "gateway.tls": (n) => Array.isArray(n.filter_chain_match?.server_names) && n.transport_socket !== undefined,
  "egress.tls-origination": (n) => isType(n, "UpstreamTlsContext") && n.common_tls_context?.validation_context?.system_root_certs !== undefined,
  "observability.access-log": (n) => isType(n, "StdoutAccessLog") && n.log_format?.json_format !== undefined,
  "observability.metrics": (n) => n.name === "meshc_prometheus" && n.address?.socket_address?.address === "127.0.0.1",
  "observability.request-id": (n) => n.generate_request_id === true,
};

function featuresFound(nodes: readonly Obj[]): Feature[] {
  return FEATURES.filter((f) => nodes.some(PROBES[f]));
}

test("every feature is declared, none is 'none', partial ones say what differs", () => {
  assert.equal(Object.keys(envoyCapabilities).sort(), [...FEATURES].sort());
  assert.is(envoy.capabilities, envoyCapabilities);
  for (const feature of FEATURES) {
    const support = envoyCapabilities[feature];
    assert.ok(support.support === "full" || support.support === "partial", `${feature}: ${support.support}`);
    if (support.support === "partial") assert.ok(support.note.length > 20, feature);
  }
});

test("every declared feature is produced by the fixtures as the Envoy field that expresses it", () => {
  const nodes = collectNodes([...emitBootstraps(sampleIR).values(), ...emitBootstraps(envoyFeaturesIR).values()]);
  const found = new Set(featuresFound(nodes));
  const missing = FEATURES.filter((f) => !found.has(f));
  assert.equal(missing, [], `declared but not produced: ${missing.join(", ")}`);
});

test("the probes discriminate: a minimal IR shows only the features it uses", () => {
  const nodes = collectNodes(emitBootstraps(buildXdsTrafficIR(1, 2)).values());
  assert.equal(featuresFound(nodes), ["route.match.path.string-prefix", "route.split", "route.timeout", "lb.round-robin"]);
});

test.run();
