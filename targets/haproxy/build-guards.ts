// The request model's guards for one HTTP listener (README "Request model"; the fixed
// rules themselves are in templates.ts, `requestGuards`): which headers must arrive at
// most once, and the identity header a verified peer gets.
import type { HttpListenerIR, ListenerIR, ProxyIR } from "../../compiler/ir/types.ts";
import type { BuildContext } from "./context.ts";
import { PEER_URI_SAMPLE } from "./identity-lua.ts";
import type { RequestGuardView } from "./view.ts";
import { expr, formatWord, literal, tokenWord } from "./words.ts";

/** Every header a route match or an authorization rule of the listener reads, sorted, once. */
export function ruleHeaderNames(listener: HttpListenerIR): string[] {
  const names = new Set<string>();
  for (const vh of listener.virtualHosts) for (const r of vh.routes) for (const h of r.match.headers) names.add(h.name.toLowerCase());
  for (const rule of listener.authorization?.rules ?? []) for (const h of rule.headers) names.add(h.name.toLowerCase());
  return [...names].sort();
}

/** The listener asks for and verifies client certificates (strict or permissive mTLS). */
export function verifiesClients(listener: ListenerIR): boolean {
  return listener.tls !== null && listener.tls.mode !== "server-only" && listener.tls.clientCaFile !== null;
}

export function buildRequestGuards(ctx: BuildContext, proxy: ProxyIR, listener: HttpListenerIR): RequestGuardView {
  return {
    singleHeaders: ruleHeaderNames(listener).map((n) => ctx.check(tokenWord(n), listener.origin, "header name")),
    // Envoy's SANITIZE_SET with the URI: `By=<own SPIFFE ID>;URI=<peer SPIFFE ID>`.
    clientCert: verifiesClients(listener)
      ? ctx.check(formatWord(literal(`By=${proxy.identity.spiffeId};URI=`), expr(`%[${PEER_URI_SAMPLE}]`)), listener.origin, "x-forwarded-client-cert")
      : null,
  };
}
