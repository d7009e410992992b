// Child process of xds-rbac.test.ts: the payments sidecar's inbound HTTP connection manager,
// as the Envoy target emits it, served over ADS to a real xDS-enabled gRPC server
// (@grpc/grpc-js-xds XdsServer, A36 + A41 RBAC) that terminates mTLS with certificates the
// test mints. Clients with honest and hostile certificates call it; one JSON line reports
// the gRPC status of every case.
//
// What is adapted for gRPC, and why (everything else is the emitted config, unchanged):
// - TLS files become a `file_watcher` certificate provider (gRPC reads no file names).
// - Routes get `non_forwarding_action` (a gRPC server serves, it does not forward).
// - HTTP filters gRPC's server cannot run are dropped: local_ratelimit (not in gRPC), and
//   meshc.rbac.single_identity, whose RBAC `matcher` form gRPC does not implement (A41 is
//   `rules` only). XDS_CONTROL=no-request-model also drops meshc.request_model, to show
//   what it stops.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as grpc from "@grpc/grpc-js";
import YAML from "yaml";
import type { AuthorizationIR, MeshIR } from "../../../compiler/ir/types.ts";
import { emitEnvoy } from "../../../targets/envoy/index.ts";
import { sampleIR } from "../../fixtures/ir/sample.ts";
import { mintHostileLeaves } from "../../support/hostile-certs.ts";
import { createDevCa, type KeyPairPem } from "../../support/pki.ts";
import { freePort } from "../../support/ports.ts";
import type { Obj } from "../helpers.ts";
import { startAdsServer } from "./ads-server.ts";
import { TYPE_URLS } from "./resources.ts";

const TD = "shop.example.com";
const WEB = `spiffe://${TD}/ns/shop/sa/web`;
const ATTACKER = `spiffe://${TD}/ns/shop/sa/catalog`;
const subject = (name: string) => ({ commonName: name, organizationalUnit: "shop", organization: TD });

/** payments: deny x-debug = 1 to everyone; allow web to POST /shop.Payments/Charge. */
const AUTHZ: AuthorizationIR = { defaultAction: "deny", rules: [
  { name: "no-debug", origin: "authorization[0]", action: "deny", principals: null, methods: [], paths: [],
    headers: [{ name: "x-debug", kind: "exact", value: "1", invert: false }] },
  { name: "web-charges", origin: "authorization[1]", action: "allow", principals: [{ name: "web", spiffeId: WEB, subject: subject("web") }],
    methods: ["POST"], paths: [{ kind: "exact", value: "/shop.Payments/Charge" }], headers: [] },
] };

function paymentsIR(): MeshIR {
  return { ...sampleIR, proxies: sampleIR.proxies.map((p) => p.name !== "payments" ? p : {
    ...p, listeners: p.listeners.map((l) => ({ ...l, authorization: AUTHZ })) }) };
}

function serverListener(port: number): Obj {
  const bootstrap = YAML.parse(emitEnvoy(paymentsIR()).files.find((f) => f.path === "envoy/payments.yaml")!.content);
  const listener = bootstrap.static_resources.listeners.find((l: Obj) => l.name === "inbound-9090");
  const hcm = listener.filter_chains[0].filters[0].typed_config;
  const dropped = new Set(["envoy.filters.http.local_ratelimit", "meshc.rbac.single_identity",
    ...(process.env.XDS_CONTROL === "no-request-model" ? ["meshc.request_model"] : [])]);
  const routeConfig = { ...hcm.route_config, virtual_hosts: hcm.route_config.virtual_hosts.map((v: Obj) => ({
    ...v, routes: v.routes.map((r: Obj) => ({ name: r.name, match: r.match, non_forwarding_action: {} })) })) };
  return {
    "@type": TYPE_URLS.listener,
    name: `grpc/server?xds.resource.listening_address=127.0.0.1:${port}`,
    address: { socket_address: { address: "127.0.0.1", port_value: port } },
    filter_chains: [{
      filters: [{ name: listener.filter_chains[0].filters[0].name, typed_config: {
        ...hcm, route_config: routeConfig, http_filters: hcm.http_filters.filter((f: Obj) => !dropped.has(f.name)) } }],
      transport_socket: { name: "envoy.transport_sockets.tls", typed_config: {
        "@type": "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext",
        require_client_certificate: true,
        common_tls_context: {
          tls_certificate_provider_instance: { instance_name: "mesh" },
          validation_context: { ca_certificate_provider_instance: { instance_name: "mesh" } },
        },
      } },
    }],
  };
}

const METHOD = (path: string) => ({ path, requestStream: false, responseStream: false,
  requestSerialize: (x: Buffer) => x, requestDeserialize: (x: Buffer) => x, responseSerialize: (x: Buffer) => x, responseDeserialize: (x: Buffer) => x });

function call(port: number, ca: string, leaf: KeyPairPem, path: string, headers: [string, string][]): Promise<string> {
  const client = new grpc.Client(`127.0.0.1:${port}`, grpc.credentials.createSsl(Buffer.from(ca), Buffer.from(leaf.keyPem), Buffer.from(leaf.certPem)),
    { "grpc.ssl_target_name_override": "payments" });
  const metadata = new grpc.Metadata();
  for (const [name, value] of headers) metadata.add(name, value);
  return new Promise((resolve) => {
    client.makeUnaryRequest(path, (x: Buffer) => x, (x: Buffer) => x, Buffer.alloc(0), metadata, { deadline: Date.now() + 5000 }, (error) => {
      client.close();
      resolve(error ? grpc.status[error.code] : "OK");
    });
  });
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "meshc-xds-rbac-"));
  const ca = await createDevCa("meshc test CA");
  const server = await ca.issueLeaf({ name: "payments", spiffeId: `spiffe://${TD}/ns/shop/sa/payments`, dnsNames: ["payments"], subject: subject("payments") });
  writeFileSync(join(dir, "ca.pem"), ca.certPem);
  writeFileSync(join(dir, "cert.pem"), server.certPem);
  writeFileSync(join(dir, "key.pem"), server.keyPem);
  const port = await freePort();
  const listener = serverListener(port);
  const ads = await startAdsServer({ byType: new Map([[TYPE_URLS.listener, new Map([[listener.name, listener]])]]) });
  process.env.GRPC_XDS_EXPERIMENTAL_RBAC = "true";
  process.env.GRPC_XDS_BOOTSTRAP_CONFIG = JSON.stringify({
    xds_servers: [{ server_uri: `127.0.0.1:${ads.port}`, channel_creds: [{ type: "insecure" }], server_features: ["xds_v3"] }],
    node: { id: "payments", cluster: "payments", locality: {} },
    server_listener_resource_name_template: "grpc/server?xds.resource.listening_address=%s",
    certificate_providers: { mesh: { plugin_name: "file_watcher", config: {
      certificate_file: join(dir, "cert.pem"), private_key_file: join(dir, "key.pem"), ca_certificate_file: join(dir, "ca.pem"), refresh_interval: "600s" } } },
  });
  const xds = await import("@grpc/grpc-js-xds");
  xds.register();
  const app = new xds.XdsServer();
  const ok = (_call: unknown, callback: grpc.sendUnaryData<Buffer>) => callback(null, Buffer.from("ok"));
  app.addService({ Charge: METHOD("/shop.Payments/Charge"), Refund: METHOD("/shop.Payments/Refund") } as grpc.ServiceDefinition, { Charge: ok, Refund: ok });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("the xDS server did not start serving in 20s")), 20_000);
    app.bindAsync(`127.0.0.1:${port}`, new xds.XdsServerCredentials(grpc.ServerCredentials.createInsecure()), (error) => { clearTimeout(timer); error ? reject(error) : resolve(); });
  });
  const leaves = Object.fromEntries((await mintHostileLeaves(ca, { spiffeId: WEB, subject: subject("web"), dnsNames: ["web"] }, ATTACKER)).map((l) => [l.kind, l]));
  const charge = "/shop.Payments/Charge";
  const results: Record<string, string> = {};
  const cases: [string, KeyPairPem, string, [string, string][]][] = [
    ["web", leaves.valid, charge, []],
    ["web-other-method", leaves.valid, "/shop.Payments/Refund", []],
    ["web-x-debug-1", leaves.valid, charge, [["x-debug", "1"]]],
    ["web-x-debug-0", leaves.valid, charge, [["x-debug", "0"]]],
    ["web-x-debug-1-twice", leaves.valid, charge, [["x-debug", "1"], ["x-debug", "1"]]],
    ["web-x-debug-0-then-1", leaves.valid, charge, [["x-debug", "0"], ["x-debug", "1"]]],
    ["victim-dn", leaves["victim-dn"], charge, []],
    ["crl-dp", leaves["crl-dp"], charge, []],
    ["subject-bytes", leaves["subject-bytes"], charge, []],
    ["two-uris", leaves["two-uris"], charge, []],
    ["no-uri", leaves["no-uri"], charge, []],
    ["other-ca", leaves["other-ca"], charge, []],
  ];
  for (const [name, leaf, path, headers] of cases) results[name] = await call(port, ca.certPem, leaf, path, headers);
  app.forceShutdown();
  await ads.stop();
  rmSync(dir, { recursive: true, force: true });
  process.stdout.write(JSON.stringify({ results, nacks: ads.nacks }) + "\n");
  process.exit(0);
}

main().catch((error) => { process.stderr.write(String(error?.stack ?? error) + "\n"); process.exit(1); });
