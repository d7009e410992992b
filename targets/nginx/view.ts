// Builds the typed view model of one proxy's nginx.conf from the IR. Paths come from the
// IR's runtime section, so the same file runs in production and inside a test prefix.
import type { AccessLogField, MeshIR, ObservabilityIR, ProxyIR } from "../../compiler/ir/types.ts";
import type { Diagnostic } from "../../compiler/diagnostics/types.ts";
import { EMPTY_KEY, literal, rendered, template, type NginxValue } from "./escape.ts";
import { createViewCache, ViewContext, type ViewCache } from "./view/context.ts";
import { addDurationMap, sharedLogFormat } from "./view/log.ts";
import { buildListener } from "./view/server.ts";
import { buildStream } from "./view/stream.ts";
import { buildUpstreams } from "./view/upstream.ts";
import { HTTP_JS_MODULE_PATH, njsFileName, renderNjsModule, type NjsFunctions } from "./view/njs.ts";
import { checkSpiffeId } from "./view/policy.ts";
import type { MapView, NjsView, ProxyView, RateLimitZoneView, ServerView } from "./view/types.ts";
import { proxySource } from "../../compiler/trace.ts";

const TEMP_PATHS = ["client_body", "proxy", "fastcgi", "uwsgi", "scgi"] as const;

// Each field's nginx variable. `duration_ms` goes through a map turning $request_time
// ("1.234" seconds) into milliseconds; `request_id` is the id the proxy passed upstream.
const LOG_FIELDS: Readonly<Record<AccessLogField, string>> = {
  start_time: "time_iso8601", method: "request_method", path: "request_uri", protocol: "server_protocol",
  status: "status", duration_ms: "meshc_duration_ms", bytes_received: "request_length", bytes_sent: "bytes_sent",
  upstream: "upstream_addr", upstream_status: "upstream_status", request_id: "meshc_request_id",
  user_agent: "http_user_agent", authority: "http_host",
};

// The request id maps' tokens, rendered once at load: every proxy prints them.
const REQUEST_ID = rendered(template({ variable: "request_id" }));
const CLIENT_REQUEST_ID = rendered(template({ variable: "http_x_request_id" }));
const NO_CLIENT_REQUEST_ID: MapView["entries"] = [{ key: EMPTY_KEY, value: REQUEST_ID }];

function addObservabilityMaps(ctx: ViewContext, obs: ObservabilityIR, kind: ProxyIR["kind"]): void {
  // The edge trusts no client's x-request-id (issue 9): a gateway always sends nginx's random $request_id.
  if (kind === "gateway") ctx.addMap({ source: REQUEST_ID, variable: "meshc_request_id", entries: [], fallback: REQUEST_ID });
  // A sidecar keeps the caller's x-request-id; otherwise nginx's random $request_id.
  else ctx.addMap({ source: CLIENT_REQUEST_ID, variable: "meshc_request_id", entries: NO_CLIENT_REQUEST_ID, fallback: CLIENT_REQUEST_ID });
  if (obs.accessLog?.fields.includes("duration_ms")) addDurationMap(ctx, "request_time");
}

function runtimeFile(ctx: ViewContext, dir: string, name: string, path: string): NginxValue {
  return ctx.checkLiteral(`${dir}/${name}`, path, "runtime path") ?? literal("/nonexistent");
}

/** The js module's view for one block, or null when the block reads no njs variable. */
export function njsView(njs: NjsFunctions, proxy: string, modulePath: string): NjsView | null {
  return njs.used ? { modulePath: literal(modulePath), file: literal(njsFileName(proxy)), jsSets: njs.jsSets() } : null;
}

/** The view, and the text of `nginx/<proxy>.js` (null when neither block reads njs); `cache`: one per emitter (see ViewCache). */
export function buildProxyView(ir: MeshIR, proxy: ProxyIR, file: string, cache: ViewCache = createViewCache()): { view: ProxyView; njsModule: string | null; diagnostics: Diagnostic[] } {
  const ctx = new ViewContext(proxy.name, file, proxy.observability.requestId, proxy.identity.spiffeId, proxySource(proxy), { kind: "mesh", name: ir.mesh.name }, cache);
  const { runDir, logDir } = ir.runtime;
  const clusters = new Map(proxy.clusters.map((c) => [c.name, c]));
  checkSpiffeId(ctx, proxy.identity.spiffeId, `proxies.${proxy.name}.identity`, proxy.name);
  // Request ids and the log's duration are mesh-wide settings (`observability`).
  ctx.within(ctx.mesh, () => addObservabilityMaps(ctx, proxy.observability, proxy.kind));
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
  const stream = buildStream(ctx, proxy, clusters, accessLogFile);
  const view: ProxyView = {
    trace: ctx.owner,
    pidFile: runtimeFile(ctx, runDir, `nginx-${proxy.name}.pid`, "runtime.runDir"),
    errorLog: runtimeFile(ctx, logDir, `nginx-${proxy.name}.error.log`, "runtime.logDir"),
    tempPaths: TEMP_PATHS.map((kind) => ({ directive: `${kind}_temp_path`, path: runtimeFile(ctx, runDir, `nginx-${proxy.name}-${kind}`, "runtime.runDir") })),
    accessLog: accessLog && accessLogFile ? { file: accessLogFile, format: sharedLogFormat(ctx.cache, accessLog.fields, LOG_FIELDS) } : null,
    upstreams: buildUpstreams(ctx, proxy),
    maps: ctx.maps,
    splits: ctx.splits,
    rateLimitZones: zones,
    servers,
    admin: { port: proxy.admin.port },
    metrics: proxy.observability.metricsPort === null ? null : { port: proxy.observability.metricsPort },
    stream: stream?.view ?? null,
    njs: njsView(ctx.njs, proxy.name, HTTP_JS_MODULE_PATH),
  };
  const blocks = [ctx.njs, ...(stream ? [stream.njs] : [])].filter((n) => n.used);
  return { view, njsModule: blocks.length > 0 ? renderNjsModule(blocks) : null, diagnostics: ctx.diagnostics };
}
