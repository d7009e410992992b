// Backends: one per (route, cluster) for HTTP, because retries and timeouts are route
// settings and HAProxy keeps them on the backend; one per (listener, cluster) for TCP.
// The cluster's own policy (balancing, limits, checks, TLS) is repeated in each.
import { isIP } from "node:net";
import type { ClusterIR, ForwardActionIR, LoadBalancingIR, RetryCondition, RetryPolicyIR } from "../../compiler/ir/types.ts";
import { diagnostic } from "../../compiler/diagnostics/define.ts";
import { haproxyCodes } from "./codes.ts";
import type { BuildContext } from "./context.ts";
import { buildServerTls } from "./build-tls.ts";
import type { BackendView, ServerView } from "./view.ts";
import { nameWord, tokenWord, type Word } from "./words.ts";
import { backendText, serverLine } from "./templates.ts";
import type { TraceSource } from "../../compiler/trace.ts";

/** Without a route timeout Envoy waits indefinitely; HAProxy needs a value, so an hour. */
export const NO_TIMEOUT_MS = 3_600_000;

// retry-on keywords in a fixed order, so output is stable.
const RETRY_KEYWORDS = ["conn-failure", "empty-response", "junk-response", "response-timeout", "401", "403", "404", "408", "425", "500", "501", "502", "503", "504"] as const;

/** What each IR condition means in HAProxy; gRPC conditions read grpc-status, which HAProxy cannot (capability none). */
const RETRY_ON: Partial<Record<RetryCondition, readonly string[]>> = {
  "5xx": ["500", "501", "502", "503", "504", "conn-failure", "empty-response", "junk-response", "response-timeout"],
  "gateway-error": ["502", "503", "504"],
  reset: ["empty-response", "junk-response", "response-timeout"],
  "connect-failure": ["conn-failure"],
  "refused-stream": ["conn-failure"],
};

// Each keyword is a bit (its index in RETRY_KEYWORDS), so a route's wanted set is one number
// and its retry-on text is made once per distinct set: routes repeat a few policies.
const KEYWORD_BIT = new Map<string, number>(RETRY_KEYWORDS.map((k, i) => [k, 1 << i]));
const maskOf = (keywords: readonly string[]) => keywords.reduce((m, k) => m | KEYWORD_BIT.get(k)!, 0);
const RETRY_ON_MASK = new Map<string, number>(Object.entries(RETRY_ON).map(([c, keywords]) => [c, maskOf(keywords!)]));
const retryOnText = new Map<number, string>();

export function buildRetryOn(ctx: BuildContext, policy: RetryPolicyIR, origin: string): string {
  let wanted = 0;
  for (const condition of policy.on) {
    const mask = RETRY_ON_MASK.get(condition);
    if (mask !== undefined) wanted |= mask;
    else if (condition === "retriable-4xx") {
      ctx.diagnostics.push(diagnostic(haproxyCodes.retryConditionDropped, { message: "retriable-4xx (409) cannot be a retry-on condition in HAProxy 2.6", path: `${origin}.on` }));
    }
  }
  for (const status of policy.statusCodes) {
    const bit = KEYWORD_BIT.get(String(status));
    if (bit !== undefined) wanted |= bit;
    else ctx.diagnostics.push(diagnostic(haproxyCodes.retryConditionDropped, { message: `status ${status} cannot be a retry-on condition in HAProxy 2.6`, path: `${origin}.statusCodes` }));
  }
  let text = retryOnText.get(wanted);
  if (text === undefined) {
    const on = RETRY_KEYWORDS.filter((_, i) => (wanted & (1 << i)) !== 0);
    text = on.length > 0 ? on.join(" ") : "none";
    retryOnText.set(wanted, text);
  }
  return text;
}

function buildBalance(ctx: BuildContext, lb: LoadBalancingIR, mode: "http" | "tcp", origin: string): BackendView["balance"] {
  if (lb.policy !== "hash") {
    const keyword = ({ "round-robin": "roundrobin", "least-request": "leastconn", random: "random" } as const)[lb.policy];
    return { keyword, key: null, consistent: false };
  }
  const on = lb.hashOn;
  if (on.kind === "source-ip") return { keyword: "source", key: null, consistent: true };
  // A TCP stream has no headers or cookies to hash.
  if (mode === "tcp") return { keyword: "roundrobin", key: null, consistent: false };
  const key: Word = ctx.check(tokenWord(on.name), `${origin}.loadBalancing`, on.kind === "header" ? "hash header" : "hash cookie");
  return { keyword: on.kind === "header" ? "hdr" : "hash req.cook", key, consistent: true };
}

const perServer = (total: number | null, servers: number) => (total === null ? null : Math.max(1, Math.ceil(total / servers)));

/**
 * A cluster's server lines, the same for every backend of the proxy that reaches it
 * (ctx.servers): checked once, and written once per observe layer as one text (the line of
 * templates.ts `serverLine`, which every backend prints whole) instead of once per backend.
 */
interface ClusterServers {
  readonly views: readonly ServerView[];
  readonly dns: boolean;
  /** By observe layer; null while not yet written, or when a word was refused (the proxy is then left out: never printed). */
  layer7: Word | null;
  layer4: Word | null;
}

function buildServers(ctx: BuildContext, cluster: ClusterIR): ClusterServers {
  const known = ctx.servers.get(cluster);
  if (known !== undefined) return known as ClusterServers;
  const reported = ctx.diagnostics.length;
  const views = buildServerViews(ctx, cluster);
  const servers: ClusterServers = { views, dns: views.some((s) => s.dns), layer7: null, layer4: null };
  if (ctx.diagnostics.length === reported) ctx.servers.set(cluster, servers);
  return servers;
}

/** The cluster's server lines for a backend observing `observe`; a word `hap` would refuse stands for them (the proxy is left out). */
function serverLines(servers: ClusterServers, observe: BackendView["observe"]): Word {
  const known = observe === "layer7" ? servers.layer7 : servers.layer4;
  if (known !== null) return known;
  let text = "";
  for (const s of servers.views) {
    const line = serverLine(s, observe);
    if (typeof line !== "string") return line;
    text += line;
  }
  // Flattened now, once: every backend that prints it then copies one piece.
  text.charCodeAt(0);
  const word: Word = { word: "checked", text };
  if (observe === "layer7") servers.layer7 = word; else servers.layer4 = word;
  return word;
}

/** A backend's text until it is written (buildBackend). */
const PENDING: Word = { word: "checked", text: "" };

function buildServerViews(ctx: BuildContext, cluster: ClusterIR): ServerView[] {
  const n = Math.max(1, cluster.endpoints.length);
  const hc = cluster.healthCheck;
  const od = cluster.outlierDetection;
  // Passive ejection needs checks running to bring a server back: without an active
  // check, a plain connect check at the ejection interval does it.
  const check = hc ? { interMs: hc.intervalMs, rise: hc.healthyThreshold, fall: hc.unhealthyThreshold }
    : od ? { interMs: od.baseEjectionMs, rise: 1, fall: 1 } : null;
  const tls = buildServerTls(ctx, cluster);
  if (cluster.discovery === "static") {
    for (const e of cluster.endpoints.filter((e) => isIP(e.address) === 0)) {
      ctx.diagnostics.push(diagnostic(haproxyCodes.staticAddressNotIp, { message: `endpoint ${JSON.stringify(e.address)} of ${cluster.name}`, path: `${cluster.origin}.endpoints` }));
    }
  }
  return cluster.endpoints.map((e, i) => ({
    name: `s${i}`,
    address: ctx.check(nameWord(`${e.address}:${e.port}`), cluster.origin, "endpoint"),
    dns: cluster.discovery === "dns",
    maxconn: perServer(cluster.connectionLimits?.maxConnections ?? null, n),
    maxqueue: perServer(cluster.connectionLimits?.maxPendingRequests ?? null, n),
    check,
    errorLimit: od ? od.consecutive5xx : null,
    tls,
    protoH2: tls === null && (cluster.protocol === "http2" || cluster.protocol === "grpc"),
  }));
}

/**
 * A backend: the cluster's part and the route's or listener's timeouts. One object literal,
 * not a spread of the cluster's part (a spread followed by more properties is V8's slow path,
 * and this runs for every route); the checks run in the order they always have.
 */
function buildBackend(ctx: BuildContext, name: string, cluster: ClusterIR, mode: "http" | "tcp", trace: TraceSource,
  timing: Pick<BackendView, "connectTimeoutMs" | "serverTimeoutMs" | "retries" | "idempotentOnly">): BackendView {
  const hc = cluster.healthCheck;
  const checkedName = ctx.check(nameWord(name), cluster.origin, "backend name");
  const balance = buildBalance(ctx, cluster.loadBalancing, mode, cluster.origin);
  const httpCheck = hc && hc.path !== null && mode === "http" ? { path: ctx.check({ word: "text", value: hc.path }, `${cluster.origin}.healthCheck.path`, "health check path"), timeoutMs: hc.timeoutMs } : null;
  const servers = buildServers(ctx, cluster);
  const observe = mode === "http" ? "layer7" : "layer4";
  // One object literal (see above), its text written from it once every field is set.
  const view: BackendView = {
    trace, name: checkedName, mode, balance, httpCheck,
    checkTimeoutMs: hc ? hc.timeoutMs : null,
    observe,
    dns: servers.dns, servers: serverLines(servers, observe),
    connectTimeoutMs: timing.connectTimeoutMs, serverTimeoutMs: timing.serverTimeoutMs, retries: timing.retries, idempotentOnly: timing.idempotentOnly,
    text: PENDING,
  };
  (view as { text: Word }).text = backendText(view);
  return view;
}

/** An HTTP route's backend for one of its clusters: per-try timeout and retries (`retryOn`, built once a route) from the route. */
export function buildRouteBackend(ctx: BuildContext, name: string, cluster: ClusterIR, action: ForwardActionIR, retryOn: string, trace: TraceSource): BackendView {
  const retries = action.retries;
  const perTry = retries?.perTryTimeoutMs ?? null;
  const total = action.timeoutMs;
  return buildBackend(ctx, name, cluster, "http", trace, {
    connectTimeoutMs: cluster.connectTimeoutMs,
    // The shorter of the set ones, without an array of candidates per route.
    serverTimeoutMs: perTry === null ? total ?? NO_TIMEOUT_MS : total === null ? perTry : Math.min(perTry, total),
    retries: retries && retries.retries > 0 ? { count: retries.retries, on: retryOn } : null,
    idempotentOnly: retries !== null && retries.idempotentOnly,
  });
}

export function buildTcpBackend(ctx: BuildContext, name: string, cluster: ClusterIR, idleTimeoutMs: number | null, connectTimeoutMs: number | null, trace: TraceSource): BackendView {
  return buildBackend(ctx, name, cluster, "tcp", trace, {
    connectTimeoutMs: connectTimeoutMs ?? cluster.connectTimeoutMs,
    serverTimeoutMs: idleTimeoutMs ?? NO_TIMEOUT_MS,
    retries: null,
    idempotentOnly: false,
  });
}
