// The entry point of `explain`: the request read the way the proxies read it (README
// "Request model"), before any route or rule sees it. The path is normalized by the one
// normalizer the targets are configured to match (compiler/request-model.ts); header values
// are trimmed; a request the proxies refuse outright (a bad path, an upgrade, a repeated
// header that a rule names) stops here with the status they answer.
import type { MeshIR, ProxyIR } from "../ir/types.ts";
import { asksForUpgrade, normalizeRequestPath, readHeaders } from "../request-model.ts";
import type { ExplainRequest, Explanation } from "./explain-types.ts";
import { splitPathAndQuery, type WireRequest } from "./match.ts";

export type ReadRequest = Explanation["request"] & WireRequest;

export interface Refusal {
  readonly status: 400 | 403;
  readonly reason: string;
}

/**
 * Header names a route match of the caller's proxy or an authorization rule at a service it
 * can reach reads: a repeated one is refused (400) before any decision.
 */
function ruleHeaderNames(ir: MeshIR, caller: ProxyIR | null): Set<string> {
  const names = new Set<string>();
  if (caller === null) return names;
  const services = new Set(caller.clusters.map((c) => c.service));
  for (const l of caller.listeners) if (l.kind === "http") for (const v of l.virtualHosts) for (const r of v.routes) for (const h of r.match.headers) names.add(h.name);
  for (const proxy of ir.proxies) {
    if (proxy.kind !== "sidecar" || !services.has(proxy.owner)) continue;
    for (const l of proxy.listeners) if (l.direction === "inbound") for (const rule of l.authorization?.rules ?? []) for (const h of rule.headers) names.add(h.name);
  }
  return names;
}

export function readExplainRequest(ir: MeshIR, input: ExplainRequest, caller: ProxyIR | null): { request: ReadRequest; refusal: Refusal | null; notes: string[] } {
  const notes: string[] = [];
  const rawPath = input.path ?? "/";
  const verdict = normalizeRequestPath(rawPath);
  const { headers: copies, repeated } = readHeaders(input.headers ?? {});
  // Headers no rule reads are joined as Envoy joins them; a rule-named repeat is refused below.
  const headers = Object.fromEntries(Object.entries(copies).map(([k, v]) => [k, v.join(",")]));
  const { path, query } = verdict.ok ? splitPathAndQuery(`${verdict.path}${verdict.query ? `?${verdict.query}` : ""}`) : splitPathAndQuery(rawPath);
  const request: ReadRequest = { from: input.from, to: input.to, method: (input.method ?? "GET").toUpperCase(), path, headers, query: { ...query, ...input.query } };
  if (!verdict.ok) return { request, refusal: { status: 400, reason: `${verdict.reason}: every proxy refuses it with 400` }, notes };
  if (path !== splitPathAndQuery(rawPath.replace(/^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/?#]*/, "") || "/").path) {
    notes.push(`the proxies normalize the path ${JSON.stringify(rawPath)} to ${path}: routes, authorization and the backend all see ${path}`);
  }
  if (asksForUpgrade(copies)) {
    return { request, refusal: { status: 403, reason: `the request asks for a protocol upgrade (Upgrade: ${copies["upgrade"]!.join(", ")}): upgrades are refused with 403 (Envoy strips an h2c upgrade instead and serves the request as plain HTTP/1.1)` }, notes };
  }
  const named = ruleHeaderNames(ir, caller);
  const refused = repeated.filter((name) => named.has(name));
  if (refused.length > 0) {
    return { request, refusal: { status: 400, reason: `header ${refused.join(", ")} is sent more than once and a rule reads it: refused with 400 before any decision` }, notes };
  }
  return { request, refusal: null, notes };
}
