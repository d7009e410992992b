// The product rule, checked systematically: every policy in the mesh is emitted by every
// selected target, or the compiler reports (a MESH3xxx diagnostic) that the target cannot
// express it — never a silent drop. (HAProxy once ignored `rateLimit` on TCP listeners
// and nothing said so.)
//
// For each target and each policy mutation (one policy-bearing IR value changed to
// another valid value) the target emits the base IR and the mutated IR. The mutation is
//   expressed  when the emitted files differ (comment lines ignored, so a value that
//              only shows up in a comment does not count);
//   reported   when the target declares the feature "none" (checkCapabilities reports it
//              before emit), or a MESH3xxx warning/error about that place in the config is
//              new in the mutated run, or already there in both (the target refuses the
//              whole policy, e.g. nginx on a TCP rate limit: the value cannot matter);
//   documented when the target declares the feature "partial" and the note it reports
//              (MESH3003) says this very value is not expressed: listed in DOCUMENTED_GAPS;
//   dropped    otherwise: a silent drop, listed in KNOWN_DROPS.
// Both lists must be exactly what is found, so fixing a drop and introducing one both fail
// this test until the list is updated. NO_SILENT_DROP_REPORT=1 prints the whole matrix.
//
// Proxy mutations run on Envoy, nginx and HAProxy over test/fixtures/ir/policy-matrix.ts;
// infra mutations (identities, CA, workloads, gateways, NetworkPolicies) on the Kubernetes
// target with each sidecar flavour, identities and CA also on certs, over kubernetes-rich.ts.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { checkCapabilities, collectFeatures } from "../../compiler/capabilities.ts";
import type { Diagnostic } from "../../compiler/diagnostics/types.ts";
import type { MeshIR } from "../../compiler/ir/types.ts";
import type { Feature, Target } from "../../compiler/target.ts";
import { certs } from "../../targets/certs/index.ts";
import { envoy } from "../../targets/envoy/index.ts";
import { haproxy } from "../../targets/haproxy/index.ts";
import { createKubernetesTarget } from "../../targets/kubernetes/index.ts";
import { nginx } from "../../targets/nginx/index.ts";
import { richIR } from "../fixtures/ir/kubernetes-rich.ts";
import { policyMatrixIR, policyMatrixSecurityIR } from "../fixtures/ir/policy-matrix.ts";

// ---------------------------------------------------------------------------------
// Mutations
// ---------------------------------------------------------------------------------

/** The IR with `readonly` taken off, for mutations applied to a private copy. */
type Mutable<T> = T extends readonly (infer U)[] ? Mutable<U>[] : T extends object ? { -readonly [K in keyof T]: Mutable<T[K]> } : T;
type IR = Mutable<MeshIR>;
type Proxy = IR["proxies"][number];
type Listener = Proxy["listeners"][number];
type HttpListener = Extract<Listener, { kind: "http" }>;
type TcpListener = Extract<Listener, { kind: "tcp" }>;
type Route = HttpListener["virtualHosts"][number]["routes"][number];
type Action = Route["action"];
type Cluster = Proxy["clusters"][number];

interface Mutation {
  /** Says exactly what changed: `<proxy>/<element>: <field> <old> -> <new>`. Unique. */
  readonly name: string;
  /** The collectFeatures key the changed value falls under; null when no feature covers it (ciphers, endpoints...). */
  readonly feature: Feature | null;
  /** The config path diagnostics about this value would name (collectFeatures origins, rule and listener origins). */
  readonly at: string;
  readonly apply: (ir: IR) => void;
}

function fail(what: string): never {
  throw new Error(`mutation target missing from the base fixture: ${what}`);
}
/** A value the mutation changes must be present (non-null) in the base. */
function need<T>(value: T | null | undefined, what: string): T {
  if (value === null || value === undefined) fail(what);
  return value;
}
const proxyOf = (ir: IR, name: string): Proxy => need(ir.proxies.find((p) => p.name === name), `proxy ${name}`);
const listenerOf = (ir: IR, proxy: string, name: string): Listener => need(proxyOf(ir, proxy).listeners.find((l) => l.name === name), `${proxy} listener ${name}`);
function httpListener(ir: IR, proxy: string, name: string): HttpListener {
  const l = listenerOf(ir, proxy, name);
  return l.kind === "http" ? l : fail(`${proxy}/${name} is not HTTP`);
}
function tcpListener(ir: IR, proxy: string, name: string): TcpListener {
  const l = listenerOf(ir, proxy, name);
  return l.kind === "tcp" ? l : fail(`${proxy}/${name} is not TCP`);
}
function routeOf(ir: IR, proxy: string, name: string): Route {
  for (const l of proxyOf(ir, proxy).listeners) if (l.kind === "http") for (const vh of l.virtualHosts) for (const r of vh.routes) if (r.name === name) return r;
  return fail(`${proxy} route ${name}`);
}
function forwardOf(ir: IR, proxy: string, route: string): Extract<Action, { kind: "forward" }> {
  const a = routeOf(ir, proxy, route).action;
  return a.kind === "forward" ? a : fail(`${proxy}/${route} does not forward`);
}
function redirectOf(ir: IR, proxy: string, route: string): Extract<Action, { kind: "redirect" }> {
  const a = routeOf(ir, proxy, route).action;
  return a.kind === "redirect" ? a : fail(`${proxy}/${route} is not a redirect`);
}
function directOf(ir: IR, proxy: string, route: string): Extract<Action, { kind: "direct" }> {
  const a = routeOf(ir, proxy, route).action;
  return a.kind === "direct" ? a : fail(`${proxy}/${route} is not a direct response`);
}
const clusterOf = (ir: IR, proxy: string, name: string): Cluster => need(proxyOf(ir, proxy).clusters.find((c) => c.name === name), `${proxy} cluster ${name}`);
/** Every cluster of a service in a proxy (all its subsets): service-level policy lives on each. */
function serviceClusters(ir: IR, proxy: string, service: string): Cluster[] {
  const all = proxyOf(ir, proxy).clusters.filter((c) => c.service === service);
  return all.length ? all : fail(`${proxy} clusters of ${service}`);
}
function ruleOf(ir: IR, proxy: string, listener: string, rule: string) {
  return need(need(listenerOf(ir, proxy, listener).authorization, `${proxy}/${listener} authorization`).rules.find((r) => r.name === rule), `${proxy}/${listener} rule ${rule}`);
}

const mutation = (name: string, feature: Feature | null, at: string, apply: (ir: IR) => void): Mutation => ({ name, feature, at, apply });

// --- proxy mutations over policyMatrixIR (Envoy, nginx, HAProxy) -------------------

const retriesOf = (ir: IR) => need(forwardOf(ir, "web", "web-catalog").retries, "web-catalog retries");
const limitsOf = (ir: IR) => need(clusterOf(ir, "web", "catalog-v1").connectionLimits, "catalog-v1 connectionLimits");
const outlierOf = (ir: IR) => serviceClusters(ir, "web", "catalog").map((c) => need(c.outlierDetection, `${c.name} outlierDetection`));
const healthOf = (ir: IR) => need(clusterOf(ir, "web", "catalog-v1").healthCheck, "catalog-v1 healthCheck");
const upstreamTlsOf = (ir: IR) => serviceClusters(ir, "web", "catalog").map((c) => need(c.tls, `${c.name} tls`));
const paymentsGrpc = (ir: IR) => httpListener(ir, "payments", "inbound-9090");
const paymentsRaw = (ir: IR) => tcpListener(ir, "payments", "inbound-9443");
const subject = (name: string) => ({ commonName: name, organizationalUnit: "shop", organization: "shop.example.com" });
const spiffe = (name: string) => `spiffe://shop.example.com/ns/shop/sa/${name}`;

const routeMutations: Mutation[] = [
  mutation("web/web-catalog: retries.retries 2 -> 3", "route.retries", "routes[1].retries", (ir) => { retriesOf(ir).retries = 3; }),
  mutation("web/web-catalog: retries.perTryTimeoutMs 500 -> 400", "route.retries.per-try-timeout", "routes[1].retries.perTryTimeout", (ir) => { retriesOf(ir).perTryTimeoutMs = 400; }),
  mutation("web/web-catalog: retries.on [5xx,connect-failure,reset] -> [connect-failure,reset]", "route.retries", "routes[1].retries.on", (ir) => { retriesOf(ir).on = ["connect-failure", "reset"]; }),
  mutation("web/web-catalog: retries.statusCodes [] -> [503]", "route.retries", "routes[1].retries.statusCodes", (ir) => { const r = retriesOf(ir); r.on = ["connect-failure", "reset"]; r.statusCodes = [503]; }),
  mutation("web/web-catalog: retries.idempotentOnly true -> false", "route.retries", "routes[1].retries.idempotentOnly", (ir) => { retriesOf(ir).idempotentOnly = false; }),
  mutation("web/web-payments: retries.on [unavailable] -> [resource-exhausted,unavailable]", "route.retries.grpc-conditions", "routes[5].retries.on",
    (ir) => { need(forwardOf(ir, "web", "web-payments").retries, "web-payments retries").on = ["resource-exhausted", "unavailable"]; }),
  mutation("web/web-catalog: timeoutMs 2000 -> 2500", "route.timeout", "routes[1].timeout", (ir) => { forwardOf(ir, "web", "web-catalog").timeoutMs = 2500; }),
  mutation("web/web-catalog: split catalog-v1/catalog-v2 90/10 -> 50/50", "route.split", "routes[1]", (ir) => {
    const b = forwardOf(ir, "web", "web-catalog").backends;
    if (b.length !== 2) fail("web-catalog two backends");
    b[0]!.weight = 50; b[1]!.weight = 50;
  }),
  mutation("web/web-catalog: match.path prefix /api/catalog -> /api/catalogue", "route.match.path.prefix", "routes[1].match.path",
    (ir) => { need(routeOf(ir, "web", "web-catalog").match.path, "web-catalog path").value = "/api/catalogue"; }),
  mutation("web/web-catalog-legacy: match.path regex /legacy/[0-9]+ -> /legacy/[a-z]+", "route.match.path.regex", "routes[2].match.path",
    (ir) => { need(routeOf(ir, "web", "web-catalog-legacy").match.path, "legacy path").value = "/legacy/[a-z]+"; }),
  mutation("web/web-catalog-gone: match.path exact /api/old -> /api/older", "route.match.path.exact", "routes[4].match.path",
    (ir) => { need(routeOf(ir, "web", "web-catalog-gone").match.path, "gone path").value = "/api/older"; }),
  mutation("web/web-catalog: match.methods [GET,HEAD] -> [GET]", "route.match.method", "routes[1].match.methods", (ir) => { routeOf(ir, "web", "web-catalog").match.methods = ["GET"]; }),
  mutation("web/web-catalog-canary: match.headers x-canary exact 1 -> 2", "route.match.header", "routes[0].match.headers",
    (ir) => { need(routeOf(ir, "web", "web-catalog-canary").match.headers[0], "canary header").value = "2"; }),
  mutation("web/web-catalog-canary: match.headers x-canary invert false -> true", "route.match.header", "routes[0].match.headers",
    (ir) => { need(routeOf(ir, "web", "web-catalog-canary").match.headers[0], "canary header").invert = true; }),
  mutation("web/web-catalog-legacy: match.query v exact 1 -> 2", "route.match.query", "routes[2].match.query",
    (ir) => { need(routeOf(ir, "web", "web-catalog-legacy").match.query[0], "legacy query").value = "2"; }),
  mutation("web/web-catalog: rewrite.prefix /catalog -> /catalog/v1", "route.rewrite.prefix", "routes[1].rewrite.prefix",
    (ir) => { need(forwardOf(ir, "web", "web-catalog").rewrite, "web-catalog rewrite").prefix = "/catalog/v1"; }),
  mutation("web/web-catalog: mirror.percent 5 -> 50", "route.mirror", "routes[1].mirror", (ir) => { need(forwardOf(ir, "web", "web-catalog").mirror, "mirror").percent = 50; }),
  mutation("web/web-catalog: mirror.cluster catalog-v2 -> catalog-v1", "route.mirror", "routes[1].mirror", (ir) => { need(forwardOf(ir, "web", "web-catalog").mirror, "mirror").cluster = "catalog-v1"; }),
  mutation("web/web-payments: fault.delay.durationMs 100 -> 200", "route.fault.delay", "routes[5].fault.delay",
    (ir) => { need(need(forwardOf(ir, "web", "web-payments").fault, "fault").delay, "delay").durationMs = 200; }),
  mutation("web/web-payments: fault.delay.percent 1 -> 2", "route.fault.delay", "routes[5].fault.delay",
    (ir) => { need(need(forwardOf(ir, "web", "web-payments").fault, "fault").delay, "delay").percent = 2; }),
  mutation("web/web-orders-flaky: fault.abort.status 503 -> 500", "route.fault.abort", "routes[6].fault.abort",
    (ir) => { need(need(forwardOf(ir, "web", "web-orders-flaky").fault, "fault").abort, "abort").status = 500; }),
  mutation("web/web-orders-flaky: fault.abort.percent 12.5 -> 25", "route.fault.abort", "routes[6].fault.abort",
    (ir) => { need(need(forwardOf(ir, "web", "web-orders-flaky").fault, "fault").abort, "abort").percent = 25; }),
  mutation("web/web-catalog-legacy: redirect.status 301 -> 302", "route.redirect", "routes[2].redirect", (ir) => { redirectOf(ir, "web", "web-catalog-legacy").status = 302; }),
  mutation("web/web-catalog-legacy: redirect.path /api/catalog -> /api/catalog/v2", "route.redirect", "routes[2].redirect", (ir) => { redirectOf(ir, "web", "web-catalog-legacy").path = "/api/catalog/v2"; }),
  mutation("web/web-catalog-legacy: redirect.scheme https -> http", "route.redirect", "routes[2].redirect", (ir) => { redirectOf(ir, "web", "web-catalog-legacy").scheme = "http"; }),
  mutation("web/web-catalog-gone: direct.body gone -> gone for good", "route.direct-response", "routes[4].directResponse", (ir) => { directOf(ir, "web", "web-catalog-gone").body = "gone for good"; }),
  mutation("web/web-catalog-gone: direct.status 410 -> 404", "route.direct-response", "routes[4].directResponse", (ir) => { directOf(ir, "web", "web-catalog-gone").status = 404; }),
  mutation("web/web-orders: requestHeaders.set x-req-set a -> a2", "route.headers.request", "routes[7].requestHeaders",
    (ir) => { need(routeOf(ir, "web", "web-orders").requestHeaders.set[0], "request set").value = "a2"; }),
  mutation("web/web-orders: requestHeaders.add x-req-add b -> b2", "route.headers.request", "routes[7].requestHeaders",
    (ir) => { need(routeOf(ir, "web", "web-orders").requestHeaders.add[0], "request add").value = "b2"; }),
  mutation("web/web-orders: requestHeaders.remove [x-req-remove] -> [x-req-drop]", "route.headers.request", "routes[7].requestHeaders",
    (ir) => { const h = routeOf(ir, "web", "web-orders").requestHeaders; need(h.remove[0], "request remove"); h.remove = ["x-req-drop"]; }),
  mutation("web/web-orders: responseHeaders.set x-res-set c -> c2", "route.headers.response", "routes[7].responseHeaders",
    (ir) => { need(routeOf(ir, "web", "web-orders").responseHeaders.set[0], "response set").value = "c2"; }),
  mutation("web/web-orders: responseHeaders.add x-res-add d -> d2", "route.headers.response", "routes[7].responseHeaders",
    (ir) => { need(routeOf(ir, "web", "web-orders").responseHeaders.add[0], "response add").value = "d2"; }),
  mutation("web/web-orders: responseHeaders.remove [x-res-remove] -> [x-res-drop]", "route.headers.response", "routes[7].responseHeaders",
    (ir) => { const h = routeOf(ir, "web", "web-orders").responseHeaders; need(h.remove[0], "response remove"); h.remove = ["x-res-drop"]; }),
  mutation("gateway-edge/edge-0: timeoutMs 10000 -> 20000 (inbound route)", null, "gateways.edge.routes[0].timeout", (ir) => { forwardOf(ir, "gateway-edge", "edge-0").timeoutMs = 20000; }),
  mutation("gateway-edge/edge-0: requestHeaders.set x-forwarded-proto https -> http", "route.headers.request", "gateways.edge.routes[0].requestHeaders",
    (ir) => { need(routeOf(ir, "gateway-edge", "edge-0").requestHeaders.set[0], "edge set").value = "http"; }),
];

const clusterMutations: Mutation[] = [
  mutation("web/catalog: loadBalancing least-request -> random", "lb.random", "services.catalog.loadBalancing",
    (ir) => { for (const c of serviceClusters(ir, "web", "catalog")) c.loadBalancing = { policy: "random" }; }),
  mutation("web/ledger: loadBalancing round-robin -> least-request", "lb.least-request", "services.ledger.loadBalancing",
    (ir) => { clusterOf(ir, "web", "ledger").loadBalancing = { policy: "least-request" }; }),
  mutation("web/payments: loadBalancing hash header x-user-id -> x-tenant", "lb.hash.header", "services.payments.loadBalancing",
    (ir) => { const c = clusterOf(ir, "web", "payments"); if (c.loadBalancing.policy !== "hash") fail("payments hash"); c.loadBalancing.hashOn = { kind: "header", name: "x-tenant" }; }),
  mutation("web/payments: loadBalancing hash header -> source-ip", "lb.hash.source-ip", "services.payments.loadBalancing",
    (ir) => { const c = clusterOf(ir, "web", "payments"); if (c.loadBalancing.policy !== "hash") fail("payments hash"); c.loadBalancing.hashOn = { kind: "source-ip" }; }),
  mutation("web/orders: loadBalancing hash cookie sid -> session", "lb.hash.cookie", "services.orders.loadBalancing",
    (ir) => { const lb = clusterOf(ir, "web", "orders").loadBalancing; if (lb.policy !== "hash" || lb.hashOn.kind !== "cookie") fail("orders cookie hash"); lb.hashOn.name = "session"; }),
  mutation("web/orders: loadBalancing hash cookie ttlMs 3600000 -> 60000", "lb.hash.cookie", "services.orders.loadBalancing",
    (ir) => { const lb = clusterOf(ir, "web", "orders").loadBalancing; if (lb.policy !== "hash" || lb.hashOn.kind !== "cookie") fail("orders cookie hash"); lb.hashOn.ttlMs = 60000; }),
  mutation("web/catalog-v1: connectionLimits.maxConnections 100 -> 150", "cluster.connection-limits", "services.catalog.connectionLimits", (ir) => { limitsOf(ir).maxConnections = 150; }),
  mutation("web/catalog-v1: connectionLimits.maxPendingRequests 50 -> 60", "cluster.connection-limits", "services.catalog.connectionLimits", (ir) => { limitsOf(ir).maxPendingRequests = 60; }),
  mutation("web/catalog-v1: connectionLimits.maxRequests 200 -> 300", "cluster.connection-limits", "services.catalog.connectionLimits", (ir) => { limitsOf(ir).maxRequests = 300; }),
  mutation("web/catalog-v1: connectionLimits.maxRetries 3 -> 4", "cluster.connection-limits", "services.catalog.connectionLimits", (ir) => { limitsOf(ir).maxRetries = 4; }),
  mutation("web/catalog: outlierDetection.consecutive5xx 5 -> 7", "cluster.outlier-detection", "services.catalog.outlierDetection", (ir) => { for (const o of outlierOf(ir)) o.consecutive5xx = 7; }),
  mutation("web/catalog: outlierDetection.intervalMs 10000 -> 20000", "cluster.outlier-detection", "services.catalog.outlierDetection", (ir) => { for (const o of outlierOf(ir)) o.intervalMs = 20000; }),
  mutation("web/catalog: outlierDetection.baseEjectionMs 30000 -> 60000", "cluster.outlier-detection", "services.catalog.outlierDetection", (ir) => { for (const o of outlierOf(ir)) o.baseEjectionMs = 60000; }),
  mutation("web/catalog: outlierDetection.maxEjectionPercent 50 -> 30", "cluster.outlier-detection", "services.catalog.outlierDetection", (ir) => { for (const o of outlierOf(ir)) o.maxEjectionPercent = 30; }),
  mutation("web/catalog-v1: healthCheck.path /healthz -> /ready", "cluster.health-check", "services.catalog.healthCheck", (ir) => { healthOf(ir).path = "/ready"; }),
  mutation("web/catalog-v1: healthCheck.path /healthz -> null (TCP check)", "cluster.health-check", "services.catalog.healthCheck", (ir) => { healthOf(ir).path = null; }),
  mutation("web/catalog-v1: healthCheck.intervalMs 5000 -> 6000", "cluster.health-check", "services.catalog.healthCheck", (ir) => { healthOf(ir).intervalMs = 6000; }),
  mutation("web/catalog-v1: healthCheck.timeoutMs 1000 -> 1500", "cluster.health-check", "services.catalog.healthCheck", (ir) => { healthOf(ir).timeoutMs = 1500; }),
  mutation("web/catalog-v1: healthCheck.healthyThreshold 2 -> 3", "cluster.health-check", "services.catalog.healthCheck", (ir) => { healthOf(ir).healthyThreshold = 3; }),
  mutation("web/catalog-v1: healthCheck.unhealthyThreshold 3 -> 4", "cluster.health-check", "services.catalog.healthCheck", (ir) => { healthOf(ir).unhealthyThreshold = 4; }),
  mutation("web/catalog-v1: endpoint address 10.0.2.10 -> 10.0.2.11", null, "services.catalog",
    (ir) => { need(clusterOf(ir, "web", "catalog-v1").endpoints[0], "catalog-v1 endpoint").address = "10.0.2.11"; }),
  mutation("web/catalog-v1: endpoint port 8080 -> 8081", null, "services.catalog", (ir) => { need(clusterOf(ir, "web", "catalog-v1").endpoints[0], "catalog-v1 endpoint").port = 8081; }),
  mutation("web/catalog: connectTimeoutMs 1000 -> 1500", null, "services.catalog", (ir) => { for (const c of serviceClusters(ir, "web", "catalog")) c.connectTimeoutMs = 1500; }),
  mutation("web/catalog: upstream tls.minVersion 1.2 -> 1.3", null, "services.catalog", (ir) => { for (const t of upstreamTlsOf(ir)) t.minVersion = "1.3"; }),
  mutation("web/catalog: upstream tls.ciphers 6 -> first 2", null, "services.catalog", (ir) => { for (const t of upstreamTlsOf(ir)) t.ciphers = t.ciphers.slice(0, 2); }),
  mutation("web/catalog: upstream tls peer identity catalog -> search (peerSpiffeIds + peerSubjects)", "upstream.peer-identity", "services.catalog",
    (ir) => { for (const t of upstreamTlsOf(ir)) { t.peerSpiffeIds = [spiffe("search")]; t.peerSubjects = [subject("search")]; } }),
  mutation("web/catalog: upstream tls.sni catalog.shop.svc.cluster.local -> catalog.shop", null, "services.catalog",
    (ir) => { for (const t of upstreamTlsOf(ir)) t.sni = "catalog.shop"; }),
];

const listenerMutations: Mutation[] = [
  mutation("payments/inbound-9090: tls.mode strict -> permissive", "inbound.mtls.permissive", "services.payments.ports.grpc", (ir) => { need(paymentsGrpc(ir).tls, "tls").mode = "permissive"; }),
  mutation("payments/inbound-9090: tls.minVersion 1.2 -> 1.3", "inbound.mtls.strict", "services.payments.ports.grpc", (ir) => { need(paymentsGrpc(ir).tls, "tls").minVersion = "1.3"; }),
  mutation("payments/inbound-9090: tls.ciphers 6 -> first 2", "inbound.mtls.strict", "services.payments.ports.grpc", (ir) => { const t = need(paymentsGrpc(ir).tls, "tls"); t.ciphers = t.ciphers.slice(0, 2); }),
  mutation("web/inbound-8080: tls.mode permissive -> strict", "inbound.mtls.strict", "services.web.ports.http", (ir) => { need(httpListener(ir, "web", "inbound-8080").tls, "tls").mode = "strict"; }),
  mutation("gateway-edge/inbound-8443: tls.minVersion 1.2 -> 1.3", "gateway.tls", "gateways.edge", (ir) => { need(httpListener(ir, "gateway-edge", "inbound-8443").tls, "tls").minVersion = "1.3"; }),
  mutation("gateway-edge/inbound-8443: tls.ciphers 6 -> first 2", "gateway.tls", "gateways.edge", (ir) => { const t = need(httpListener(ir, "gateway-edge", "inbound-8443").tls, "tls"); t.ciphers = t.ciphers.slice(0, 2); }),
  mutation("payments/inbound-9090: authorization.defaultAction deny -> allow", null, "services.payments.ports.grpc",
    (ir) => { need(paymentsGrpc(ir).authorization, "authorization").defaultAction = "allow"; }),
  mutation("payments/inbound-9090: rule web-charges principals [web] -> [gateway-edge]", "inbound.authz.principal", "authorization[1]",
    (ir) => { ruleOf(ir, "payments", "inbound-9090", "web-charges").principals = [{ name: "gateway-edge", spiffeId: spiffe("gateway-edge"), subject: subject("gateway-edge") }]; }),
  mutation("payments/inbound-9090: rule web-charges principals [web] -> null (any peer)", "inbound.authz.method", "authorization[1]",
    (ir) => { ruleOf(ir, "payments", "inbound-9090", "web-charges").principals = null; }),
  mutation("payments/inbound-9090: rule web-charges methods [POST] -> [PUT]", "inbound.authz.method", "authorization[1]",
    (ir) => { ruleOf(ir, "payments", "inbound-9090", "web-charges").methods = ["PUT"]; }),
  mutation("payments/inbound-9090: rule web-charges paths exact /shop.Payments/Charge -> /shop.Payments/Refund", "inbound.authz.path", "authorization[1]",
    (ir) => { need(ruleOf(ir, "payments", "inbound-9090", "web-charges").paths[0], "rule path").value = "/shop.Payments/Refund"; }),
  mutation("payments/inbound-9090: rule deny-legacy paths prefix /shop.Payments/Legacy -> /shop.Payments/Old", "inbound.authz.path", "authorization[0]",
    (ir) => { need(ruleOf(ir, "payments", "inbound-9090", "deny-legacy").paths[0], "rule path").value = "/shop.Payments/Old"; }),
  mutation("payments/inbound-9090: rule web-charges headers x-tenant present -> exact acme", "inbound.authz.header", "authorization[1]",
    (ir) => { const h = need(ruleOf(ir, "payments", "inbound-9090", "web-charges").headers[0], "rule header"); h.kind = "exact"; h.value = "acme"; }),
  mutation("payments/inbound-9090: rule web-charges action allow -> deny", "inbound.authz.principal", "authorization[1]",
    (ir) => { ruleOf(ir, "payments", "inbound-9090", "web-charges").action = "deny"; }),
  mutation("payments/inbound-9090: rateLimit.requests 100 -> 200", "inbound.rate-limit", "services.payments.rateLimit", (ir) => { need(paymentsGrpc(ir).rateLimit, "rateLimit").requests = 200; }),
  mutation("payments/inbound-9090: rateLimit.windowMs 1000 -> 2000", "inbound.rate-limit", "services.payments.rateLimit", (ir) => { need(paymentsGrpc(ir).rateLimit, "rateLimit").windowMs = 2000; }),
  mutation("payments/inbound-9090: rateLimit.burst 20 -> 40", "inbound.rate-limit", "services.payments.rateLimit", (ir) => { need(paymentsGrpc(ir).rateLimit, "rateLimit").burst = 40; }),
  mutation("gateway-edge/inbound-8443: rateLimit.requests 1000 -> 500", "inbound.rate-limit", "gateways.edge.rateLimit",
    (ir) => { need(httpListener(ir, "gateway-edge", "inbound-8443").rateLimit, "rateLimit").requests = 500; }),
];

const tcpMutations: Mutation[] = [
  mutation("payments/inbound-9443 (tcp): tls.mode strict -> permissive", "inbound.mtls.permissive", "services.payments.ports.raw", (ir) => { need(paymentsRaw(ir).tls, "tls").mode = "permissive"; }),
  mutation("payments/inbound-9443 (tcp): tls.minVersion 1.2 -> 1.3", "inbound.mtls.strict", "services.payments.ports.raw", (ir) => { need(paymentsRaw(ir).tls, "tls").minVersion = "1.3"; }),
  mutation("payments/inbound-9443 (tcp): authorization.defaultAction deny -> allow", null, "services.payments.ports.raw",
    (ir) => { need(paymentsRaw(ir).authorization, "authorization").defaultAction = "allow"; }),
  mutation("payments/inbound-9443 (tcp): rule web-raw principals [web] -> [gateway-edge]", "inbound.authz.principal", "authorization[2]",
    (ir) => { ruleOf(ir, "payments", "inbound-9443", "web-raw").principals = [{ name: "gateway-edge", spiffeId: spiffe("gateway-edge"), subject: subject("gateway-edge") }]; }),
  mutation("payments/inbound-9443 (tcp): rule web-raw action allow -> deny", "inbound.authz.principal", "authorization[2]",
    (ir) => { ruleOf(ir, "payments", "inbound-9443", "web-raw").action = "deny"; }),
  mutation("payments/inbound-9443 (tcp): idleTimeoutMs 300000 -> 60000", null, "services.payments.ports.raw", (ir) => { paymentsRaw(ir).idleTimeoutMs = 60000; }),
  mutation("web/outbound-tcp-6379: backends cache-a/cache-b 70/30 -> 50/50", "route.tcp", "routes[8]", (ir) => {
    const b = tcpListener(ir, "web", "outbound-tcp-6379").backends;
    if (b.length !== 2) fail("outbound-tcp-6379 two backends");
    b[0]!.weight = 50; b[1]!.weight = 50;
  }),
  mutation("web/outbound-tcp-6379: idleTimeoutMs 600000 -> 120000", "route.tcp", "routes[8]", (ir) => { tcpListener(ir, "web", "outbound-tcp-6379").idleTimeoutMs = 120000; }),
  mutation("web/outbound-tcp-5432: idleTimeoutMs 3600000 -> 1800000", "route.tcp", "routes[3]", (ir) => { tcpListener(ir, "web", "outbound-tcp-5432").idleTimeoutMs = 1800000; }),
  mutation("web/outbound-tcp-5432: connectTimeoutMs 2000 -> 3000", "route.tcp", "routes[3]", (ir) => { tcpListener(ir, "web", "outbound-tcp-5432").connectTimeoutMs = 3000; }),
];

const observabilityMutations: Mutation[] = [
  mutation("web: observability.accessLog on -> off", null, "observability.accessLog", (ir) => { need(proxyOf(ir, "web").observability.accessLog, "accessLog"); proxyOf(ir, "web").observability.accessLog = null; }),
  mutation("web: observability.accessLog.fields drop user-visible status", "observability.access-log", "observability.accessLog", (ir) => {
    const log = need(proxyOf(ir, "web").observability.accessLog, "accessLog");
    if (!log.fields.includes("status")) fail("accessLog status field");
    log.fields = log.fields.filter((f) => f !== "status");
  }),
  mutation("web: observability.metricsPort 15090 -> 15091", "observability.metrics", "observability.metricsPort", (ir) => { need(proxyOf(ir, "web").observability.metricsPort, "metricsPort"); proxyOf(ir, "web").observability.metricsPort = 15091; }),
  mutation("web: observability.metricsPort 15090 -> null", null, "observability.metricsPort", (ir) => { need(proxyOf(ir, "web").observability.metricsPort, "metricsPort"); proxyOf(ir, "web").observability.metricsPort = null; }),
  mutation("web: observability.requestId true -> false", null, "observability.requestId", (ir) => { if (!proxyOf(ir, "web").observability.requestId) fail("requestId"); proxyOf(ir, "web").observability.requestId = false; }),
  mutation("web: admin.port 15000 -> 15001", null, "admin", (ir) => { proxyOf(ir, "web").admin.port = 15001; }),
];

// --- proxy mutations over policyMatrixSecurityIR ----------------------------------

const jwtOf = (ir: IR) => need(paymentsGrpc(ir).jwt, "payments jwt");
const tcpRateOf = (ir: IR) => need(paymentsRaw(ir).rateLimit, "payments tcp rateLimit");
const securityMutations: Mutation[] = [
  mutation("payments/inbound-9443 (tcp): rateLimit.requests 50 -> 100", "inbound.rate-limit", "services.payments.rateLimit", (ir) => { tcpRateOf(ir).requests = 100; }),
  mutation("payments/inbound-9443 (tcp): rateLimit.windowMs 60000 -> 1000", "inbound.rate-limit", "services.payments.rateLimit", (ir) => { tcpRateOf(ir).windowMs = 1000; }),
  mutation("payments/inbound-9443 (tcp): rateLimit.burst 10 -> 20", "inbound.rate-limit", "services.payments.rateLimit", (ir) => { tcpRateOf(ir).burst = 20; }),
  mutation("payments/inbound-9090: jwt.issuer -> https://login.shop.example.com", "inbound.jwt", "services.payments.jwt", (ir) => { jwtOf(ir).issuer = "https://login.shop.example.com"; }),
  mutation("payments/inbound-9090: jwt.audiences [payments] -> [payments-api]", "inbound.jwt", "services.payments.jwt", (ir) => { jwtOf(ir).audiences = ["payments-api"]; }),
  mutation("payments/inbound-9090: jwt.jwksUri -> https://sso.shop.example.com/keys", "inbound.jwt", "services.payments.jwt", (ir) => { jwtOf(ir).jwksUri = "https://sso.shop.example.com/keys"; }),
  mutation("payments/inbound-9090: jwt.required true -> false", "inbound.jwt", "services.payments.jwt", (ir) => { jwtOf(ir).required = false; }),
];

// --- infra mutations over richIR (Kubernetes; identities and CA also certs) ----------

type Infra = IR["infra"];
const identityOf = (ir: IR, name: string) => need(ir.infra.identities.find((i) => i.name === name), `identity ${name}`);
const workloadOf = (ir: IR, name: string) => need(ir.infra.workloads.find((w) => w.name === name), `workload ${name}`);
const gatewayOf = (ir: IR, name: string) => need(ir.infra.gateways.find((g) => g.name === name), `gateway ${name}`);
const gatewayRoute = (ir: IR, gateway: string, route: string) => need(gatewayOf(ir, gateway).routes.find((r) => r.name === route), `gateway route ${route}`);
const policyOf = (infra: Infra, target: string) => need(infra.networkPolicies.find((p) => p.target === target), `network policy ${target}`);

const identityMutations: Mutation[] = [
  mutation("infra.identities/catalog: dnsNames + catalog.shop.example.com", null, "infra.identities", (ir) => { identityOf(ir, "catalog").dnsNames.push("catalog.shop.example.com"); }),
  mutation("infra.identities/catalog: lifetimeMs 720h -> 1440h", null, "infra.identities", (ir) => { identityOf(ir, "catalog").lifetimeMs = 1440 * 3_600_000; }),
  mutation("infra.identities/catalog: renewBeforeMs 240h -> 120h", null, "infra.identities", (ir) => { identityOf(ir, "catalog").renewBeforeMs = 120 * 3_600_000; }),
  mutation("infra.identities/catalog: keyAlgorithm ecdsa-p256 -> ecdsa-p384", null, "infra.identities", (ir) => { identityOf(ir, "catalog").keyAlgorithm = "ecdsa-p384"; }),
  mutation("infra.identities/catalog: subject.organizationalUnit shop -> shop-eu", null, "infra.identities", (ir) => { identityOf(ir, "catalog").subject.organizationalUnit = "shop-eu"; }),
  mutation("infra.ca: lifetimeMs 87600h -> 43800h", null, "infra.ca", (ir) => { ir.infra.ca.lifetimeMs = 43800 * 3_600_000; }),
  mutation("infra.ca: keyAlgorithm ecdsa-p256 -> ecdsa-p384", null, "infra.ca", (ir) => { ir.infra.ca.keyAlgorithm = "ecdsa-p384"; }),
  mutation("infra.ca: commonName shop mesh CA -> shop root CA", null, "infra.ca", (ir) => { ir.infra.ca.commonName = "shop root CA"; }),
];

const kubernetesMutations: Mutation[] = [
  mutation("infra.networkPolicies/payments: from [gateway-edge,web] -> [web]", null, "infra.networkPolicies", (ir) => { policyOf(ir.infra, "payments").from = ["web"]; }),
  mutation("infra.networkPolicies/web: from null (any) -> [gateway-edge]", null, "infra.networkPolicies",
    (ir) => { const p = policyOf(ir.infra, "web"); if (p.from !== null) fail("web policy from null"); p.from = ["gateway-edge"]; }),
  mutation("infra.networkPolicies/catalog: ports [8080] -> [8080,8081]", null, "infra.networkPolicies", (ir) => { policyOf(ir.infra, "catalog").ports = [8080, 8081]; }),
  mutation("infra.defaultDeny: true -> false", null, "infra.defaultDeny", (ir) => { if (!ir.infra.defaultDeny) fail("defaultDeny"); ir.infra.defaultDeny = false; }),
  mutation("infra.workloads/web: ports.http.port 8080 -> 8081", null, "infra.workloads.web", (ir) => { need(workloadOf(ir, "web").ports[0], "web port").port = 8081; }),
  mutation("infra.workloads/web: ports.http.protocol http -> http2", null, "infra.workloads.web", (ir) => { need(workloadOf(ir, "web").ports[0], "web port").protocol = "http2"; }),
  mutation("infra.workloads/payments: selector.tier core -> edge", null, "infra.workloads.payments", (ir) => {
    const w = workloadOf(ir, "payments");
    need(w.selector["tier"], "payments tier label");
    w.selector = { ...w.selector, tier: "edge" };
  }),
  mutation("infra.workloads/catalog: versions.v2.labels.version v2 -> canary", null, "infra.workloads.catalog",
    (ir) => { need(workloadOf(ir, "catalog").versions.find((v) => v.name === "v2"), "catalog v2").labels = { version: "canary" }; }),
  mutation("infra.workloads/ledger: staticEndpoints 10.0.4.11 -> 10.0.4.12", null, "infra.workloads.ledger",
    (ir) => { need(workloadOf(ir, "ledger").staticEndpoints.find((e) => e.address === "10.0.4.11"), "ledger endpoint").address = "10.0.4.12"; }),
  mutation("infra.identities/catalog: serviceAccount catalog -> catalog-sa (identity and workload)", null, "infra.identities", (ir) => {
    identityOf(ir, "catalog").serviceAccount = "catalog-sa";
    workloadOf(ir, "catalog").serviceAccount = "catalog-sa";
  }),
  mutation("infra.gateways/edge: hosts + www.shop.example.com", null, "gateways.edge", (ir) => { gatewayOf(ir, "edge").hosts.push("www.shop.example.com"); }),
  mutation("infra.gateways/edge: tlsSecretName -> edge-tls", null, "gateways.edge", (ir) => { need(gatewayOf(ir, "edge").tlsSecretName, "edge tlsSecretName"); gatewayOf(ir, "edge").tlsSecretName = "edge-tls"; }),
  mutation("infra.gateways/edge: port 8443 -> 9443", null, "gateways.edge", (ir) => { gatewayOf(ir, "edge").port = 9443; }),
  mutation("infra.gateways/edge/edge-0: match.path prefix /api/catalog -> /api/catalogue", null, "gateways.edge.routes[0]",
    (ir) => { need(gatewayRoute(ir, "edge", "edge-0").match.path, "edge-0 path").value = "/api/catalogue"; }),
  mutation("infra.gateways/edge/edge-0: match.methods [GET,HEAD] -> [GET]", null, "gateways.edge.routes[0]", (ir) => { gatewayRoute(ir, "edge", "edge-0").match.methods = ["GET"]; }),
  mutation("infra.gateways/edge/edge-0: match.headers x-canary exact 1 -> 2", null, "gateways.edge.routes[0]",
    (ir) => { need(gatewayRoute(ir, "edge", "edge-0").match.headers[0], "edge-0 header").value = "2"; }),
  mutation("infra.gateways/edge/edge-0: match.query v prefix 2. -> 3.", null, "gateways.edge.routes[0]",
    (ir) => { need(gatewayRoute(ir, "edge", "edge-0").match.query[0], "edge-0 query").value = "3."; }),
  mutation("infra.gateways/edge/edge-0: backends catalog v1/v2 90/10 -> 50/50", null, "gateways.edge.routes[0]", (ir) => {
    const b = gatewayRoute(ir, "edge", "edge-0").backends;
    if (b.length !== 2) fail("edge-0 two backends");
    b[0]!.weight = 50; b[1]!.weight = 50;
  }),
  mutation("infra.gateways/edge/edge-0: timeoutMs 2500 -> 3000", null, "gateways.edge.routes[0]", (ir) => { gatewayRoute(ir, "edge", "edge-0").timeoutMs = 3000; }),
  mutation("infra.gateways/edge/edge-0: rewritePrefix /catalog -> /catalog/v2", null, "gateways.edge.routes[0]",
    (ir) => { need(gatewayRoute(ir, "edge", "edge-0").rewritePrefix, "edge-0 rewrite"); gatewayRoute(ir, "edge", "edge-0").rewritePrefix = "/catalog/v2"; }),
  mutation("infra.gateways/edge/edge-0: requestHeaders.set x-route catalog -> shop", null, "gateways.edge.routes[0]",
    (ir) => { need(gatewayRoute(ir, "edge", "edge-0").requestHeaders.set[0], "edge-0 set").value = "shop"; }),
  mutation("infra.gateways/edge/edge-0: requestHeaders.add x-via edge -> gateway", null, "gateways.edge.routes[0]",
    (ir) => { need(gatewayRoute(ir, "edge", "edge-0").requestHeaders.add[0], "edge-0 add").value = "gateway"; }),
  mutation("infra.gateways/edge/edge-0: requestHeaders.remove [x-debug] -> [x-trace]", null, "gateways.edge.routes[0]", (ir) => {
    const h = gatewayRoute(ir, "edge", "edge-0").requestHeaders;
    need(h.remove[0], "edge-0 remove");
    h.remove = ["x-trace"];
  }),
  mutation("infra.gateways/db/db-0: backend ledger port 5432 -> 5433", null, "gateways.db.routes[0]",
    (ir) => { need(gatewayRoute(ir, "db", "db-0").backends[0], "db-0 backend").port = 5433; }),
];

// ---------------------------------------------------------------------------------
// Suites: which targets check which mutations over which base
// ---------------------------------------------------------------------------------

interface Subject { readonly label: string; readonly target: Target }
interface Suite { readonly name: string; readonly base: MeshIR; readonly subjects: readonly Subject[]; readonly mutations: readonly Mutation[] }

const proxyTargets: Subject[] = [{ label: "envoy", target: envoy }, { label: "nginx", target: nginx }, { label: "haproxy", target: haproxy }];
const kubernetesTargets: Subject[] = [envoy, nginx, haproxy].map((proxy) => ({ label: `kubernetes(${proxy.name})`, target: createKubernetesTarget(proxy) }));

const SUITES: readonly Suite[] = [
  { name: "policy-matrix", base: policyMatrixIR, subjects: proxyTargets,
    mutations: [...routeMutations, ...clusterMutations, ...listenerMutations, ...tcpMutations, ...observabilityMutations] },
  { name: "policy-matrix-security", base: policyMatrixSecurityIR, subjects: proxyTargets, mutations: securityMutations },
  { name: "kubernetes-rich", base: richIR, subjects: [...kubernetesTargets, { label: "certs", target: certs }], mutations: identityMutations },
  { name: "kubernetes-rich", base: richIR, subjects: kubernetesTargets, mutations: kubernetesMutations },
];

/**
 * Bases on which a target may already report errors (nginx refuses the TCP rate limit, so
 * it writes nothing for that mesh): its mutations there can only be "reported".
 */
const BASES_WITH_ERRORS: readonly string[] = ["policy-matrix-security/nginx"];

// ---------------------------------------------------------------------------------
// Findings
// ---------------------------------------------------------------------------------

interface Drop { readonly target: string; readonly mutation: string; readonly why: string }
interface Gap extends Drop { readonly feature: Feature; /** Words of the target's "partial" note that say this value is not expressed. */ readonly noteSays: string }

/** Silent drops found by this test: nothing in the output changes and nothing is reported. Fix them in the target, then remove them here. */
const KNOWN_DROPS: readonly Drop[] = [
];

/** Values a target leaves out under a "partial" capability whose note (reported as MESH3003) says so. */
const DOCUMENTED_GAPS: readonly Gap[] = [
  { target: "haproxy", feature: "route.timeout", mutation: "web/web-catalog: timeoutMs 2000 -> 2500",
    noteSays: "timeout server = the per-try timeout when one is set", why: "with a per-try timeout only the attempts are bounded; MESH2010 keeps them within the route timeout." },
  { target: "nginx", feature: "cluster.outlier-detection", mutation: "web/catalog: outlierDetection.intervalMs 10000 -> 20000",
    noteSays: "no evaluation interval", why: "nginx counts failures as they happen (max_fails within fail_timeout)." },
  { target: "haproxy", feature: "cluster.outlier-detection", mutation: "web/catalog: outlierDetection.intervalMs 10000 -> 20000",
    noteSays: "no evaluation interval", why: "HAProxy counts errors as they happen (observe layer7 error-limit)." },
  { target: "nginx", feature: "upstream.peer-identity", mutation: "web/catalog: upstream tls peer identity catalog -> search (peerSpiffeIds + peerSubjects)",
    noteSays: "cannot match the peer's SPIFFE URI SAN", why: "the peer is verified by the mesh CA and its service DNS SAN, which the manifest binds to one identity." },
  { target: "haproxy", feature: "upstream.peer-identity", mutation: "web/catalog: upstream tls peer identity catalog -> search (peerSpiffeIds + peerSubjects)",
    noteSays: "cannot match the peer's SPIFFE URI SAN", why: "the peer is verified by the mesh CA and its service DNS SAN (verifyhost), which the manifest binds to one identity." },
  { target: "nginx", feature: "lb.hash.cookie", mutation: "web/orders: loadBalancing hash cookie ttlMs 3600000 -> 60000",
    noteSays: "no TTL cookie", why: "nginx hashes the cookie the client sends and never issues one, so the TTL has nothing to apply to." },
  { target: "haproxy", feature: "lb.hash.cookie", mutation: "web/orders: loadBalancing hash cookie ttlMs 3600000 -> 60000",
    noteSays: "HAProxy does not generate the cookie when it is missing", why: "HAProxy hashes an existing cookie and never issues one, so the TTL has nothing to apply to." },
  { target: "nginx", feature: "cluster.connection-limits", mutation: "web/catalog-v1: connectionLimits.maxPendingRequests 50 -> 60",
    noteSays: "pending/request/retry limits have no nginx OSS equivalent", why: "only maxConnections becomes max_conns." },
  { target: "nginx", feature: "cluster.connection-limits", mutation: "web/catalog-v1: connectionLimits.maxRequests 200 -> 300",
    noteSays: "pending/request/retry limits have no nginx OSS equivalent", why: "only maxConnections becomes max_conns." },
  { target: "nginx", feature: "cluster.connection-limits", mutation: "web/catalog-v1: connectionLimits.maxRetries 3 -> 4",
    noteSays: "pending/request/retry limits have no nginx OSS equivalent", why: "only maxConnections becomes max_conns." },
  { target: "haproxy", feature: "cluster.connection-limits", mutation: "web/catalog-v1: connectionLimits.maxRequests 200 -> 300",
    noteSays: "maxRequests and maxRetries have no equivalent", why: "only maxconn/maxqueue are written." },
  { target: "haproxy", feature: "cluster.connection-limits", mutation: "web/catalog-v1: connectionLimits.maxRetries 3 -> 4",
    noteSays: "maxRequests and maxRetries have no equivalent", why: "only maxconn/maxqueue are written." },
  { target: "nginx", feature: "cluster.outlier-detection", mutation: "web/catalog: outlierDetection.maxEjectionPercent 50 -> 30",
    noteSays: "no max ejection percent", why: "max_fails/fail_timeout eject per server with no cap." },
  { target: "haproxy", feature: "cluster.outlier-detection", mutation: "web/catalog: outlierDetection.maxEjectionPercent 50 -> 30",
    noteSays: "maxEjectionPercent is not enforced", why: "servers are marked down one by one with no cap." },
];

// ---------------------------------------------------------------------------------
// The check
// ---------------------------------------------------------------------------------

/** A deep copy without shared substructure: fixtures reuse objects (ciphers, header lists), and structuredClone would keep them shared. */
const copy = (ir: MeshIR): IR => JSON.parse(JSON.stringify(ir)) as IR;

type Outcome =
  | { readonly kind: "expressed" }
  | { readonly kind: "reported"; readonly by: string }
  | { readonly kind: "dropped" };

/** The files, with whole-line comments removed: a value that only reaches a comment is not expressed. */
function render(files: readonly { path: string; content: string }[]): Map<string, string> {
  return new Map(files.map((f) => [f.path, f.content.split("\n").filter((line) => !/^\s*#/.test(line)).join("\n")]));
}
function sameFiles(a: Map<string, string>, b: Map<string, string>): boolean {
  if (a.size !== b.size) return false;
  for (const [path, content] of a) if (b.get(path) !== content) return false;
  return true;
}

/** `a` is `b` or a path inside it (`routes[1]` holds `routes[1].retries` and `routes[1][0]`). */
const within = (a: string, b: string) => b !== "" && (a === b || a.startsWith(`${b}.`) || a.startsWith(`${b}[`));

const key = (d: Diagnostic) => `${d.code}\0${d.path}\0${d.message}`;
const describe = (d: Diagnostic) => `${d.code} ${d.severity} at ${d.path || "(file)"}`;

interface Run { readonly files: Map<string, string>; readonly diagnostics: readonly Diagnostic[] }
function run(target: Target, ir: MeshIR): Run {
  const emitted = target.emit(ir);
  const diagnostics = [...checkCapabilities(ir, [target]), ...emitted.diagnostics].filter((d) => /^MESH3\d{3}$/.test(d.code));
  return { files: render(emitted.files), diagnostics };
}

function judge(target: Target, m: Mutation, base: Run, mutated: Run): Outcome {
  if (m.feature) {
    const support = target.capabilities[m.feature];
    if (support.support === "none") return { kind: "reported", by: `${m.feature} declared "none" (MESH300${support.security ? 1 : 2})` };
  }
  if (!sameFiles(base.files, mutated.files)) return { kind: "expressed" };
  const before = new Set(base.diagnostics.map(key));
  const loud = mutated.diagnostics.filter((d) => d.severity !== "info");
  // New in the mutated run, about this value (its place or a place inside it, or the place holding it).
  const fresh = loud.find((d) => !before.has(key(d)) && (within(d.path, m.at) || within(m.at, d.path)));
  if (fresh) return { kind: "reported", by: `new ${describe(fresh)}` };
  // Already in both: the target refuses this whole policy, so its value cannot matter.
  const standing = loud.find((d) => before.has(key(d)) && within(m.at, d.path));
  if (standing) return { kind: "reported", by: `standing ${describe(standing)}` };
  return { kind: "dropped" };
}

interface Row { readonly suite: string; readonly target: string; readonly mutation: string; readonly feature: Feature | null; readonly outcome: Outcome }

function evaluate(): { rows: Row[]; problems: string[] } {
  const rows: Row[] = [];
  const problems: string[] = [];
  for (const suite of SUITES) {
    const baseText = JSON.stringify(suite.base);
    for (const subject of suite.subjects) {
      const base = run(subject.target, suite.base);
      const baseErrors = subject.target.emit(suite.base).diagnostics.filter((d) => d.severity === "error");
      if (baseErrors.length && !BASES_WITH_ERRORS.includes(`${suite.name}/${subject.label}`)) {
        problems.push(`${subject.label} reports errors on base ${suite.name}: ${baseErrors.map(describe).join("; ")}`);
      }
      for (const m of suite.mutations) {
        const ir = copy(suite.base);
        try {
          m.apply(ir);
        } catch (error) {
          problems.push(`${suite.name}: ${m.name}: ${(error as Error).message}`);
          continue;
        }
        const mutatedText = JSON.stringify(ir);
        if (mutatedText === baseText) { problems.push(`${suite.name}: ${m.name} changes nothing`); continue; }
        const mutatedIR = ir as MeshIR;
        if (m.feature && !collectFeatures(mutatedIR).some((u) => u.feature === m.feature)) problems.push(`${suite.name}: ${m.name}: the mutated IR does not use ${m.feature}`);
        const outcome = judge(subject.target, m, base, run(subject.target, mutatedIR));
        rows.push({ suite: suite.name, target: subject.label, mutation: m.name, feature: m.feature, outcome });
      }
    }
  }
  return { rows, problems };
}

const { rows, problems } = evaluate();
const dropped = rows.filter((r) => r.outcome.kind === "dropped");
const id = (d: { target: string; mutation: string }) => `${d.target} :: ${d.mutation}`;

if (process.env["NO_SILENT_DROP_REPORT"]) {
  for (const r of rows) console.log(`${r.outcome.kind.padEnd(9)} ${r.target.padEnd(19)} ${r.mutation}${r.outcome.kind === "reported" ? `  [${r.outcome.by}]` : ""}`);
}

test("every mutation applies to its base, changes it, and uses the feature it names", () => {
  assert.equal(problems, []);
  const names = SUITES.flatMap((s) => s.mutations.map((m) => `${s.name}: ${m.name}`));
  assert.equal(names.length, new Set(names).size, "mutation names are unique within a suite");
  assert.ok(rows.length > 0);
});

test("documented gaps: the target declares the feature partial and its reported note says so", () => {
  for (const gap of DOCUMENTED_GAPS) {
    const subject = [...proxyTargets, ...kubernetesTargets].find((s) => s.label === gap.target);
    assert.ok(subject, `unknown target ${gap.target}`);
    const support = subject!.target.capabilities[gap.feature];
    assert.is(support.support, "partial", `${id(gap)}: ${gap.feature} is not partial`);
    if (support.support === "partial") assert.ok(support.note.includes(gap.noteSays), `${id(gap)}: the ${gap.feature} note does not say "${gap.noteSays}"`);
    const row = rows.find((r) => id(r) === id(gap));
    assert.ok(row, `${id(gap)}: no such mutation in the matrix`);
    assert.is(row!.feature, gap.feature, `${id(gap)}: the mutation's feature is ${row!.feature}`);
  }
});

test("silent drops are exactly KNOWN_DROPS (plus the DOCUMENTED_GAPS)", () => {
  const found = dropped.map(id).sort();
  const listed = [...KNOWN_DROPS, ...DOCUMENTED_GAPS].map(id).sort();
  const newDrops = found.filter((d) => !listed.includes(d));
  const gone = listed.filter((d) => !found.includes(d));
  assert.equal(newDrops, [], `silent drops not in KNOWN_DROPS (a target leaves the value out and says nothing):\n  ${newDrops.join("\n  ")}\n`);
  assert.equal(gone, [], `listed drops no longer found (fixed? remove them from the list):\n  ${gone.join("\n  ")}\n`);
});

test.run();
