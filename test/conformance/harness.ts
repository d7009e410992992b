// Runs the translated conformance cases: one mesh holds every case as a gateway of its
// own (its own port), compiled once for nginx, HAProxy, Envoy and Kubernetes. Each case's
// gateway config runs unchanged in one nginx, then one HAProxy process (a batch per case
// and target); the infra backends are HTTPS servers holding their service's mesh
// certificate, standing in for the services' sidecars. Every request is also put to
// `explain`, and each answer is checked against the upstream test's expectation.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { compile, explain, type Explanation } from "../../compiler/testing.ts";
import type { Diagnostic } from "../../compiler/diagnostics/types.ts";
import type { MeshIR } from "../../compiler/ir/types.ts";
import { combinedPemPath } from "../../compiler/ir/paths.ts";
import { send, type ClientResponse } from "../support/client.ts";
import { writeMeshPki } from "../support/pki.ts";
import { freePorts } from "../support/ports.ts";
import { makeTempPrefix, startHaproxy, startNginx } from "../support/procs.ts";
import { closeAll, startUpstream, type Upstream } from "../support/upstreams.ts";
import { CASES, type Backend, type ConformanceCase, type Expect, type Request } from "./cases.ts";

export const BACKENDS: readonly Backend[] = ["infra-backend-v1", "infra-backend-v2", "infra-backend-v3"];
export type ProxyTarget = "nginx" | "haproxy";

export interface Observed {
  readonly status: number;
  readonly body: string;
  readonly location: string | null;
  readonly responseHeaders: Readonly<Record<string, string>>;
  /** The backend request, when one was forwarded. */
  readonly upstream: { readonly name: string; readonly url: string; readonly headers: Readonly<Record<string, string>> } | null;
}

/** The mesh: three infra backends and one plain-HTTP gateway per case. */
export function conformanceMesh(ports: { admin: number; outbound: number; backends: readonly number[]; gateways: readonly number[] }, cases: readonly ConformanceCase[]) {
  return {
    name: "conformance", trustDomain: "conformance.example.com", namespace: "gateway-conformance-infra",
    defaults: { authorization: "allow", adminPort: ports.admin, outboundPort: ports.outbound, retries: false },
    observability: { metricsPort: false, accessLog: false },
    services: Object.fromEntries(BACKENDS.map((name, i) => [name, { ports: { http: { port: 8080, protocol: "http" } }, endpoints: [`127.0.0.1:${ports.backends[i]}`] }])),
    gateways: Object.fromEntries(cases.map((c, i) => [c.id, { port: ports.gateways[i], tls: false, hosts: [...(c.hosts ?? ["example.com", "example.org", "*.example.com"])], routes: [] }])),
    // A redirect still names a destination in meshc (its virtual host); any backend will do.
    routes: cases.flatMap((c) => c.routes.map((r) => ({ to: "infra-backend-v1", ...r, name: `${c.id}-${r.name as string}`, from: { gateway: c.id } }))),
  };
}

/** Header values as a list, so "a,b" and "a, b" (one line, or two lines joined by node) compare alike. */
const listOf = (value: string | string[] | undefined) => (Array.isArray(value) ? value.join(",") : value ?? "").split(/\s*,\s*/).filter((v) => v !== "");

/** What went wrong with one observed answer; empty when it meets the expectation. */
export function judge(expect: Expect, seen: Observed, port: number): string[] {
  const problems: string[] = [];
  const want = (what: string, got: unknown, wanted: unknown) => { if (got !== wanted) problems.push(`${what}: got ${JSON.stringify(got)}, want ${JSON.stringify(wanted)}`); };
  if (expect.anyOf) {
    want("status", seen.status, 200);
    if (!expect.anyOf.includes((seen.upstream?.name ?? "") as Backend)) problems.push(`backend: got ${seen.upstream?.name ?? "none"}, want one of ${expect.anyOf.join(", ")}`);
  } else if (expect.backend) {
    want("status", seen.status, 200);
    want("backend", seen.upstream?.name ?? null, expect.backend);
    if (expect.path) want("upstream path", seen.upstream?.url, expect.path);
    for (const [name, value] of Object.entries(expect.headers ?? {})) want(`request header ${name}`, listOf(seen.upstream?.headers[name]).join(","), listOf(value).join(","));
    for (const name of expect.absentHeaders ?? []) want(`request header ${name}`, seen.upstream?.headers[name], undefined);
  } else {
    want("status", seen.status, expect.status);
    want("backend", seen.upstream?.name ?? null, null);
    if (expect.location) want("location", seen.location, expect.location.replace("{port}", String(port)));
  }
  for (const [name, value] of Object.entries(expect.responseHeaders ?? {})) want(`response header ${name}`, seen.responseHeaders[name], value);
  for (const name of expect.absentResponseHeaders ?? []) want(`response header ${name}`, seen.responseHeaders[name], undefined);
  return problems;
}

/** explain's answer in the same shape as a proxy's. */
export function explainObserved(ir: MeshIR, c: ConformanceCase, request: Request): { seen: Observed; explanation: Explanation } {
  const e = explain(ir, { from: c.id, to: request.host ?? "example.com", method: request.method ?? "GET", path: request.path, headers: request.headers ?? {} });
  const action = e.action;
  if (action?.kind === "forward") {
    const backend = action.backends.find((b) => b.weight > 0);
    const headers: Record<string, string> = { host: action.rewrite?.host ?? request.host ?? "example.com" };
    for (const [k, v] of Object.entries(request.headers ?? {})) headers[k.toLowerCase()] = v;
    const mutation = action.requestHeaders;
    for (const name of mutation.remove) delete headers[name];
    for (const h of mutation.set) headers[h.name] = h.value;
    for (const h of mutation.add) headers[h.name] = headers[h.name] === undefined ? h.value : `${headers[h.name]},${h.value}`;
    const query = request.path.includes("?") ? request.path.slice(request.path.indexOf("?")) : "";
    const route = ir.proxies.find((p) => p.owner === c.id)?.listeners.flatMap((l) => (l.kind === "http" ? l.virtualHosts.flatMap((v) => v.routes) : []))
      .find((r) => r.name === e.route?.name);
    const responseHeaders: Record<string, string> = { "x-upstream": backend?.service ?? "" };
    for (const name of route?.responseHeaders.remove ?? []) delete responseHeaders[name];
    for (const h of [...(route?.responseHeaders.set ?? []), ...(route?.responseHeaders.add ?? [])]) responseHeaders[h.name] = h.value;
    const name = backend?.service ?? "";
    return { explanation: e, seen: { status: 200, body: name, location: null, responseHeaders, upstream: { name, url: action.upstreamPath + query, headers } } };
  }
  return { explanation: e, seen: { status: e.status ?? 0, body: "", location: action?.kind === "redirect" ? action.location : null, responseHeaders: {}, upstream: null } };
}

export interface CaseResult {
  readonly id: string;
  /** Per target: problems per request (empty list = pass), or a diagnostic code that announced the gap. */
  readonly byTarget: Record<string, { problems: string[]; announced: string | null }>;
}

export interface Suite {
  readonly ir: MeshIR;
  readonly diagnostics: readonly Diagnostic[];
  readonly files: ReadonlyMap<string, string>;
  readonly ports: { gateways: readonly number[] };
  readonly backends: ReadonlyMap<string, Upstream>;
  readonly prefix: string;
  stop(): Promise<void>;
}

export async function startSuite(cases: readonly ConformanceCase[] = CASES): Promise<Suite> {
  const prefix = makeTempPrefix("conformance");
  const backends = new Map<string, Upstream>();
  try {
    const [admin, outbound, ...rest] = await freePorts(2 + BACKENDS.length + cases.length);
    const ports = { admin: admin!, outbound: outbound!, backends: rest.slice(0, BACKENDS.length), gateways: rest.slice(BACKENDS.length) };
    const runtime = { certDir: join(prefix.dir, "certs"), runDir: join(prefix.dir, "run"), logDir: join(prefix.dir, "logs") };
    const result = await compile(conformanceMesh(ports, cases), { targets: ["nginx", "haproxy", "envoy", "kubernetes"], runtime });
    if (result.errors.length > 0 || !result.ir) throw new Error(JSON.stringify(result.diagnostics.filter((d) => d.severity === "error").map((d) => `${d.code} ${d.path} ${d.message}`), null, 2));
    for (const dir of [runtime.runDir, runtime.logDir]) mkdirSync(dir, { recursive: true });
    const pki = await writeMeshPki(runtime.certDir, result.ir.infra.identities);
    for (const leaf of pki.leaves.values()) writeFileSync(combinedPemPath(leaf.certFile), leaf.pair.certPem + "\n" + leaf.pair.keyPem, { mode: 0o600 });
    for (const [i, name] of BACKENDS.entries()) {
      const pair = pki.leaves.get(name)!.pair;
      backends.set(name, await startUpstream({ name, port: ports.backends[i], tls: { cert: pair.certPem, key: pair.keyPem, ca: pki.ca.certPem } }));
    }
    for (const [path, content] of result.files) {
      mkdirSync(join(prefix.dir, path, ".."), { recursive: true });
      writeFileSync(join(prefix.dir, path), content);
    }
    return {
      ir: result.ir, diagnostics: result.diagnostics, files: result.files, ports, backends, prefix: prefix.dir,
      stop: async () => { await closeAll(backends.values()); prefix.remove(); },
    };
  } catch (error) {
    await closeAll(backends.values());
    prefix.remove();
    throw error;
  }
}

async function observe(suite: Suite, port: number, request: Request): Promise<Observed> {
  for (const b of suite.backends.values()) b.reset();
  const res: ClientResponse = await send({
    url: `http://127.0.0.1:${port}${request.path}`, method: request.method ?? "GET",
    headers: { host: request.host ?? "example.com", ...request.headers }, timeoutMs: 5000,
  });
  const hits = [...suite.backends.values()].flatMap((u) => u.requests.map((r) => ({ name: u.name, url: r.url, headers: r.headers as Record<string, string> })));
  const responseHeaders: Record<string, string> = {};
  for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) responseHeaders[k] = Array.isArray(v) ? v.join(",") : v;
  if (res.error) return { status: 0, body: res.error, location: null, responseHeaders, upstream: null };
  return { status: res.status, body: res.body, location: (res.headers.location as string | undefined) ?? null, responseHeaders, upstream: hits.length === 1 ? hits[0]! : hits.length === 0 ? null : { name: hits.map((h) => h.name).join("+"), url: "", headers: {} } };
}

/** One proxy process for one case: start, send every request, stop. */
export async function runCaseOn(suite: Suite, target: ProxyTarget, c: ConformanceCase, index: number): Promise<{ problems: string[]; observed: Observed[] }> {
  const port = suite.ports.gateways[index]!;
  const configFile = join(suite.prefix, target, `gateway-${c.id}.${target === "nginx" ? "conf" : "cfg"}`);
  const start = target === "nginx" ? startNginx : startHaproxy;
  const proxy = await start({ prefix: suite.prefix, configFile, readyPorts: [port] });
  const problems: string[] = [];
  const observed: Observed[] = [];
  try {
    for (const request of c.requests) {
      const seen = await observe(suite, port, request);
      observed.push(seen);
      for (const p of judge(request.expect, seen, port)) problems.push(`${request.method ?? "GET"} ${request.host ?? "example.com"}${request.path}: ${p}`);
    }
  } finally {
    await proxy.stop();
  }
  return { problems, observed };
}
