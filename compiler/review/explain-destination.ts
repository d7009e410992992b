// What happens at the destination's sidecar: TLS handshake, JWT, rate limit and the
// inbound AuthorizationIR, evaluated on the request as it arrives there — after the
// caller's route rewrote its path and mutated its headers.
import type { AuthorizationIR, AuthzRuleIR, ClusterIR, HeaderMutationIR, HttpListenerIR, MeshIR, ProxyIR } from "../ir/types.ts";
import type { AuthzExplanation, AuthzRuleEvaluation, DestinationExplanation } from "./explain-types.ts";
import { describePathMatch, matchHeaders, matchMethod, matchPath, type WireRequest } from "./match.ts";

/** Headers after a route's request mutation: remove, then set (replace), then add (append). */
export function mutateHeaders(headers: Readonly<Record<string, string>>, mutation: HeaderMutationIR): Record<string, string> {
  const out: Record<string, string> = { ...headers };
  for (const name of mutation.remove) delete out[name];
  for (const { name, value } of mutation.set) out[name] = value;
  for (const { name, value } of mutation.add) out[name] = Object.hasOwn(out, name) ? `${out[name]},${value}` : value;
  return out;
}

function evaluateRule(rule: AuthzRuleIR, principal: string | null, request: WireRequest): AuthzRuleEvaluation {
  const reasons: string[] = [];
  if (rule.principals !== null && !rule.principals.some((p) => p.spiffeId === principal)) {
    const allowed = rule.principals.map((p) => p.name).join(", ");
    reasons.push(principal === null ? `caller presents no certificate (rule requires ${allowed})` : `caller ${principal} is not one of ${allowed}`);
  }
  const method = matchMethod(rule.methods, request.method);
  if (method !== null) reasons.push(method);
  if (rule.paths.length > 0 && rule.paths.every((path) => matchPath(path, request.path) !== null)) {
    reasons.push(`path ${request.path} matches none of ${rule.paths.map(describePathMatch).join(", ")}`);
  }
  const headers = matchHeaders(rule.headers, request.headers);
  if (headers !== null) reasons.push(headers);
  return { name: rule.name, origin: rule.origin, action: rule.action, matched: reasons.length === 0, reasons };
}

/** Deny rules first (a matching deny wins over any allow), then allow rules, then the default. */
export function evaluateAuthorization(authz: AuthorizationIR, principal: string | null, request: WireRequest): AuthzExplanation {
  const ordered = [...authz.rules.filter((r) => r.action === "deny"), ...authz.rules.filter((r) => r.action === "allow")];
  const rules = ordered.map((rule) => evaluateRule(rule, principal, request));
  const decider = rules.find((r) => r.matched) ?? null;
  return {
    defaultAction: authz.defaultAction,
    rules,
    decision: decider?.action ?? authz.defaultAction,
    decidedBy: decider === null ? null : { name: decider.name, origin: decider.origin, action: decider.action },
  };
}

function inboundListener(proxy: ProxyIR, clusters: readonly ClusterIR[]): HttpListenerIR | null {
  const inbound = proxy.listeners.filter((l): l is HttpListenerIR => l.direction === "inbound" && l.kind === "http");
  const ports = new Set(clusters.flatMap((c) => c.endpoints.map((e) => e.port)));
  return inbound.find((l) => ports.has(l.port)) ?? (inbound.length === 1 ? inbound[0] : null);
}

interface DestinationInput {
  readonly ir: MeshIR;
  readonly caller: ProxyIR;
  readonly service: string;
  /** The caller's clusters reaching this service (one per subset in the split). */
  readonly clusters: readonly ClusterIR[];
  readonly request: WireRequest;
  /** The team owning `service`, from the config (the IR names no teams). */
  readonly owner?: string | null;
}

type DestinationBase = Omit<DestinationExplanation, "decision" | "reason" | "authorization">;

function decide(base: DestinationBase, decision: DestinationExplanation["decision"], reason: string, authorization: AuthzExplanation | null = null): DestinationExplanation {
  return { ...base, authorization, decision, reason };
}

export function explainDestination({ ir, caller, service, clusters, request, owner }: DestinationInput): DestinationExplanation {
  const presentsCert = clusters.length > 0 && clusters.every((c) => c.tls?.mode === "mesh" && c.tls.certFile !== null);
  const proxy = ir.proxies.find((p) => p.kind === "sidecar" && p.owner === service) ?? null;
  const listener = proxy === null ? null : inboundListener(proxy, clusters);
  const base: DestinationBase = {
    service, owner: owner ?? null, clusters: clusters.map((c) => c.name), proxy: proxy?.name ?? null, listener: listener?.name ?? null,
    mtls: listener === null ? null : listener.tls?.mode ?? "plaintext",
    callerPrincipal: presentsCert ? caller.identity.spiffeId : null,
    method: request.method, path: request.path,
    rateLimit: listener?.rateLimit ?? null,
    jwt: listener?.jwt ? { provider: listener.jwt.provider, required: listener.jwt.required } : null,
  };
  if (clusters.some((c) => c.kind === "egress")) return decide(base, "unknown", `${service} is an egress destination outside the mesh: no inbound policy in the IR`);
  if (proxy === null) return decide(base, "unknown", `no sidecar for ${service} in the IR: its inbound policy is unknown`);
  if (listener === null) return decide(base, "unknown", `${proxy.name} has no inbound HTTP listener for ${clusters.map((c) => c.name).join(", ")}`);
  const callerTls = clusters.some((c) => c.tls !== null);
  if (listener.tls === null && callerTls) return decide(base, "tls-rejected", `the caller speaks TLS to ${listener.name}, which accepts plain text only`);
  if (listener.tls?.mode === "strict" && !presentsCert) {
    return decide(base, "tls-rejected", `strict mTLS on ${service} requires a client certificate; cluster ${clusters.map((c) => c.name).join(", ")} presents none`);
  }
  if (listener.jwt?.required && request.headers["authorization"] === undefined) {
    return decide(base, "unauthenticated", `a JWT from ${listener.jwt.provider} is required and the request has no authorization header`);
  }
  if (listener.authorization === null) return decide(base, "allow", `no authorization policy on ${listener.name}: every request is allowed`);
  const authz = evaluateAuthorization(listener.authorization, base.callerPrincipal, request);
  const reason = authz.decidedBy === null
    ? `no rule matches: the default action (${authz.defaultAction}) decides`
    : `rule ${authz.decidedBy.name} (${authz.decidedBy.origin}) ${authz.decision === "allow" ? "allows" : "denies"} it`;
  return decide(base, authz.decision, reason, authz);
}
