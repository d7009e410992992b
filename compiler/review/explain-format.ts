// Human text for an Explanation. The JSON form is the Explanation itself.
import type { ActionExplanation, BackendExplanation, DestinationExplanation, Explanation } from "./explain-types.ts";

function ms(value: number | null): string {
  if (value === null) return "none";
  return value % 1000 === 0 ? `${value / 1000}s` : `${value}ms`;
}

function backend(b: BackendExplanation): string {
  const target = b.service === "" ? `${b.cluster} (cluster missing from the proxy)` : b.subset === null ? b.service : `${b.service} ${b.subset}`;
  return `${target} [cluster ${b.cluster}]`;
}

function formatAction(action: ActionExplanation): string[] {
  if (action.kind === "redirect") return [`  action: redirect ${action.status} to ${action.location}`];
  if (action.kind === "direct") return [`  action: direct response ${action.status}${action.body === null ? "" : ` ${JSON.stringify(action.body)}`}`];
  const lines = ["  action: forward to"];
  for (const b of action.backends) lines.push(`    ${b.weight}% -> ${backend(b)}`);
  if (action.rewrite !== null) lines.push(`  rewrite: upstream path ${action.upstreamPath}${action.rewrite.host === null ? "" : `, host ${action.rewrite.host}`}`);
  lines.push(`  timeout: ${ms(action.timeoutMs)}`);
  const r = action.retries;
  lines.push(r === null ? "  retries: none"
    : `  retries: ${r.retries} (per try ${ms(r.perTryTimeoutMs)}, on ${[...r.on, ...r.statusCodes.map(String)].join(", ")}${r.idempotentOnly ? ", idempotent methods only" : ""})${action.retriesApply ? "" : " — not for this method"}`);
  if (action.mirror !== null) lines.push(`  mirror: ${action.mirror.percent}% to ${backend(action.mirror)}`);
  if (action.fault !== null) {
    const parts = [
      action.fault.delay && `delay ${ms(action.fault.delay.durationMs)} on ${action.fault.delay.percent}%`,
      action.fault.abort && `abort ${action.fault.abort.status} on ${action.fault.abort.percent}%`,
    ].filter(Boolean);
    lines.push(`  fault: ${parts.join(", ")}`);
  }
  const h = action.requestHeaders;
  if (h.set.length + h.add.length + h.remove.length > 0) {
    const parts = [...h.set.map((x) => `set ${x.name}`), ...h.add.map((x) => `add ${x.name}`), ...h.remove.map((x) => `remove ${x}`)];
    lines.push(`  request headers: ${parts.join(", ")}`);
  }
  return lines;
}

function formatDestination(d: DestinationExplanation): string[] {
  const lines = [`at ${d.service}${d.proxy === null ? "" : ` (${d.proxy} ${d.listener ?? "?"})`}: ${d.decision.toUpperCase()} — ${d.reason}`];
  if (d.mtls !== null) lines.push(`  mTLS: ${d.mtls}; caller identity: ${d.callerPrincipal ?? "none (no client certificate)"}`);
  lines.push(`  sees: ${d.method} ${d.path}`);
  if (d.rateLimit !== null) lines.push(`  rate limit: ${d.rateLimit.requests} per ${ms(d.rateLimit.windowMs)} (burst ${d.rateLimit.burst})`);
  if (d.jwt !== null) lines.push(`  JWT: ${d.jwt.provider}${d.jwt.required ? " (required)" : " (optional)"}; explain does not verify tokens`);
  if (d.authorization !== null) {
    lines.push(`  authorization (default ${d.authorization.defaultAction})${d.authorization.rules.length === 0 ? ": no rules" : ":"}`);
    for (const rule of d.authorization.rules) {
      lines.push(`    ${rule.matched ? "matches" : "no match"}: ${rule.action} ${rule.name} (${rule.origin})${rule.matched ? "" : ` — ${rule.reasons.join("; ")}`}`);
    }
  }
  return lines;
}

export function formatExplanation(e: Explanation): string {
  const r = e.request;
  const lines = [`${r.method} ${r.path} from ${r.from} to ${r.to}: ${e.outcome}${e.status === null ? "" : ` (${e.status})`}`];
  if (e.source !== null) lines.push(`via ${e.source.proxy} (${e.source.kind}, ${e.source.spiffeId})${e.listener === null ? "" : ` listener ${e.listener}`}`);
  const owners = [
    ...(e.source?.owner ? [`caller ${e.request.from}: ${e.source.owner}`] : []),
    ...e.destinations.filter((d) => d.owner !== null).map((d) => `callee ${d.service}: ${d.owner}`),
  ];
  if (owners.length > 0) lines.push(`owners: ${owners.join("; ")}`);
  if (e.virtualHost !== null) lines.push(`virtual host ${e.virtualHost.name} (${e.virtualHost.domains.join(", ")})`);
  for (const s of e.skipped) lines.push(`  skipped ${s.name} (${s.origin}): ${s.reasons.join("; ")}`);
  if (e.route !== null) lines.push(`route ${e.route.name} (${e.route.origin}) matches`);
  for (const n of e.notReached) lines.push(`  not reached: ${n.name} (${n.origin})`);
  if (e.action !== null) lines.push(...formatAction(e.action));
  for (const d of e.destinations) lines.push(...formatDestination(d));
  for (const note of e.notes) lines.push(`note: ${note}`);
  return lines.join("\n") + "\n";
}
