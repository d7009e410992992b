// The request model (README "Request model") on Envoy: what the HTTP connection manager and
// two filters in front of every other one do before any route or authorization decision.
//
// - Repeated headers. Envoy joins every copy of a header with "," before a header matcher sees
//   it (since CVE-2020-25017), so `x-debug: 1` twice reads as "1,1" and slips past a deny on
//   `x-debug = 1`. The compiler refuses a comma in exact and prefix header-rule values
//   (MESH2030), so for a header named by a rule of the listener "the joined value contains a
//   comma" means "the header came more than once" (or one copy held a comma, which RFC 9110
//   5.3 makes the same thing). The first HTTP filter is an RBAC DENY on exactly that, and a
//   local reply mapper turns its 403 into the model's 400. An RBAC filter is used, not a first
//   route, because RBAC runs before every other filter: a route is only consulted by the
//   router, after authorization has already allowed or denied the request.
// - A literal backslash in the path: Envoy has no switch for it (the header validator that
//   has one is not in default builds). normalize_path canonicalizes the path first; if a
//   backslash survives, the same filter refuses it (400). Either way routing, RBAC and the
//   upstream see one and the same :path.
// - Identity: RBAC's `authenticated.principal_name` matches if ANY URI SAN equals the SPIFFE
//   ID, so a certificate with the victim's URI next to its own would pass as the victim. A
//   second RBAC filter, in matcher form, refuses (403) a peer certificate whose URI SANs,
//   which Envoy's UriSanInput joins with ",", hold more than one entry. Stricter than the
//   model ("no identity"): such a certificate is refused outright, not treated as anonymous.
import type { HttpListenerIR, ProxyIR } from "../../compiler/ir/types.ts";
import { buildTypedConfig, FILTER_NAMES, TYPES, type Json } from "./format.ts";

/** Header names a route match or an authorization rule of the listener reads, sorted. */
export function ruleHeaderNames(listener: HttpListenerIR): string[] {
  const names = new Set<string>();
  for (const vhost of listener.virtualHosts) for (const route of vhost.routes) for (const h of route.match.headers) names.add(h.name.toLowerCase());
  for (const rule of listener.authorization?.rules ?? []) for (const h of rule.headers) names.add(h.name.toLowerCase());
  return [...names].sort();
}

const COMMA = { contains: "," };
// Anything before the query holding a backslash. RE2, whole-value match; tiny program.
const BACKSLASH_IN_PATH = "[^?]*\\\\.*";

/** The RBAC DENY filter that runs first on every HTTP listener. */
export function buildRequestModelFilter(headers: readonly string[]): Json {
  const policies: Record<string, Json> = {
    "backslash-in-path": { permissions: [{ url_path: { path: { contains: "\\" } } }], principals: [{ any: true }] },
  };
  if (headers.length > 0) {
    policies["repeated-rule-header"] = {
      permissions: headers.map((name) => ({ header: { name, string_match: COMMA } })),
      principals: [{ any: true }],
    };
  }
  return {
    name: FILTER_NAMES.httpRequestModel,
    typed_config: buildTypedConfig(TYPES.httpRbac, { rules: { action: "DENY", policies } }),
  };
}

/** Local replies for the requests the request-model filter refused become 400. */
export function buildLocalReplyConfig(headers: readonly string[]): Json {
  const status400 = (filter: Json): Json => ({ filter, status_code: 400 });
  const mappers = [
    status400({ header_filter: { header: { name: ":path", string_match: { safe_regex: { regex: BACKSLASH_IN_PATH } } } } }),
    ...headers.map((name) => status400({ header_filter: { header: { name, string_match: COMMA } } })),
  ];
  return { mappers };
}

/** True when the listener verifies client certificates, so identities can be read. */
export function verifiesClientCertificates(listener: HttpListenerIR): boolean {
  return listener.direction === "inbound" && listener.tls?.clientCaFile != null;
}

/**
 * Refuses a peer certificate with several URI SANs. Emitted only where an authorization
 * rule names identities: elsewhere the identity is never read, and a rule that names none
 * may allow such a caller.
 */
export function needsSingleIdentityFilter(listener: HttpListenerIR): boolean {
  return verifiesClientCertificates(listener) && (listener.authorization?.rules ?? []).some((r) => r.principals !== null);
}

export function buildSingleIdentityFilter(): Json {
  const action = (name: string, verdict: "ALLOW" | "DENY"): Json => ({
    action: { name: "envoy.filters.rbac.action", typed_config: buildTypedConfig(TYPES.rbacAction, { name, action: verdict }) },
  });
  return {
    name: FILTER_NAMES.httpSingleIdentity,
    typed_config: buildTypedConfig(TYPES.httpRbac, {
      matcher: {
        matcher_list: { matchers: [{
          predicate: { single_predicate: {
            input: { name: "envoy.matching.inputs.uri_san", typed_config: buildTypedConfig(TYPES.uriSanInput, {}) },
            value_match: COMMA,
          } },
          on_match: action("several-uri-sans", "DENY"),
        }] },
        on_no_match: action("at-most-one-uri-san", "ALLOW"),
      },
    }),
  };
}

/**
 * X-Forwarded-Client-Cert: a client's copy is always removed; where the listener verified a
 * client certificate Envoy sets its own (`By=<own URI>;Hash=<cert sha256>;URI=<peer URI>`).
 */
export function buildClientCertForwarding(verifiesClientCertificate: boolean): Json {
  return verifiesClientCertificate
    ? { forward_client_cert_details: "SANITIZE_SET", set_current_client_cert_details: { uri: true } }
    : { forward_client_cert_details: "SANITIZE" };
}

/** Request ids: the edge makes its own (a client's is replaced); sidecars keep the mesh's. */
export function buildRequestId(proxy: ProxyIR): Json {
  if (proxy.kind === "gateway") return { generate_request_id: true, preserve_external_request_id: false };
  const requestId = proxy.observability.requestId;
  return requestId ? { generate_request_id: true, preserve_external_request_id: true } : { generate_request_id: false };
}
