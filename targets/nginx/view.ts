// Builds the typed view model of one proxy's nginx.conf from the IR. Paths come from the
// IR's runtime section, so the same file runs in production and inside a test prefix.
import type { AccessLogField, MeshIR, ObservabilityIR, ProxyIR } from "../../compiler/ir/types.ts";
import type { Diagnostic } from "../../compiler/diagnostics/types.ts";
import { EMPTY_KEY, literal, template, type LiteralValue } from "./escape.ts";
import { ViewContext } from "./view/context.ts";
import { addDurationMap, buildLogFormat } from "./view/log.ts";
import { buildListener } from "./view/server.ts";
import { buildStream } from "./view/stream.ts";
import { buildUpstreams } from "./view/upstream.ts";
import type { ProxyView, RateLimitZoneView, ServerView } from "./view/types.ts";

const TEMP_PATHS = ["client_body", "proxy", "fastcgi", "uwsgi", "scgi"] as const;

// Each field's nginx variable. `duration_ms` goes through a map turning $request_time
// ("1.234" seconds) into milliseconds; `request_id` is the id the proxy passed upstream.
const LOG_FIELDS: Readonly<Record<AccessLogField, string>> = {
  start_time: "time_iso8601", method: "request_method", path: "request_uri", protocol: "server_protocol",
  status: "status", duration_ms: "meshc_duration_ms", bytes_received: "request_length", bytes_sent: "bytes_sent",
  upstream: "upstream_addr", upstream_status: "upstream_status", request_id: "meshc_request_id",
  user_agent: "http_user_agent", authority: "http_host",
};

function addObservabilityMaps(ctx: ViewContext, obs: ObservabilityIR): void {
  // Keep the caller's x-request-id; otherwise nginx's random $request_id.
  ctx.addMap({ source: template({ variable: "http_x_request_id" }), variable: "meshc_request_id",
    entries: [{ key: EMPTY_KEY, value: template({ variable: "request_id" }) }],
    fallback: template({ variable: "http_x_request_id" }) });
  if (obs.accessLog?.fields.includes("duration_ms")) addDurationMap(ctx, "request_time");
}

function runtimeFile(ctx: ViewContext, dir: string, name: string, path: string): LiteralValue {
  return ctx.checkLiteral(`${dir}/${name}`, path, "runtime path") ?? literal("/nonexistent");
}

export function buildProxyView(ir: MeshIR, proxy: ProxyIR, file: string): { view: ProxyView; diagnostics: Diagnostic[] } {
  const ctx = new ViewContext(proxy.name, file, proxy.observability.requestId);
  const { runDir, logDir } = ir.runtime;
  const clusters = new Map(proxy.clusters.map((c) => [c.name, c]));
  addObservabilityMaps(ctx, proxy.observability);
  const servers: ServerView[] = [];
  const zones: RateLimitZoneView[] = [];
  proxy.listeners.forEach((listener, index) => {
    if (listener.kind !== "http") return; // TCP listeners live in the stream block (view/stream.ts)
    const built = buildListener(ctx, listener, index, clusters);
    servers.push(...built.servers);
    if (built.zone) zones.push(built.zone);
  });
  const accessLog = proxy.observability.accessLog;
  const accessLogFile = accessLog ? runtimeFile(ctx, logDir, `nginx-${proxy.name}.access.log`, "runtime.logDir") : null;
  const view: ProxyView = {
    pidFile: runtimeFile(ctx, runDir, `nginx-${proxy.name}.pid`, "runtime.runDir"),
    errorLog: runtimeFile(ctx, logDir, `nginx-${proxy.name}.error.log`, "runtime.logDir"),
    tempPaths: TEMP_PATHS.map((kind) => ({ directive: `${kind}_temp_path`, path: runtimeFile(ctx, runDir, `nginx-${proxy.name}-${kind}`, "runtime.runDir") })),
    accessLog: accessLog && accessLogFile ? { file: accessLogFile, format: buildLogFormat(accessLog.fields, LOG_FIELDS) } : null,
    upstreams: buildUpstreams(ctx, proxy),
    maps: ctx.maps,
    splits: ctx.splits,
    rateLimitZones: zones,
    servers,
    admin: { port: proxy.admin.port },
    metrics: proxy.observability.metricsPort === null ? null : { port: proxy.observability.metricsPort },
    stream: buildStream(ctx, proxy, clusters, accessLogFile),
  };
  return { view, diagnostics: ctx.diagnostics };
}
