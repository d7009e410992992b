// Inbound policy changes, per service (or gateway): TLS / mTLS mode, TLS version and
// ciphers, JWT, rate limits and authorization rules. Compared per inbound listener of a
// proxy present in both IRs; a service with several ports reports a change once (the
// caller dedupes identical changes).
import type { AuthorizationIR, AuthzRuleIR, ListenerIR, MeshIR, ProxyIR } from "../ir/types.ts";
import { compareValues, describeChange, formatValue, type Change, type ChangeKind } from "./diff-values.ts";
import { describePathMatch, describeStringMatch } from "./match.ts";

function subjectOf(proxy: ProxyIR): string {
  return proxy.kind === "gateway" ? proxy.name : proxy.owner;
}

function inbound(proxy: ProxyIR): Map<string, ListenerIR> {
  return new Map(proxy.listeners.filter((l) => l.direction === "inbound").map((l) => [l.name, l]));
}

function ruleSummary(rule: AuthzRuleIR) {
  return {
    action: rule.action,
    from: rule.principals === null ? null : rule.principals.map((p) => p.name),
    methods: rule.methods,
    paths: rule.paths.map(describePathMatch),
    headers: rule.headers.map(describeStringMatch),
  };
}

/** Who a rule is about and what it covers: ("web", "ledger on GET /balance"). */
function ruleParts(rule: AuthzRuleIR, service: string): { who: string; scope: string } {
  const who = rule.principals === null ? "any caller" : rule.principals.map((p) => p.name).join(", ");
  const methods = rule.methods.length === 0 ? "any method" : rule.methods.join(", ");
  const paths = rule.paths.length === 0 ? "any path" : rule.paths.map((p) => (p.kind === "exact" ? p.value : describePathMatch(p))).join(", ");
  const headers = rule.headers.length === 0 ? "" : ` with ${rule.headers.map(describeStringMatch).join(", ")}`;
  return { who, scope: `${service} on ${methods} ${paths}${headers}` };
}

/** "web may now call ledger on GET /balance": a rule in the words of who may call what. */
function ruleAddedText(rule: AuthzRuleIR, service: string): string {
  const { who, scope } = ruleParts(rule, service);
  return `${who} ${rule.action === "allow" ? "may now call" : "may no longer call"} ${scope} (${rule.action} rule ${rule.name}, ${rule.origin})`;
}

function ruleRemovedText(rule: AuthzRuleIR, service: string): string {
  const { who, scope } = ruleParts(rule, service);
  return `${rule.action} rule ${rule.name} (${rule.origin}) removed: ${who} ${rule.action === "allow" ? "is no longer allowed to call" : "is no longer denied calling"} ${scope}`;
}

function diffAuthorization(subject: string, before: AuthorizationIR | null, after: AuthorizationIR | null, out: Change[]): void {
  if (before === null || after === null) {
    if (before === after) return;
    const kind: ChangeKind = after === null ? "authz-disabled" : "authz-enabled";
    out.push({ kind, subject, field: "authorization", before: before === null ? null : before.defaultAction, after: after === null ? null : after.defaultAction,
      text: after === null ? `${subject}: authorization policy removed (every request allowed)` : `${subject}: authorization policy added (default ${after.defaultAction})` });
    if (after === null) return;
    // Every rule of a new policy is reported as added; its default is in the change above.
    before = { defaultAction: after.defaultAction, rules: [] };
  }
  if (before.defaultAction !== after.defaultAction) {
    out.push({ kind: "authz-default", subject, field: "defaultAction", before: before.defaultAction, after: after.defaultAction,
      text: `${subject}: authorization default ${before.defaultAction} -> ${after.defaultAction}` });
  }
  const old = new Map(before.rules.map((r) => [r.name, r]));
  const now = new Map(after.rules.map((r) => [r.name, r]));
  for (const [name, rule] of old) {
    if (now.has(name)) continue;
    out.push({ kind: "authz-rule-removed", subject, rule: name, field: "rule", before: ruleSummary(rule), after: null,
      text: `${subject}: ${ruleRemovedText(rule, subject)}` });
  }
  for (const [name, rule] of now) {
    const was = old.get(name);
    if (was === undefined) {
      out.push({ kind: "authz-rule-added", subject, rule: name, field: "rule", before: null, after: ruleSummary(rule),
        text: `${subject}: ${ruleAddedText(rule, subject)}` });
      continue;
    }
    compareValues("", ruleSummary(was), ruleSummary(rule), (field, x, y) => {
      out.push({ kind: "authz-rule-changed", subject, rule: name, field, before: x, after: y,
        text: `${subject}: authorization rule ${name}: ${describeChange(field, x, y)}` });
    });
  }
}

function diffListener(subject: string, proxy: ProxyIR, before: ListenerIR, after: ListenerIR, out: Change[]): void {
  const mode = (l: ListenerIR) => l.tls?.mode ?? "plaintext";
  if (mode(before) !== mode(after)) {
    const what = proxy.kind === "sidecar" ? "mTLS" : "TLS";
    out.push({ kind: "mtls", subject, field: "mode", before: mode(before), after: mode(after), text: `${what}: ${mode(before)} -> ${mode(after)} on ${subject}` });
  }
  if (before.tls !== null && after.tls !== null) {
    const tls = (l: ListenerIR) => ({
      minVersion: l.tls!.minVersion, ciphers: l.tls!.ciphers,
      certificates: l.tls!.certificates.map((c) => `${c.name}${c.serverNames.length ? ` (${c.serverNames.join(", ")})` : ""}`),
    });
    compareValues("tls", tls(before), tls(after), (field, x, y) => {
      out.push({ kind: "tls", subject, field, before: x, after: y, text: `${subject}: ${describeChange(field, x, y)}` });
    });
  }
  const strip = <T extends { origin: string }>(v: T | null) => (v === null ? null : { ...v, origin: undefined });
  compareValues("rateLimit", strip(before.rateLimit), strip(after.rateLimit), (field, x, y) => {
    const text = field === "rateLimit"
      ? `${subject}: rate limit ${formatValue("rateLimit", x)} -> ${formatValue("rateLimit", y)}`
      : `${subject}: ${describeChange(field, x, y)}`;
    out.push({ kind: "rate-limit", subject, field, before: x, after: y, text });
  });
  if (before.kind === "http" && after.kind === "http") {
    compareValues("jwt", strip(before.jwt), strip(after.jwt), (field, x, y) => {
      out.push({ kind: "jwt", subject, field, before: x, after: y, text: `${subject}: ${describeChange(field, x, y)}` });
    });
  }
  diffAuthorization(subject, before.authorization, after.authorization, out);
}

export function diffListeners(before: MeshIR, after: MeshIR): Change[] {
  const out: Change[] = [];
  for (const proxy of after.proxies) {
    const was = before.proxies.find((p) => p.name === proxy.name);
    if (was === undefined) continue;
    const subject = subjectOf(proxy);
    const old = inbound(was);
    const now = inbound(proxy);
    for (const [name, listener] of now) {
      const previous = old.get(name);
      if (previous !== undefined) diffListener(subject, proxy, previous, listener, out);
      else out.push({ kind: "listener-added", subject, field: "listener", before: null, after: name, text: `${subject}: now listens on port ${listener.port} (${listener.kind === "http" ? listener.protocol : "tcp"})` });
    }
    for (const [name, listener] of old) {
      if (!now.has(name)) out.push({ kind: "listener-removed", subject, field: "listener", before: name, after: null, text: `${subject}: no longer listens on port ${listener.port}` });
    }
  }
  return out;
}
