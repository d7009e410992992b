// The bootstrap's overload manager, with the two resource monitors the shipped protos have
// (fixed_heap, global downstream connections). Without a connection limit Envoy accepts
// connections until it runs out of memory and warns about it at start-up; without a heap
// monitor nothing sheds load before the kernel kills the process.
import { buildTypedConfig, type Json } from "./format.ts";

export const OVERLOAD = {
  maxHeapBytes: 1024 * 1024 * 1024,
  maxDownstreamConnections: 50_000,
} as const;

const HEAP = "envoy.resource_monitors.fixed_heap";
const CONNECTIONS = "envoy.resource_monitors.global_downstream_max_connections";

export function buildOverloadManager(): Json {
  const trigger = (threshold: number): Json[] => [{ name: HEAP, threshold: { value: threshold } }];
  return {
    refresh_interval: "0.25s",
    resource_monitors: [
      { name: HEAP, typed_config: buildTypedConfig("envoy.extensions.resource_monitors.fixed_heap.v3.FixedHeapConfig", { max_heap_size_bytes: OVERLOAD.maxHeapBytes }) },
      { name: CONNECTIONS, typed_config: buildTypedConfig("envoy.extensions.resource_monitors.downstream_connections.v3.DownstreamConnectionsConfig",
        { max_active_downstream_connections: OVERLOAD.maxDownstreamConnections }) },
    ],
    actions: [
      { name: "envoy.overload_actions.shrink_heap", triggers: trigger(0.95) },
      { name: "envoy.overload_actions.stop_accepting_requests", triggers: trigger(0.98) },
    ],
  };
}
