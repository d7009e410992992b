// A minimal state-of-the-world ADS server on 127.0.0.1. It answers the first request of
// each type and every change of subscription; a plain ACK gets no answer (answering it
// would loop). Requests carrying error_detail are NACKs and are recorded.
import { dirname, join } from "node:path";
import { createRequire } from "node:module";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import type { Obj } from "../helpers.ts";
import { convertAny } from "./proto-object.ts";
import type { XdsResources } from "./resources.ts";

const require = createRequire(import.meta.url);

export interface AdsServer {
  readonly port: number;
  readonly nacks: { readonly typeUrl: string; readonly message: string }[];
  readonly requests: number;
  stop(): Promise<void>;
}

function loadAdsService(): grpc.ServiceDefinition {
  const deps = join(dirname(require.resolve("@grpc/grpc-js-xds/package.json")), "deps");
  const definition = protoLoader.loadSync([
    "envoy/service/discovery/v3/ads.proto",
    "envoy/config/listener/v3/listener.proto",
    "envoy/config/route/v3/route.proto",
    "envoy/config/cluster/v3/cluster.proto",
    "envoy/config/endpoint/v3/endpoint.proto",
    "envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager.proto",
    "envoy/extensions/filters/http/router/v3/router.proto",
    "envoy/extensions/filters/http/rbac/v3/rbac.proto",
    "envoy/extensions/transport_sockets/tls/v3/tls.proto",
  ], {
    keepCase: true, longs: String, enums: String, defaults: false, oneofs: true, json: true,
    includeDirs: ["envoy-api", "xds", "googleapis", "protoc-gen-validate"].map((d) => join(deps, d)),
  });
  const loaded = grpc.loadPackageDefinition(definition) as any;
  return loaded.envoy.service.discovery.v3.AggregatedDiscoveryService.service;
}

export async function startAdsServer(resources: XdsResources): Promise<AdsServer> {
  const nacks: { typeUrl: string; message: string }[] = [];
  let requests = 0;
  let nonce = 0;
  const server = new grpc.Server();
  server.addService(loadAdsService(), {
    StreamAggregatedResources: (call: grpc.ServerDuplexStream<Obj, Obj>) => {
      const subscribed = new Map<string, string>();
      call.on("data", (request: Obj) => {
        requests++;
        const typeUrl: string = request.type_url;
        if (request.error_detail) { nacks.push({ typeUrl, message: String(request.error_detail.message ?? "") }); return; }
        const names: string[] = [...(request.resource_names ?? [])].sort();
        const key = names.join(",");
        if (subscribed.get(typeUrl) === key) return; // an ACK of what was sent
        subscribed.set(typeUrl, key);
        const ofType = resources.byType.get(typeUrl) ?? new Map<string, Obj>();
        const chosen = names.length === 0 ? [...ofType.values()] : names.map((n) => ofType.get(n)).filter((r): r is Obj => r !== undefined);
        call.write({ version_info: "1", type_url: typeUrl, nonce: String(++nonce), resources: chosen.map(convertAny) });
      });
      call.on("end", () => call.end());
      call.on("error", () => undefined);
    },
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound))));
  return {
    port, nacks,
    get requests() { return requests; },
    // The client keeps its ADS stream open; a graceful shutdown would wait for it forever.
    stop: async () => server.forceShutdown(),
  };
}
