// One proxy's whole view: admin and metrics listeners, a frontend per listener, backends.
import type { AccessLogField, ClusterIR, HttpListenerIR, ProxyIR, TcpListenerIR } from "../../compiler/ir/types.ts";
import type { BuildContext } from "./context.ts";
import { buildAuthz } from "./build-match.ts";
import { buildTcpBackend, NO_TIMEOUT_MS } from "./build-backend.ts";
import { buildRouting } from "./build-routes.ts";
import { buildBinds } from "./build-tls.ts";
import { buildRequestGuards, verifiesClients } from "./build-guards.ts";
import { luaFileName } from "./identity-lua.ts";
import type { BackendView, ConfigView, HttpFrontendView, TcpFrontendView } from "./view.ts";
import { expr, formatWord, nameWord, textWord, type FormatPart, type Word } from "./words.ts";
import { clusterSource, proxySource } from "../../compiler/trace.ts";

// JSON access log fields. Strings the client controls go through txn variables captured
// at request time and the json converter; the rest are numbers or HAProxy-made text.
const HTTP_LOG_FIELDS: Record<AccessLogField, string> = {
  start_time: `"%trg"`, method: `"%HM"`, path: `"%[var(txn.meshc_path),json(utf8s)]"`, protocol: `"%HV"`,
  status: "%ST", duration_ms: "%Ta", bytes_received: "%U", bytes_sent: "%B", upstream: `"%si:%sp"`,
  // HAProxy logs one status: the upstream's, or its own when it answered itself.
  upstream_status: "%ST", request_id: `"%[var(txn.meshc_request_id),json(utf8s)]"`,
  user_agent: `"%[var(txn.meshc_user_agent),json(utf8s)]"`, authority: `"%[var(txn.meshc_authority),json(utf8s)]"`,
};
// A TCP stream has no request: only timing, bytes and the upstream are logged.
const TCP_LOG_FIELDS: Partial<Record<AccessLogField, string>> = {
  start_time: `"%t"`, duration_ms: "%Tt", bytes_received: "%U", bytes_sent: "%B", upstream: `"%si:%sp"`,
};

/** The block's log format for the mesh's field list (every proxy holds the same array): built and checked once per emitter. */
function buildLogFormat(ctx: BuildContext, proxy: ProxyIR, block: "http" | "tcp"): Word | null {
  const log = proxy.observability.accessLog;
  if (log === null) return null;
  const fields = block === "http" ? HTTP_LOG_FIELDS : TCP_LOG_FIELDS;
  return ctx.checkShared(log.fields, `log format ${block}`, () => {
    const members = log.fields.filter((f) => fields[f] !== undefined).map((f) => `"${f}":${fields[f]}`);
    const parts: FormatPart[] = [expr(`{${members.join(",")}}`)];
    return formatWord(...parts);
  }, "observability.accessLog", "access log format");
}

/**
 * The longest a request may keep a relay connection silent: every attempt of the slowest
 * backend (connect, server timeout, HAProxy's 1 s retry turn-around), at least an hour.
 */
function httpRelayTimeoutMs(backends: readonly BackendView[]): number {
  let longest = NO_TIMEOUT_MS;
  for (const b of backends) longest = Math.max(longest, ((b.retries?.count ?? 0) + 1) * (b.connectTimeoutMs + b.serverTimeoutMs + 1000));
  return longest;
}

function buildHttpFrontend(ctx: BuildContext, proxy: ProxyIR, index: number, listener: HttpListenerIR, clusters: ReadonlyMap<string, ClusterIR>, backends: BackendView[]): HttpFrontendView {
  const owner = proxySource(proxy);
  const routing = buildRouting(ctx, listener, clusters, owner);
  for (const b of routing.backends) backends.push(b);
  const rl = listener.rateLimit;
  const { binds, dispatch } = buildBinds(ctx, listener, { adminPort: proxy.admin.port, index, relayTimeoutMs: httpRelayTimeoutMs(routing.backends) });
  return {
    // A sidecar's listeners, in and out, and a gateway's are the service's or gateway's own; routes and rules inside name theirs.
    trace: owner,
    name: ctx.check(nameWord(listener.name), listener.origin, "listener name"),
    dispatch, binds,
    logFormat: buildLogFormat(ctx, proxy, "http"),
    // The edge makes its own request id: a client's could collide with or forge another's.
    requestId: proxy.kind === "gateway" ? { replace: true } : proxy.observability.requestId ? { replace: false } : null,
    guards: buildRequestGuards(ctx, proxy, listener),
    // Requests admitted per window: the steady rate plus the burst (see README).
    rateLimit: rl ? { limit: rl.requests + rl.burst, windowMs: rl.windowMs } : null,
    authz: buildAuthz(ctx, listener.authorization, "http", owner),
    acls: routing.acls, vhostSelectors: routing.vhostSelectors, usesPick: routing.usesPick, routes: routing.routes,
  };
}

function buildTcpFrontend(ctx: BuildContext, proxy: ProxyIR, index: number, listener: TcpListenerIR, clusters: ReadonlyMap<string, ClusterIR>, backends: BackendView[]): TcpFrontendView {
  let cumulative = 0;
  const owner = proxySource(proxy);
  const live = listener.backends.filter((b) => b.weight > 0);
  // Inbound: the service's own port; outbound: the destination the connection goes to.
  const firstCluster = clusters.get(live[0]?.cluster ?? "");
  const trace = listener.direction === "inbound" || firstCluster === undefined ? owner : clusterSource(firstCluster, owner);
  const frontendBackends = live.map((b, i) => {
    cumulative += b.weight;
    const name = `tcp.${listener.name}.${b.cluster}`;
    const cluster = clusters.get(b.cluster);
    if (cluster) backends.push(buildTcpBackend(ctx, name, cluster, listener.idleTimeoutMs, listener.connectTimeoutMs, clusterSource(cluster, owner)));
    return { name: ctx.check(nameWord(name), listener.origin, "backend name"), below: i === live.length - 1 ? null : cumulative };
  });
  // The inner frontend and its backends time out after idleTimeoutMs, or 5 min / 1 h.
  const relayTimeoutMs = Math.max(NO_TIMEOUT_MS, listener.idleTimeoutMs ?? 0);
  const { binds, dispatch } = buildBinds(ctx, listener, { adminPort: proxy.admin.port, index, relayTimeoutMs });
  return {
    trace,
    name: ctx.check(nameWord(listener.name), listener.origin, "listener name"),
    dispatch, binds,
    logFormat: buildLogFormat(ctx, proxy, "tcp"),
    idleTimeoutMs: listener.idleTimeoutMs,
    authz: buildAuthz(ctx, listener.authorization, "tcp", owner),
    rateLimit: listener.rateLimit ? { limit: listener.rateLimit.requests + listener.rateLimit.burst, windowMs: listener.rateLimit.windowMs } : null,
    usesPick: frontendBackends.length > 1,
    backends: frontendBackends,
  };
}

export function buildConfigView(ctx: BuildContext, proxy: ProxyIR): ConfigView {
  const clusters = new Map(proxy.clusters.map((c) => [c.name, c]));
  const backends: BackendView[] = [];
  const httpFrontends: HttpFrontendView[] = [];
  const tcpFrontends: TcpFrontendView[] = [];
  proxy.listeners.forEach((listener, i) => {
    if (listener.kind === "http") httpFrontends.push(buildHttpFrontend(ctx, proxy, i, listener, clusters, backends));
    else tcpFrontends.push(buildTcpFrontend(ctx, proxy, i, listener, clusters, backends));
  });
  return {
    trace: proxySource(proxy),
    logToStdout: proxy.observability.accessLog !== null,
    lua: proxy.listeners.some(verifiesClients) ? ctx.check(textWord(luaFileName(proxy.name)), proxy.name, "Lua file") : null,
    experimental: httpFrontends.length > 0,
    usesDns: backends.some((b) => b.dns),
    admin: { port: proxy.admin.port },
    metrics: proxy.observability.metricsPort === null ? null : { port: proxy.observability.metricsPort },
    httpFrontends, tcpFrontends, backends,
  };
}
