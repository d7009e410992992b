// Child process of conformance.test.ts: one gRPC-phrased case through the Envoy output and
// a real xDS data plane (@grpc/grpc-js-xds, proxyless gRPC). GRPC_XDS_BOOTSTRAP_CONFIG must
// be set before the package is imported, hence one process per case. Input (JSON in
// CONFORMANCE_GRPC_INPUT): the gateway's Envoy bootstrap, its listener name and the
// requests. Output: one JSON line, per request the backend that answered or the error.
//
// Harness translations, the same as test/envoy/xds/resources.ts makes (listener -> API
// listener, static clusters -> EDS), plus two: each cluster's endpoint becomes the local
// gRPC server standing in for that backend (plain text: the mesh mTLS is not under test),
// and path_separated_prefix, which grpc-js-xds does not implement (it NACKs it), becomes
// the equivalent safe_regex `^<prefix>(/.*)?$`.
import * as grpc from "@grpc/grpc-js";
import YAML from "yaml";
import type { Obj } from "../envoy/helpers.ts";
import { startAdsServer } from "../envoy/xds/ads-server.ts";
import { deriveXdsResources, TYPE_URLS } from "../envoy/xds/resources.ts";

interface Input { bootstrap: string; listener: string; backends: string[]; requests: { path: string; host: string; headers: Record<string, string> }[] }

const identity = (x: Buffer) => x;
const escapeRe2 = (text: string) => text.replace(/[\\.+*?()|[\]{}^$]/g, "\\$&");

async function startBackend(name: string, methods: readonly string[]): Promise<{ port: number; server: grpc.Server }> {
  const server = new grpc.Server();
  // Any method answers with the backend's name.
  const handler = (_call: unknown, callback: grpc.sendUnaryData<Buffer>) => callback(null, Buffer.from(name));
  const service: Record<string, unknown> = {};
  const handlers: Record<string, typeof handler> = {};
  methods.forEach((path, i) => {
    service[`m${i}`] = { path, requestStream: false, responseStream: false, requestSerialize: identity, requestDeserialize: identity, responseSerialize: identity, responseDeserialize: identity } as never;
    handlers[`m${i}`] = handler;
  });
  server.addService(service as grpc.ServiceDefinition, handlers);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))));
  return { port, server };
}

function translateRoutes(routeConfig: Obj): void {
  for (const vhost of routeConfig.virtual_hosts as Obj[]) for (const route of vhost.routes as Obj[]) {
    const prefix = route.match.path_separated_prefix;
    if (typeof prefix === "string") {
      delete route.match.path_separated_prefix;
      route.match.safe_regex = { regex: `^${escapeRe2(prefix)}(/.*)?$` };
    }
  }
}

const debug = (m: string) => { if (process.env.CONFORMANCE_DEBUG) process.stderr.write(m + "\n"); };
async function main(): Promise<void> {
  const input = JSON.parse(process.env.CONFORMANCE_GRPC_INPUT!) as Input;
  const methods = [...new Set(input.requests.map((r) => r.path))];
  const servers = new Map<string, { port: number; server: grpc.Server }>();
  for (const name of input.backends) servers.set(name, await startBackend(name, methods));
  debug("backends up");
  const bootstrap = YAML.parse(input.bootstrap);
  const hosts = [...new Set(input.requests.map((r) => r.host))];
  const perHost = hosts.map((host) => deriveXdsResources(bootstrap, input.listener, host));
  const byType = new Map<string, Map<string, Obj>>();
  for (const resources of perHost) for (const [type, named] of resources.byType) {
    const into = byType.get(type) ?? new Map<string, Obj>();
    for (const [name, resource] of named) into.set(name, resource);
    byType.set(type, into);
  }
  for (const route of byType.get(TYPE_URLS.route)!.values()) translateRoutes(route);
  for (const [cluster, assignment] of byType.get(TYPE_URLS.endpoint)!) {
    const backend = [...servers.keys()].find((name) => cluster === name || cluster.startsWith(`${name}-`) || cluster.endsWith(`-${name}`));
    if (!backend) continue;
    for (const locality of assignment.endpoints as Obj[]) for (const lb of locality.lb_endpoints as Obj[]) {
      lb.endpoint.address.socket_address = { address: "127.0.0.1", port_value: servers.get(backend)!.port };
    }
  }
  debug("resources derived");
  const ads = await startAdsServer({ byType });
  debug("ads up");
  process.env.GRPC_XDS_BOOTSTRAP_CONFIG = JSON.stringify({
    xds_servers: [{ server_uri: `127.0.0.1:${ads.port}`, channel_creds: [{ type: "insecure" }], server_features: ["xds_v3"] }],
    node: { id: "conformance", cluster: "conformance", locality: {} },
  });
  const xds = await import("@grpc/grpc-js-xds");
  debug("imported");
  xds.register();
  const clients = new Map(hosts.map((h) => [h, new grpc.Client(`xds:///${h}`, grpc.credentials.createInsecure())]));
  // Resolution (LDS, RDS, CDS, EDS) first, so the per-call deadline measures the call only.
  await Promise.all([...clients.values()].map((c) => new Promise<void>((resolve) => c.waitForReady(Date.now() + 30_000, () => resolve()))));
  debug("clients ready");
  const results: { backend: string | null; error: string | null }[] = [];
  for (const request of input.requests) {
    const metadata = new grpc.Metadata();
    for (const [k, v] of Object.entries(request.headers)) metadata.set(k.toLowerCase(), v);
    results.push(await new Promise((resolve) => {
      clients.get(request.host)!.makeUnaryRequest(request.path, identity, identity, Buffer.alloc(0), metadata, { deadline: Date.now() + 5000 },
        (error, value) => resolve(error ? { backend: null, error: `${grpc.status[error.code]}: ${error.details}` } : { backend: value!.toString(), error: null }));
    }));
  }
  for (const c of clients.values()) c.close();
  await ads.stop();
  for (const s of servers.values()) s.server.forceShutdown();
  process.stdout.write(JSON.stringify({ results, nacks: ads.nacks }) + "\n");
  process.exit(0);
}

main().catch((error) => { process.stderr.write(String(error?.stack ?? error) + "\n"); process.exit(1); });
