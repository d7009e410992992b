// Structured access logs: one JSON object per request (or connection) on stdout, built by
// Envoy from json_format, never by string concatenation (CVE-2025-25294 was a hand-built
// JSON log format).
import type { AccessLogField, ObservabilityIR } from "../../compiler/ir/types.ts";
import { buildTypedConfig, FILTER_NAMES, TYPES, type Json } from "./format.ts";
import type { SharedSubtrees } from "./shared.ts";

const HTTP_COMMANDS: Record<AccessLogField, string> = {
  start_time: "%START_TIME%",
  method: "%REQ(:METHOD)%",
  // The path as the client sent it, before any prefix or regex rewrite.
  path: "%REQ(X-ENVOY-ORIGINAL-PATH?:PATH)%",
  protocol: "%PROTOCOL%",
  status: "%RESPONSE_CODE%",
  duration_ms: "%DURATION%",
  bytes_received: "%BYTES_RECEIVED%",
  bytes_sent: "%BYTES_SENT%",
  upstream: "%UPSTREAM_HOST%",
  // Envoy logs no separate upstream status; the details say whether the status came from
  // the upstream ("via_upstream") or from Envoy itself and why.
  upstream_status: "%RESPONSE_CODE_DETAILS%",
  request_id: "%REQ(X-REQUEST-ID)%",
  user_agent: "%REQ(USER-AGENT)%",
  authority: "%REQ(:AUTHORITY)%",
};

/** Fields that mean something for a TCP connection; the others would always log "-". */
const TCP_FIELDS: ReadonlySet<AccessLogField> = new Set(["start_time", "duration_ms", "bytes_received", "bytes_sent", "upstream"]);

/** The `access_log` list of an HCM or tcp_proxy; empty when the IR asks for none. The same list for every listener of a layer: shared. */
export function buildAccessLogs(shared: SharedSubtrees, observability: ObservabilityIR, layer: "http" | "tcp"): readonly Json[] {
  if (observability.accessLog === null) return [];
  const fields = observability.accessLog.fields.filter((f) => layer === "http" || TCP_FIELDS.has(f));
  return shared.of("access-log", fields.join(","), () => buildStdoutLogs(fields));
}

function buildStdoutLogs(fields: readonly AccessLogField[]): Json[] {
  const jsonFormat = Object.fromEntries(fields.map((f) => [f, HTTP_COMMANDS[f]]));
  return [{
    name: FILTER_NAMES.stdoutLog,
    typed_config: buildTypedConfig(TYPES.stdoutLog, { log_format: { json_format: jsonFormat } }),
  }];
}
