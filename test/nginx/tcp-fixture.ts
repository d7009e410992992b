// IR with TCP listeners for the nginx stream tests, every address 127.0.0.1 and every
// runtime path in the test's prefix. Two proxies:
// - `web`: outbound TCP forward to `ledger` (through the ledger sidecar, mesh mTLS), and a
//   90/10 split between `ledger-v1` and `ledger-v2` (TLS echo servers, mesh mTLS).
// - `ledger`: inbound TCP, strict mTLS, authorization by identity: web allowed; payments
//   denied by a deny rule that also names a path (fails closed: all its connections);
//   catalog named only by an allow rule with a method (fails closed: never matches).
import type { ClusterIR, IdentityIR, IdentityRefIR, MeshIR, PrincipalIR, TcpListenerIR } from "../../compiler/ir/types.ts";

const td = "shop.example.com";
const ns = "shop";
const CIPHERS = ["ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-ECDSA-AES256-GCM-SHA384"];

export interface TcpPorts {
  readonly webSingle: number;
  readonly webSplit: number;
  readonly ledgerInbound: number;
  /** Plain echo behind the ledger sidecar. */
  readonly local: number;
  /** TLS echo servers (mesh certificate `ledger`, client certificate required). */
  readonly v1: number;
  readonly v2: number;
  /** Admin ports of the two proxies (they run side by side in the e2e tests); default 15000. */
  readonly admin?: { readonly web: number; readonly ledger: number };
}

export const TCP_IDENTITIES = ["catalog", "ledger", "payments", "web"] as const;

export function tcpIdentities(certDir: string): IdentityIR[] {
  return TCP_IDENTITIES.map((name) => ({
    name, kind: "service", namespace: ns, serviceAccount: name, spiffeId: `spiffe://${td}/ns/${ns}/sa/${name}`,
    dnsNames: [name, `${name}.${ns}.svc.cluster.local`], subject: { commonName: name, organizationalUnit: ns, organization: td },
    keyAlgorithm: "ecdsa-p256", lifetimeMs: 86_400_000, renewBeforeMs: 3_600_000, secretName: `${name}-mesh-cert`,
    certFile: `${certDir}/${name}/cert.pem`, keyFile: `${certDir}/${name}/key.pem`, caFile: `${certDir}/ca.pem`,
  }));
}

function ref(certDir: string, name: string): IdentityRefIR {
  const id = tcpIdentities(certDir).find((i) => i.name === name)!;
  return { name, spiffeId: id.spiffeId, subject: id.subject, certFile: id.certFile, keyFile: id.keyFile, caFile: id.caFile };
}

const principal = (certDir: string, name: string): PrincipalIR => {
  const id = ref(certDir, name);
  return { name, spiffeId: id.spiffeId, subject: id.subject };
};

/** A TCP cluster to `ledger` over mesh mTLS with web's identity (verified by the DNS SAN in SNI). */
function ledgerCluster(certDir: string, name: string, port: number, subset: string | null): ClusterIR {
  const web = ref(certDir, "web");
  const ledger = ref(certDir, "ledger");
  return {
    name, kind: "mesh", service: "ledger", subset, protocol: "tcp", discovery: "static", endpoints: [{ address: "127.0.0.1", port }],
    connectTimeoutMs: 1000, loadBalancing: { policy: "round-robin" }, connectionLimits: null, outlierDetection: null, healthCheck: null,
    tls: { mode: "mesh", sni: `ledger.${ns}.svc.cluster.local`, minVersion: "1.2", ciphers: CIPHERS, certFile: web.certFile, keyFile: web.keyFile,
      caFile: web.caFile, peerSpiffeIds: [ledger.spiffeId], peerSubjects: [ledger.subject] },
    origin: "services.ledger",
  };
}

function outbound(name: string, port: number, backends: [string, number][], idleTimeoutMs: number | null): TcpListenerIR {
  return {
    kind: "tcp", name, direction: "outbound", address: "127.0.0.1", port, tls: null, authorization: null, rateLimit: null,
    origin: `routes.${name}`, backends: backends.map(([cluster, weight]) => ({ cluster, weight })), idleTimeoutMs, connectTimeoutMs: 1000,
  };
}

export function buildTcpIR(prefix: string, ports: TcpPorts): MeshIR {
  const certDir = `${prefix}/certs`;
  const obs = { accessLog: { fields: ["start_time", "method", "status", "duration_ms", "bytes_received", "bytes_sent", "upstream"] as const }, metricsPort: null, requestId: true };
  const ledger = ref(certDir, "ledger");
  const inbound: TcpListenerIR = {
    kind: "tcp", name: `inbound-${ports.ledgerInbound}`, direction: "inbound", address: "127.0.0.1", port: ports.ledgerInbound,
    tls: { mode: "strict", minVersion: "1.2", ciphers: CIPHERS, clientCaFile: ledger.caFile,
      certificates: [{ name: "ledger", serverNames: [], certFile: ledger.certFile, keyFile: ledger.keyFile }] },
    authorization: { defaultAction: "deny", rules: [
      { name: "no-payments", origin: "authorization[0]", action: "deny", principals: [principal(certDir, "payments")], methods: [], paths: [{ kind: "prefix", value: "/x" }], headers: [] },
      { name: "web-and-payments", origin: "authorization[1]", action: "allow", principals: [principal(certDir, "payments"), principal(certDir, "web")], methods: [], paths: [], headers: [] },
      { name: "catalog-get", origin: "authorization[2]", action: "allow", principals: [principal(certDir, "catalog")], methods: ["GET"], paths: [], headers: [] },
    ] },
    rateLimit: null, origin: "services.ledger.ports.db", backends: [{ cluster: "local-db", weight: 100 }], idleTimeoutMs: null, connectTimeoutMs: 1000,
  };
  return {
    version: 1,
    mesh: { name: "shop", trustDomain: td, namespace: ns, caName: "shop-ca" },
    runtime: { certDir, runDir: `${prefix}/run`, logDir: `${prefix}/logs` },
    proxies: [
      { name: "ledger", kind: "sidecar", owner: "ledger", identity: ledger, admin: { address: "127.0.0.1", port: ports.admin?.ledger ?? 15000 },
        listeners: [inbound],
        clusters: [{ name: "local-db", kind: "local", service: "", subset: null, protocol: "tcp", discovery: "static", endpoints: [{ address: "127.0.0.1", port: ports.local }],
          connectTimeoutMs: 1000, loadBalancing: { policy: "round-robin" }, connectionLimits: null, outlierDetection: null, healthCheck: null, tls: null, origin: "services.ledger.ports.db" }],
        observability: { ...obs, accessLog: { fields: [...obs.accessLog.fields] } } },
      { name: "web", kind: "sidecar", owner: "web", identity: ref(certDir, "web"), admin: { address: "127.0.0.1", port: ports.admin?.web ?? 15000 },
        listeners: [outbound("ledger-single", ports.webSingle, [["ledger", 100]], null), outbound("ledger-split", ports.webSplit, [["ledger-v1", 90], ["ledger-v2", 10]], 5000)]
          .sort((a, b) => a.port - b.port),
        clusters: [ledgerCluster(certDir, "ledger", ports.ledgerInbound, null), ledgerCluster(certDir, "ledger-v1", ports.v1, "v1"), ledgerCluster(certDir, "ledger-v2", ports.v2, "v2")],
        observability: { ...obs, accessLog: { fields: [...obs.accessLog.fields] } } },
    ],
    infra: {
      namespace: ns, ca: { name: "shop-ca", commonName: "shop CA", lifetimeMs: 86_400_000, keyAlgorithm: "ecdsa-p256", caFile: `${certDir}/ca.pem` },
      identities: tcpIdentities(certDir), workloads: [], gateways: [], networkPolicies: [], defaultDeny: true,
    },
  };
}
