// Authorization -> Envoy RBAC. A matching deny wins over any allow, which one RBAC filter
// cannot say: it has a single action. So deny rules go in a DENY filter that runs first,
// and allow rules in an ALLOW filter after it. With default allow the allow rules change
// nothing (anything not denied passes), so that filter is left out.
import type { AuthorizationIR, AuthzRuleIR } from "../../compiler/ir/types.ts";
import { buildTypedConfig, FILTER_NAMES, TYPES, type Json } from "./format.ts";
import { buildHeaderMatcher, buildMethodMatcher, buildPathMatcher } from "./matchers.ts";

/**
 * Principals are SPIFFE IDs. `authenticated.principal_name` reads the verified peer
 * certificate's URI SAN first, so only a certificate the mesh CA signed can match.
 * No principals in the IR = any peer, with or without a certificate.
 */
function buildPrincipals(rule: AuthzRuleIR): Json[] {
  if (rule.principals === null) return [{ any: true }];
  return rule.principals.map((p) => ({ authenticated: { principal_name: { exact: p.spiffeId } } }));
}

function buildHttpPermissions(rule: AuthzRuleIR): Json[] {
  const conditions: Json[] = [];
  if (rule.methods.length > 0) conditions.push({ header: buildMethodMatcher(rule.methods) });
  if (rule.paths.length > 0) conditions.push({ or_rules: { rules: rule.paths.map((p) => ({ url_path: buildPathMatcher(p) })) } });
  for (const header of rule.headers) conditions.push({ header: buildHeaderMatcher(header) });
  if (conditions.length === 0) return [{ any: true }];
  return [{ and_rules: { rules: conditions } }];
}

/** True when a rule constrains the request itself, which a TCP connection does not have. */
export function hasHttpConditions(rule: AuthzRuleIR): boolean {
  return rule.methods.length > 0 || rule.paths.length > 0 || rule.headers.length > 0;
}

type Layer = "http" | "network";

/**
 * On a TCP listener only principals can be checked. A rule with HTTP conditions there
 * fails closed: an allow rule is dropped (allows less), a deny rule denies its
 * principals outright (denies more). The emitter reports both.
 */
function buildPolicies(rules: readonly AuthzRuleIR[], layer: Layer): Record<string, Json> {
  // Keyed by rule names, which differ from proxy to proxy: a dictionary from the start, so V8
  // makes no hidden class per name sequence (a plain {} grew one per distinct rule name).
  const policies: Record<string, Json> = Object.create(null);
  for (const rule of rules) {
    if (layer === "network" && rule.action === "allow" && hasHttpConditions(rule)) continue;
    policies[rule.name] = {
      permissions: layer === "http" ? buildHttpPermissions(rule) : [{ any: true }],
      principals: buildPrincipals(rule),
    };
  }
  return policies;
}

/** The RBAC filters for one listener, deny first; each entry is `{ name, typed_config }`. */
export function buildRbacFilters(authz: AuthorizationIR, layer: Layer): Json[] {
  const typeName = layer === "http" ? TYPES.httpRbac : TYPES.networkRbac;
  const names = layer === "http"
    ? { deny: FILTER_NAMES.httpRbacDeny, allow: FILTER_NAMES.httpRbacAllow }
    : { deny: FILTER_NAMES.networkRbacDeny, allow: FILTER_NAMES.networkRbacAllow };
  // The network filter requires a stat prefix; the HTTP one has none.
  const config = (suffix: string, rules: Json): Json => (layer === "network" ? { stat_prefix: `rbac_${suffix}`, rules } : { rules });
  const filters: Json[] = [];
  const denyRules = authz.rules.filter((r) => r.action === "deny");
  const allowRules = authz.rules.filter((r) => r.action === "allow");
  if (denyRules.length > 0) {
    filters.push({ name: names.deny, typed_config: buildTypedConfig(typeName, config("deny", { action: "DENY", policies: buildPolicies(denyRules, layer) })) });
  }
  if (authz.defaultAction === "deny") {
    // An ALLOW filter with no policies denies everything: that is default deny.
    filters.push({ name: names.allow, typed_config: buildTypedConfig(typeName, config("allow", { action: "ALLOW", policies: buildPolicies(allowRules, layer) })) });
  }
  return filters;
}
