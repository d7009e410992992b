// Inbound policy: authorization as a "1"/"0" decision variable, rate limits as a
// limit_req zone, and downstream TLS. A principal is exactly the single URI SAN of the
// verified client certificate, read by njs ($meshc_peer, view/njs.ts): nginx 1.22 has no
// variable for it, and nothing else in the certificate (subject DN, other extensions) counts.
import type { AuthorizationIR, AuthzRuleIR, PrincipalIR, RateLimitIR, ServerTlsIR } from "../../../compiler/ir/types.ts";
import { NGINX_CODES } from "../codes.ts";
import { escapeRegexLiteral, ONE, regex, template, ZERO } from "../escape.ts";
import type { ViewContext } from "./context.ts";
import { ALWAYS, bitPart, buildMethodBit, buildPathBit, buildStringBits, combineBits, firstSetEntries, type Bit } from "./match.ts";
import { PLAIN_URI } from "./njs.ts";
import { buildCiphers } from "./pass.ts";
import type { RateLimitZoneView, ServerTlsView } from "./types.ts";
import { entitySource, ruleSource } from "../../../compiler/trace.ts";

/** True when `spiffeId` is a URI njs accepts as an identity; reports MESH3168 otherwise. */
export function checkSpiffeId(ctx: ViewContext, spiffeId: string, path: string, who: string): boolean {
  if (PLAIN_URI.test(spiffeId) && spiffeId.length <= 2048) return true;
  ctx.report(NGINX_CODES.spiffeIdUnsupported, path, `the SPIFFE ID of ${who} ${JSON.stringify(spiffeId)} is not a plain URI`,
    "use letters, digits and `-._~/:` in trust domain, namespace and service account names");
  return false;
}

function buildPrincipalBit(ctx: ViewContext, variable: string, principals: readonly PrincipalIR[], path: string): Bit | null {
  const uris: string[] = [];
  for (const principal of principals) {
    if (!checkSpiffeId(ctx, principal.spiffeId, path, principal.name)) return null;
    uris.push(escapeRegexLiteral(principal.spiffeId));
  }
  // $meshc_peer is "" unless the certificate was verified and has exactly one URI SAN.
  const pattern = `^(?:${uris.join("|")})$`;
  if (uris.length === 0 || !ctx.checkPattern(pattern, path, "principal SPIFFE ID")) return null;
  ctx.addMap({ source: template({ variable: ctx.njs.peer() }), variable,
    entries: [{ key: regex(pattern), value: ONE }], fallback: ZERO });
  return { variable };
}

function buildRuleBit(ctx: ViewContext, id: string, rule: AuthzRuleIR): Bit | null {
  const bits: (Bit | null)[] = [
    rule.principals === null ? ALWAYS : buildPrincipalBit(ctx, `${id}_principal`, rule.principals, `${rule.origin}.principals`),
    buildMethodBit(ctx, `${id}_method`, rule.methods),
    buildPathBit(ctx, `${id}_path`, rule.paths, `${rule.origin}.paths`),
  ];
  buildStringBits(ctx, `${id}_header`, rule.headers, `${rule.origin}.headers`, "header", bits);
  for (const b of bits) if (b === null) return null;
  return combineBits(ctx, id, bits as Bit[]);
}

/**
 * "1" to allow, "0" to deny. Rules keep IR order (denies first), the first matching rule
 * decides, else the default. A rule that cannot be expressed fails closed: the listener
 * denies everything (and the error diagnostic stops the bundle anyway).
 */
export function buildAuthorization(ctx: ViewContext, id: string, authz: AuthorizationIR | null): Bit {
  if (authz === null) return ALWAYS;
  const bits = authz.rules.map((rule, i) => ctx.within(ruleSource(rule, ctx.owner), () => buildRuleBit(ctx, `${id}_rule${i}`, rule)));
  const fallback = authz.defaultAction === "allow" ? ONE : ZERO;
  if (bits.some((b) => b === null)) {
    return { variable: ctx.addMap({ source: template({ text: "" }), variable: `${id}_authz`, entries: [], fallback: ZERO }) };
  }
  if (authz.rules.length === 0) return authz.defaultAction === "allow" ? ALWAYS : { variable: ctx.addMap({ source: template({ text: "" }), variable: `${id}_authz`, entries: [], fallback }) };
  const keys = firstSetEntries(ctx.cache, authz.rules.length);
  return { variable: ctx.addMap({
    source: template(...(bits as Bit[]).map(bitPart)), variable: `${id}_authz`,
    entries: authz.rules.map((rule, i) => ({ key: keys[i], value: rule.action === "allow" ? ONE : ZERO })), fallback,
  }) };
}

/**
 * Envoy's token bucket holds `requests + burst` tokens refilled at requests/window; nginx's
 * leaky bucket with `burst=B nodelay` admits B + 1 at once, so B = requests + burst - 1
 * gives the same first burst and the same long-run rate.
 */
export function buildRateLimit(ctx: ViewContext, zone: string, limit: RateLimitIR | null): { zoneView: RateLimitZoneView; burst: number } | null {
  if (limit === null) return null;
  const perSecond = (limit.requests * 1000) / limit.windowMs;
  const perMinute = perSecond * 60;
  let rate: string;
  if (Number.isInteger(perSecond) && perSecond >= 1) rate = `${perSecond}r/s`;
  else {
    rate = `${Math.max(1, Math.round(perMinute))}r/m`;
    if (!Number.isInteger(perMinute)) ctx.report(NGINX_CODES.rateRounded, limit.origin, `${limit.requests} per ${limit.windowMs} ms became ${rate}`);
  }
  // One bucket for the whole listener, like Envoy's local rate limit: the key is constant.
  return { zoneView: { trace: entitySource(limit.origin) ?? ctx.owner, zone, key: template({ variable: "server_port" }), rate }, burst: limit.requests + limit.burst - 1 };
}

export function buildServerTls(ctx: ViewContext, tls: ServerTlsIR, serverNames: readonly string[], path: string): ServerTlsView | null {
  const chosen = tls.certificates.find((c) => c.serverNames.some((n) => serverNames.includes(n)))
    ?? tls.certificates.find((c) => c.serverNames.length === 0) ?? tls.certificates[0];
  if (chosen === undefined) return null;
  const certificate = ctx.checkLiteral(chosen.certFile, `${path}.certificates`, "certificate path");
  const certificateKey = ctx.checkLiteral(chosen.keyFile, `${path}.certificates`, "key path");
  const clientCa = tls.clientCaFile === null ? null : ctx.checkLiteral(tls.clientCaFile, `${path}.clientCaFile`, "CA path");
  if (!certificate || !certificateKey) return null;
  return {
    certificate, certificateKey,
    protocols: tls.minVersion === "1.2" ? "TLSv1.2 TLSv1.3" : "TLSv1.3",
    ciphers: buildCiphers(ctx, tls.ciphers, `${path}.ciphers`),
    verifyClient: tls.mode === "strict" ? "on" : tls.mode === "permissive" ? "optional" : null,
    clientCa: tls.mode === "server-only" ? null : clientCa,
  };
}

