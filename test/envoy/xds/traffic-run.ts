// Child process of xds-traffic.test.ts (GRPC_XDS_BOOTSTRAP_CONFIG must be set before
// @grpc/grpc-js-xds is imported, so this runs in its own process). It starts two gRPC
// servers and an ADS server serving resources derived from the Envoy output, sends RPCs
// through a proxyless xDS channel, and prints one JSON line with the counts.
import * as grpc from "@grpc/grpc-js";
import YAML from "yaml";
import { emitEnvoy } from "../../../targets/envoy/index.ts";
import { buildXdsTrafficIR } from "../../fixtures/ir/envoy-xds.ts";
import { startAdsServer } from "./ads-server.ts";
import { deriveXdsResources, TYPE_URLS } from "./resources.ts";

const RPCS = Number(process.env.XDS_RPCS ?? 1000);
const identity = (x: Buffer) => x;
const METHOD = { path: "/test.Greeter/Hello", requestStream: false, responseStream: false,
  requestSerialize: identity, requestDeserialize: identity, responseSerialize: identity, responseDeserialize: identity };

async function startGreeter(reply: string): Promise<{ port: number; server: grpc.Server }> {
  const server = new grpc.Server();
  server.addService({ Hello: METHOD } as grpc.ServiceDefinition, {
    Hello: (_call: unknown, callback: grpc.sendUnaryData<Buffer>) => callback(null, Buffer.from(reply)),
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))));
  return { port, server };
}

function callOnce(client: grpc.Client): Promise<string> {
  return new Promise((resolve, reject) => {
    client.makeUnaryRequest(METHOD.path, identity, identity, Buffer.alloc(0), { deadline: Date.now() + 5000 },
      (error, value) => (error ? reject(error) : resolve(value!.toString())));
  });
}

async function main(): Promise<void> {
  const v1 = await startGreeter("v1");
  const v2 = await startGreeter("v2");
  const ir = buildXdsTrafficIR(v1.port, v2.port);
  const { files } = emitEnvoy(ir);
  const bootstrap = YAML.parse(files[0].content);
  const resources = deriveXdsResources(bootstrap, "outbound-http", "greeter");
  // Control run: MAGLEV is something the gRPC client does not support, so it must NACK.
  if (process.env.XDS_BREAK === "maglev") for (const cluster of resources.byType.get(TYPE_URLS.cluster)!.values()) cluster.lb_policy = "MAGLEV";
  const ads = await startAdsServer(resources);
  process.env.GRPC_XDS_BOOTSTRAP_CONFIG = JSON.stringify({
    xds_servers: [{ server_uri: `127.0.0.1:${ads.port}`, channel_creds: [{ type: "insecure" }], server_features: ["xds_v3"] }],
    node: { id: "client", cluster: "client", locality: {} },
  });
  const xds = await import("@grpc/grpc-js-xds");
  xds.register();
  const client = new grpc.Client("xds:///greeter", grpc.credentials.createInsecure());
  const counts: Record<string, number> = {};
  let failures = 0;
  const started = Date.now();
  // Sequential batches keep the client's picker honest and the run bounded.
  for (let sent = 0; sent < RPCS; sent += 50) {
    const batch = await Promise.allSettled(Array.from({ length: Math.min(50, RPCS - sent) }, () => callOnce(client)));
    for (const r of batch) {
      if (r.status === "fulfilled") counts[r.value] = (counts[r.value] ?? 0) + 1;
      else { failures++; if (failures === 1) process.stderr.write(`first failure: ${(r.reason as Error).message}\n`); }
    }
  }
  client.close();
  await ads.stop();
  v1.server.forceShutdown();
  v2.server.forceShutdown();
  process.stdout.write(JSON.stringify({ counts, failures, nacks: ads.nacks, requests: ads.requests, ms: Date.now() - started }) + "\n");
  process.exit(0);
}

main().catch((error) => { process.stderr.write(String(error?.stack ?? error) + "\n"); process.exit(1); });
