// Route matches and authorization rules as HAProxy ACLs. Several lines with one ACL name
// OR together; the terms of a condition AND together, so one rule = one condition.
import type { AuthorizationIR, AuthzRuleIR, HttpMethod, PathMatchIR, RouteMatchIR, StringMatchIR } from "../../compiler/ir/types.ts";
import type { BuildContext } from "./context.ts";
import type { AclName, AclRef, AclView, AuthzView } from "./view.ts";
import { nameWord, regexLiteral, textWord, tokenWord, type Word } from "./words.ts";
import { hostnamesRegex, pathPrefixRegex, prefixElements } from "../../compiler/ir/path-prefix.ts";
import { ruleSource, type TraceSource } from "../../compiler/trace.ts";
import { aclView } from "./templates.ts";

/** Envoy matches a regex against the whole value; PCRE searches, so anchor explicitly. */
const anchored = (regex: string) => `^(?:${regex})$`;

/** An element-wise prefix (Gateway API PathPrefix) is a regex: `path_beg` alone would match `/v2example`. */
// Made once, not an object literal per ACL.
const PATH_FLAGS: Readonly<Record<PathMatchIR["kind"], string>> = { exact: "-m str", prefix: "-m beg", "string-prefix": "-m beg", regex: "-m reg" };
const STRING_FLAGS: Readonly<Record<Exclude<StringMatchIR["kind"], "present">, string>> = { exact: "-m str", prefix: "-m beg", regex: "-m reg" };

/**
 * A path ACL by name, kind and value, kept when building it reported nothing (a value that
 * does not pass is reported by every proxy as before): route paths repeat from proxy to
 * proxy (`/orders` is `meshc_r0_path` in every proxy whose first route matches it), and the
 * line is the same. One memo per emitter (BuildContext.paths), like Re2Verdicts.
 */
function pathAcl(ctx: BuildContext, name: AclName, path: PathMatchIR, origin: string): AclView {
  let byValue = ctx.paths.get(path.kind);
  if (byValue === undefined) ctx.paths.set(path.kind, (byValue = new Map()));
  let byName = byValue.get(path.value);
  const known = byName?.get(name);
  if (known !== undefined) return known;
  const reported = ctx.diagnostics.length;
  const acl = buildPathAcl(ctx, name, path, origin);
  if (ctx.diagnostics.length === reported) {
    if (byName === undefined) byValue.set(path.value, (byName = new Map()));
    byName.set(name, acl);
  }
  return acl;
}

function buildPathAcl(ctx: BuildContext, name: AclName, path: PathMatchIR, origin: string): AclView {
  if (path.kind === "prefix" && prefixElements(path.value) !== "") {
    return aclView(name, "path", null, "-m reg", null, [ctx.checkRegex(pathPrefixRegex(path.value, regexLiteral), origin, "path prefix")]);
  }
  // The root prefix ("/") is every path: a plain `-m beg "/"`.
  const flags = PATH_FLAGS[path.kind];
  const pattern = path.kind === "regex" ? ctx.checkRegex(anchored(path.value), origin, "path regex") : ctx.check(textWord(path.value), origin, "path");
  return aclView(name, "path", null, flags, null, [pattern]);
}

/** Route hostnames on the Host header without port, lowercased, as Gateway API compares them. */
function hostnamesAcl(ctx: BuildContext, name: AclName, hostnames: readonly string[], origin: string): AclView {
  return aclView(name, "hdr(host),field(1,:),lower", null, "-m reg", null, [ctx.checkRegex(hostnamesRegex(hostnames), origin, "hostnames")]);
}

function methodAcl(ctx: BuildContext, name: AclName, methods: readonly HttpMethod[], origin: string): AclView {
  return aclView(name, "method", null, "", null, methods.map((m) => ctx.check(nameWord(m), origin, "method")));
}

/** A header (req.fhdr: the whole value, commas included) or query parameter (urlp) match. */
function stringAcl(ctx: BuildContext, name: AclName, fetch: "req.fhdr" | "urlp", match: StringMatchIR, origin: string): AclView {
  const arg = ctx.check(tokenWord(match.name), origin, fetch === "urlp" ? "query parameter name" : "header name");
  if (match.kind === "present") return aclView(name, fetch, arg, "-m found", null, []);
  const flags = STRING_FLAGS[match.kind];
  const pattern = match.kind === "regex" ? ctx.checkRegex(anchored(match.value), origin, "match regex") : ctx.check(textWord(match.value), origin, "match value");
  return aclView(name, fetch, arg, flags, null, [pattern]);
}

/**
 * ACLs for path, methods, headers and query of a route; all must hold. Their conditions are
 * appended to `conditions` (the caller's own come first), with no closure or spread per route.
 */
export function buildRouteMatch(ctx: BuildContext, prefix: AclName, match: RouteMatchIR, origin: string, conditions: AclRef[]): AclView[] {
  const acls: AclView[] = [];
  if (match.path) acls.push(pathAcl(ctx, `${prefix}_path`, match.path, `${origin}.match.path`));
  if (match.methods.length > 0) acls.push(methodAcl(ctx, `${prefix}_method`, match.methods, `${origin}.match.methods`));
  if (match.hostnames?.length) acls.push(hostnamesAcl(ctx, `${prefix}_host`, match.hostnames, `${origin}.hostnames`));
  for (const acl of acls) conditions.push(acl.name);
  for (let i = 0; i < match.headers.length; i++) {
    const h = match.headers[i]!;
    const acl = stringAcl(ctx, `${prefix}_header${i}`, "req.fhdr", h, `${origin}.match.headers[${i}]`);
    acls.push(acl); conditions.push(h.invert ? `!${acl.name}` : acl.name);
  }
  for (let i = 0; i < match.query.length; i++) {
    const q = match.query[i]!;
    const acl = stringAcl(ctx, `${prefix}_query${i}`, "urlp", q, `${origin}.match.query[${i}]`);
    acls.push(acl); conditions.push(q.invert ? `!${acl.name}` : acl.name);
  }
  return acls;
}

/**
 * The peer's identity is exactly the single URI SAN of its certificate (identity-lua.ts
 * reads it from the DER), compared whole: nothing else in the certificate counts.
 */
function principalAcl(ctx: BuildContext, name: AclName, rule: AuthzRuleIR): AclView {
  const patterns = (rule.principals ?? []).map((p) => ctx.check(textWord(p.spiffeId), rule.origin, `SPIFFE ID of ${p.name}`));
  return aclView(name, "ssl_c_der,hex,lua.meshc_uri_san", null, "-m str", null, patterns);
}

/** The peer presented a certificate and it verified: a principal needs both. */
export const PEER_ACLS: readonly AclView[] = [
  aclView("meshc_peer_cert", "ssl_c_used", null, "", null, []),
  aclView("meshc_peer_verified", "ssl_c_verify", null, "", null, [{ word: "int", value: 0 }]),
];

function ruleCondition(ctx: BuildContext, index: number, rule: AuthzRuleIR, acls: AclView[], layer: "http" | "tcp"): AclRef[] {
  const prefix: AclName = `meshc_authz${index}`;
  const conditions: AclRef[] = [];
  // A TCP listener cannot see methods, paths or headers: fail closed (an allow never
  // matches; a deny applies to every connection from its principals).
  const hasL7Terms = rule.methods.length + rule.paths.length + rule.headers.length > 0;
  if (layer === "tcp" && hasL7Terms && rule.action === "allow") return ["FALSE"];
  if (rule.principals !== null) {
    if (rule.principals.length === 0) return ["FALSE"];
    const acl = principalAcl(ctx, `${prefix}_from`, rule);
    if (acl.patterns.length === 0) return ["FALSE"];
    acls.push(acl);
    conditions.push("meshc_peer_cert", "meshc_peer_verified", acl.name);
  }
  if (layer === "http") {
    if (rule.methods.length > 0) {
      const acl = methodAcl(ctx, `${prefix}_method`, rule.methods, `${rule.origin}.methods`);
      acls.push(acl); conditions.push(acl.name);
    }
    if (rule.paths.length > 0) {
      rule.paths.forEach((p, i) => acls.push(pathAcl(ctx, `${prefix}_path`, p, `${rule.origin}.paths[${i}]`)));
      conditions.push(`${prefix}_path`);
    }
    rule.headers.forEach((h, i) => {
      const acl = stringAcl(ctx, `${prefix}_header${i}`, "req.fhdr", h, `${rule.origin}.headers[${i}]`);
      acls.push(acl); conditions.push(h.invert ? `!${acl.name}` : acl.name);
    });
  }
  return conditions.length > 0 ? conditions : ["TRUE"];
}

/**
 * Deny rules first (a match is a 403), then allow rules mark the transaction; with a
 * default of deny, an unmarked transaction is a 403. Allow rules are dropped when the
 * default is allow: they cannot change the outcome.
 */
export function buildAuthz(ctx: BuildContext, authz: AuthorizationIR | null, layer: "http" | "tcp", owner: TraceSource): AuthzView | null {
  if (authz === null) return null;
  const rules = authz.rules.map((rule, i) => {
    const acls: AclView[] = [];
    return { rule, acls, trace: ruleSource(rule, owner), conditions: ruleCondition(ctx, i, rule, acls, layer) };
  });
  const needsPeer = rules.some((r) => r.conditions.includes("meshc_peer_cert"));
  const defaultDeny = authz.defaultAction === "deny";
  return {
    acls: needsPeer ? PEER_ACLS : [],
    ruleAcls: rules.filter((r) => r.acls.length > 0).map((r) => ({ trace: r.trace, acls: r.acls })),
    denyRules: rules.filter((r) => r.rule.action === "deny").map((r) => ({ trace: r.trace, conditions: r.conditions })),
    allowRules: defaultDeny ? rules.filter((r) => r.rule.action === "allow").map((r) => ({ trace: r.trace, conditions: r.conditions })) : [],
    defaultDeny,
  };
}
