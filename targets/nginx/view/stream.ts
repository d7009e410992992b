// TCP listeners as nginx's `stream {}` block (ngx_stream_module, a dynamic module in
// Debian's nginx-light: package libnginx-mod-stream, loaded with `load_module`).
//
// - Each TCP listener is one stream `server`: `proxy_pass` to the cluster's upstream, or to
//   a `split_clients` choice keyed on the connection (client address and port, nginx's
//   connection serial number and the time), so every connection draws its backend anew.
// - Inbound: TLS from the IR (strict = `ssl_verify_client on`: no connection without a
//   mesh certificate), authorization by the HTTP side's own builder (view/policy.ts) on
//   the peer's URI SAN, read by the same njs function through the stream js module. A denied
//   connection is passed to an upstream whose only server is `down`: nginx closes it
//   without connecting anywhere (Envoy's network RBAC closes it too).
// - Upstream mTLS per server (`proxy_ssl on` + the same settings as the HTTP side).
// - Timeouts: `proxy_connect_timeout` = the listener's connect timeout; `proxy_timeout`
//   (idle time between two reads or writes) = its idle timeout, or 1 h like Envoy's tcp_proxy.
import type { AccessLogField, AuthorizationIR, ClusterIR, ProxyIR, TcpListenerIR } from "../../../compiler/ir/types.ts";
import { NGINX_CODES } from "../codes.ts";
import { literal, template, type NginxValue, type TemplatePart } from "../escape.ts";
import { formatDuration, ViewContext } from "./context.ts";
import { addDurationMap, sharedLogFormat } from "./log.ts";
import { bitPart } from "./match.ts";
import { buildSplitVariable, buildUpstreamTls, sameWire } from "./pass.ts";
import { buildAuthorization, buildServerTls } from "./policy.ts";
import { njsFileName, STREAM_JS_MODULE_PATH, type NjsFunctions } from "./njs.ts";
import { buildUpstream, clusterTrace, upstreamName } from "./upstream.ts";
import type { StreamServerView, StreamView, UpstreamView } from "./types.ts";

/**
 * Where Debian/Ubuntu's libnginx-mod-stream installs the module (also what nginx's own
 * `modules/` prefix resolves to there). The IR has no field for it: it is a property of the
 * nginx build, like the system CA bundle in view/pass.ts.
 */
export const STREAM_MODULE_PATH = "/usr/lib/nginx/modules/ngx_stream_module.so";

/** Envoy's tcp_proxy default idle_timeout, used when the IR sets none (nginx's own default is 10 min). */
const DEFAULT_IDLE_TIMEOUT_MS = 3_600_000;

/** Not `meshc_<DNS label>`, so no cluster's upstream can take this name. */
const DENY_UPSTREAM = "meshc_deny_all";

/** Stream variables for the fields that mean something for a TCP connection. */
const TCP_LOG_FIELDS: Readonly<Partial<Record<AccessLogField, string>>> = {
  start_time: "time_iso8601", duration_ms: "meshc_duration_ms", bytes_received: "bytes_received", bytes_sent: "bytes_sent", upstream: "upstream_addr",
};

/** Differs for every connection: split_clients hashes it (MurmurHash2) into the weights. */
const CONNECTION_KEY: readonly TemplatePart[] = [
  { variable: "remote_addr" }, { text: ":" }, { variable: "remote_port" }, { text: "/" }, { variable: "connection" }, { text: "/" }, { variable: "msec" },
];

const hasHttpConditions = (rule: AuthorizationIR["rules"][number]) => rule.methods.length + rule.paths.length + rule.headers.length > 0;

/**
 * A TCP connection has only a peer identity. As on Envoy and HAProxy, a rule with HTTP
 * conditions fails closed: an allow rule never matches (dropped), a deny rule applies to
 * every connection of its principals (conditions dropped). The result goes through the
 * same builder as HTTP authorization.
 */
function tcpAuthorization(ctx: ViewContext, authz: AuthorizationIR | null, listener: string): AuthorizationIR | null {
  if (authz === null) return null;
  const rules = [];
  for (const rule of authz.rules) {
    if (!hasHttpConditions(rule)) { rules.push(rule); continue; }
    ctx.report(NGINX_CODES.tcpAuthzHttpConditions, rule.origin,
      `rule ${rule.name} has HTTP conditions on TCP listener ${listener}; it ${rule.action === "allow" ? "never matches" : "denies all its principals' connections"}`);
    if (rule.action === "deny") rules.push({ ...rule, methods: [], paths: [], headers: [] });
  }
  return { ...authz, rules };
}

function buildServer(ctx: ViewContext, listener: TcpListenerIR, index: number, clusters: ReadonlyMap<string, ClusterIR>,
  upstreams: Map<string, UpstreamView>): { server: StreamServerView; denies: boolean } | null {
  const lid = `meshc_l${index}`;
  if (listener.rateLimit !== null) {
    ctx.report(NGINX_CODES.tcpRateLimitUnsupported, listener.rateLimit.origin, `TCP listener ${listener.name} has a rate limit nginx's stream module cannot enforce`,
      "use the Envoy or HAProxy target for this service, or drop its rate limit");
  }
  const live = listener.backends.filter((b) => b.weight > 0);
  const targets = live.map((b) => clusters.get(b.cluster)).filter((c): c is ClusterIR => c !== undefined);
  const first = targets[0];
  if (first === undefined || targets.length !== live.length) return null;
  // Inbound: the service's own port; outbound: the destination the connection goes to.
  const trace = listener.direction === "inbound" ? ctx.owner : clusterTrace(ctx, first);
  if (!targets.every((c) => sameWire(ctx.cache, first, c))) {
    ctx.report(NGINX_CODES.splitBackendsDiffer, listener.origin, `the clusters of TCP listener ${listener.name} differ in upstream TLS`);
    return null;
  }
  for (const cluster of targets) {
    if (!ctx.checkIdentifier(cluster.name, cluster.origin, "cluster name")) return null;
    if (!upstreams.has(cluster.name)) upstreams.set(cluster.name, buildUpstream(ctx, cluster, 1, "stream"));
  }
  const split = ctx.within(trace, () => buildSplitVariable(ctx, `${lid}_split`, live, CONNECTION_KEY));
  const authz = ctx.within(trace, () => buildAuthorization(ctx, lid, tcpAuthorization(ctx, listener.authorization, listener.name)));
  let pass = split === null ? upstreamName(first.name) : `$${split}`;
  let denies = false;
  if ("variable" in authz) {
    denies = true;
    pass = `$${ctx.within(trace, () => ctx.addMap({
      source: template(bitPart(authz)), variable: `${lid}_pass`,
      entries: [{ key: { kind: "regex", pattern: "^1$", prefix: "~" }, value: split === null ? literal(upstreamName(first.name)) : template({ variable: split }) }],
      fallback: literal(DENY_UPSTREAM),
    }))}`;
  }
  if (listener.tls?.mode === "permissive") {
    ctx.report(NGINX_CODES.tcpPermissiveIsTlsOnly, listener.origin, `TCP listener ${listener.name} accepts TLS only (client certificate optional); plain-text clients are refused`);
  }
  const tls = listener.tls ? buildServerTls(ctx, listener.tls, [], `${listener.origin}.tls`) : null;
  if (listener.tls && tls === null) return null;
  const connectMs = listener.connectTimeoutMs ?? Math.max(...targets.map((c) => c.connectTimeoutMs));
  return {
    server: {
      trace,
      listen: `${listener.address}:${listener.port}`,
      tls,
      pass,
      connectTimeout: formatDuration(connectMs),
      idleTimeout: formatDuration(listener.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS),
      upstreamTls: first.tls ? buildUpstreamTls(ctx, first.tls, `${first.origin}.tls`) : null,
    },
    denies,
  };
}

/**
 * The stream block of one proxy, or null without TCP listeners. Its maps and splits are
 * its own (a second context); diagnostics go to the proxy's context `parent`.
 */
export function buildStream(parent: ViewContext, proxy: ProxyIR, clusters: ReadonlyMap<string, ClusterIR>, accessLogFile: NginxValue | null): { view: StreamView; njs: NjsFunctions } | null {
  const tcp = proxy.listeners.map((listener, index) => ({ listener, index })).filter((l): l is { listener: TcpListenerIR; index: number } => l.listener.kind === "tcp");
  if (tcp.length === 0) return null;
  const ctx = new ViewContext(parent.proxyName, parent.file, false, "", parent.owner, parent.mesh, parent.cache);
  const accessLog = proxy.observability.accessLog;
  if (accessLog?.fields.includes("duration_ms")) ctx.within(ctx.mesh, () => addDurationMap(ctx, "session_time"));
  const upstreams = new Map<string, UpstreamView>();
  const servers: StreamServerView[] = [];
  let denies = false;
  for (const { listener, index } of tcp) {
    const built = buildServer(ctx, listener, index, clusters, upstreams);
    if (built === null) continue;
    servers.push(built.server);
    denies ||= built.denies;
  }
  parent.diagnostics.push(...ctx.diagnostics);
  const view: StreamView = {
    trace: ctx.owner,
    modulePath: literal(STREAM_MODULE_PATH),
    accessLog: accessLog && accessLogFile ? { file: accessLogFile, format: sharedLogFormat(ctx.cache, accessLog.fields, TCP_LOG_FIELDS) } : null,
    maps: ctx.maps,
    splits: ctx.splits,
    upstreams: [...upstreams.values()],
    denyUpstream: denies ? DENY_UPSTREAM : null,
    servers,
    // Authorization by identity reads $meshc_peer from the stream js module (libnginx-mod-stream-js).
    njs: ctx.njs.used ? { modulePath: literal(STREAM_JS_MODULE_PATH), file: literal(njsFileName(proxy.name)), jsSets: ctx.njs.jsSets() } : null,
  };
  return { view, njs: ctx.njs };
}
