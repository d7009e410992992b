// A shop-like mesh for the adversarial suite (issue 9): the `api` sidecar (strict mTLS) and
// an edge gateway (TLS, no client certificates), both in front of one recording app.
//   api:  deny /api/admin/* for everyone; deny `x-debug: 1`; allow web on /api/*; allow
//         catalog GET on /api/public/*; allow catalog on exactly /api/status; default deny.
//   edge: route /api/* to the app, deny /api/admin/* for everyone, default allow.
import type { AuthzRuleIR, ClusterIR, HeaderMutationIR, HttpListenerIR, IdentityIR, IdentityRefIR, MeshIR, RouteIR } from "../../compiler/ir/types.ts";

const td = "shop.example.com";
const ns = "shop";
const none: HeaderMutationIR = { set: [], add: [], remove: [] };
export const ADVERSARIAL_IDENTITIES = ["api", "catalog", "gateway-edge", "web"] as const;
export const spiffeOf = (name: string) => `spiffe://${td}/ns/${ns}/sa/${name}`;
export const EDGE_HOST = "shop.example.com";

export interface AdversarialPorts {
  readonly api: number;
  /** The same listener speaking HTTP/2 (TLS, ALPN h2). */
  readonly apiH2: number;
  readonly edge: number;
  readonly app: number;
  readonly admin: { readonly api: number; readonly edge: number };
}

export function adversarialIdentities(certDir: string): IdentityIR[] {
  return ADVERSARIAL_IDENTITIES.map((name) => ({
    name, kind: name === "gateway-edge" ? "gateway" : "service", namespace: ns, serviceAccount: name, spiffeId: spiffeOf(name),
    dnsNames: [name, `${name}.${ns}.svc.cluster.local`], subject: { commonName: name, organizationalUnit: ns, organization: td },
    keyAlgorithm: "ecdsa-p256", lifetimeMs: 86_400_000, renewBeforeMs: 3_600_000, secretName: `${name}-mesh-cert`,
    certFile: `${certDir}/${name}/cert.pem`, keyFile: `${certDir}/${name}/key.pem`, caFile: `${certDir}/ca.pem`,
  }) as IdentityIR);
}

function ref(certDir: string, name: string): IdentityRefIR {
  const id = adversarialIdentities(certDir).find((i) => i.name === name)!;
  return { name, spiffeId: id.spiffeId, subject: id.subject, certFile: id.certFile, keyFile: id.keyFile, caFile: id.caFile };
}

function app(port: number): ClusterIR {
  return {
    name: "app", kind: "mesh", service: "app", subset: null, protocol: "http", discovery: "static",
    endpoints: [{ address: "127.0.0.1", port }], connectTimeoutMs: 1000, loadBalancing: { policy: "round-robin" },
    connectionLimits: null, outlierDetection: null, healthCheck: null, tls: null, origin: "services.app",
  };
}

function toApp(prefix: string | null): RouteIR {
  return {
    name: "app", origin: "routes.app", requestHeaders: none, responseHeaders: none,
    match: { path: prefix === null ? null : { kind: "prefix", value: prefix }, methods: [], headers: [], query: [] },
    action: { kind: "forward", backends: [{ cluster: "app", weight: 100 }], rewrite: null, timeoutMs: null, retries: null, mirror: null, fault: null },
  };
}

function rule(name: string, action: "allow" | "deny", principals: string[] | null, certDir: string, more: Partial<AuthzRuleIR> = {}): AuthzRuleIR {
  return {
    name, origin: `authorization.${name}`, action, methods: [], paths: [], headers: [],
    principals: principals === null ? null : principals.map((p) => ({ name: p, spiffeId: spiffeOf(p), subject: ref(certDir, p).subject })),
    ...more,
  };
}

function apiListener(certDir: string, port: number, protocol: HttpListenerIR["protocol"] = "http"): HttpListenerIR {
  return {
    kind: "http", name: `inbound-${port}`, direction: "inbound", address: "127.0.0.1", port, protocol, jwt: null, rateLimit: null,
    origin: "services.api.ports.http",
    tls: {
      mode: "strict", minVersion: "1.2", ciphers: ["ECDHE-ECDSA-AES128-GCM-SHA256"], clientCaFile: `${certDir}/ca.pem`,
      certificates: [{ name: "api", serverNames: [], certFile: `${certDir}/api/cert.pem`, keyFile: `${certDir}/api/key.pem` }],
    },
    authorization: { defaultAction: "deny", rules: [
      rule("no-admin", "deny", null, certDir, { paths: [{ kind: "prefix", value: "/api/admin/" }] }),
      rule("no-debug", "deny", null, certDir, { headers: [{ name: "x-debug", kind: "exact", value: "1", invert: false }] }),
      rule("web", "allow", ["web"], certDir, { paths: [{ kind: "prefix", value: "/api/" }] }),
      rule("catalog-public", "allow", ["catalog"], certDir, { methods: ["GET"], paths: [{ kind: "prefix", value: "/api/public/" }] }),
      rule("catalog-status", "allow", ["catalog"], certDir, { paths: [{ kind: "exact", value: "/api/status" }] }),
    ] },
    virtualHosts: [{ name: "local", domains: ["*"], routes: [toApp(null)] }],
  };
}

function edgeListener(certDir: string, port: number): HttpListenerIR {
  return {
    kind: "http", name: `inbound-${port}`, direction: "inbound", address: "127.0.0.1", port, protocol: "http", jwt: null, rateLimit: null,
    origin: "gateways.edge.listeners.https",
    tls: {
      mode: "server-only", minVersion: "1.2", ciphers: ["ECDHE-ECDSA-AES128-GCM-SHA256"], clientCaFile: null,
      certificates: [{ name: "edge", serverNames: [], certFile: `${certDir}/gateway-edge/cert.pem`, keyFile: `${certDir}/gateway-edge/key.pem` }],
    },
    authorization: { defaultAction: "allow", rules: [rule("no-admin", "deny", null, certDir, { paths: [{ kind: "prefix", value: "/api/admin/" }] })] },
    virtualHosts: [{ name: "shop", domains: [EDGE_HOST], routes: [toApp("/api/")] }],
  };
}

export function buildAdversarialIR(prefix: string, ports: AdversarialPorts): MeshIR {
  const certDir = `${prefix}/certs`;
  const observability = { accessLog: null, metricsPort: null, requestId: true };
  return {
    version: 1,
    mesh: { name: "shop", trustDomain: td, namespace: ns, caName: "shop-ca" },
    runtime: { certDir, runDir: `${prefix}/run`, logDir: `${prefix}/logs` },
    proxies: [
      { name: "api", kind: "sidecar", owner: "api", identity: ref(certDir, "api"), admin: { address: "127.0.0.1", port: ports.admin.api },
        listeners: [apiListener(certDir, ports.api), apiListener(certDir, ports.apiH2, "http2")].sort((a, b) => a.port - b.port), clusters: [app(ports.app)], observability },
      { name: "gateway-edge", kind: "gateway", owner: "edge", identity: ref(certDir, "gateway-edge"), admin: { address: "127.0.0.1", port: ports.admin.edge },
        listeners: [edgeListener(certDir, ports.edge)], clusters: [app(ports.app)], observability },
    ],
    infra: {
      namespace: ns, ca: { name: "shop-ca", commonName: "shop CA", lifetimeMs: 86_400_000, keyAlgorithm: "ecdsa-p256", caFile: `${certDir}/ca.pem` },
      identities: adversarialIdentities(certDir), workloads: [], gateways: [], networkPolicies: [], defaultDeny: true,
    },
  };
}
