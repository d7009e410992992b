// Request authentication (JWT) -> jwt_authn. A remote JWKS is fetched by Envoy through a
// cluster, which the IR does not carry: this file derives one from the URI.
import type { JwtIR } from "../../compiler/ir/types.ts";
import { ENVOY_CODES } from "./codes.ts";
import { report, type ProxyContext } from "./context.ts";
import { buildSocketAddress, buildTypedConfig, FILTER_NAMES, TYPES, type Json } from "./format.ts";
import { buildUpstreamTransportSocket } from "./tls.ts";
import { buildTraceMetadata } from "./trace.ts";

/** Underscore cannot occur in a DNS-1123 name, so this never collides with an IR cluster. */
export function jwksClusterName(provider: string): string {
  return `meshc_jwks_${provider}`;
}

function parseJwksUri(uri: string): URL | null {
  try {
    const url = new URL(uri);
    return (url.protocol === "https:" || url.protocol === "http:") && url.hostname !== "" ? url : null;
  } catch {
    return null;
  }
}

function buildJwksSource(jwt: JwtIR): Json {
  if (jwt.jwksFile !== null) return { local_jwks: { filename: jwt.jwksFile } };
  return {
    remote_jwks: {
      http_uri: { uri: jwt.jwksUri, cluster: jwksClusterName(jwt.provider), timeout: "5s" },
      cache_duration: "300s",
    },
  };
}

export function buildJwtFilter(jwt: JwtIR): Json {
  const requirement = jwt.required
    ? { provider_name: jwt.provider }
    // Not required: a request without a token passes, a bad token is still rejected.
    : { requires_any: { requirements: [{ provider_name: jwt.provider }, { allow_missing: {} }] } };
  return {
    name: FILTER_NAMES.jwt,
    typed_config: buildTypedConfig(TYPES.jwt, {
      providers: {
        [jwt.provider]: {
          issuer: jwt.issuer,
          ...(jwt.audiences.length > 0 ? { audiences: [...jwt.audiences] } : {}),
          ...buildJwksSource(jwt),
          forward: true,
        },
      },
      rules: [{ match: { prefix: "/" }, requires: requirement }],
    }),
  };
}

/** The cluster serving a remote JWKS: DNS-resolved, TLS-verified against the system trust store for https. */
export function buildJwksCluster(ctx: ProxyContext, jwt: JwtIR): Json | null {
  if (jwt.jwksUri === null) return null;
  const url = parseJwksUri(jwt.jwksUri);
  if (url === null) {
    report(ctx, ENVOY_CODES.jwksUriUnusable, `${jwt.origin}.jwksUri`, `JWKS URI of provider ${jwt.provider} is not an http(s) URL with a host`);
    return null;
  }
  const https = url.protocol === "https:";
  const host = url.hostname.replace(/^\[|\]$/g, "");
  const port = url.port !== "" ? Number(url.port) : https ? 443 : 80;
  const name = jwksClusterName(jwt.provider);
  return {
    name,
    ...buildTraceMetadata({ kind: "jwt", name: jwt.provider }),
    type: "STRICT_DNS",
    connect_timeout: "5s",
    load_assignment: { cluster_name: name, endpoints: [{ lb_endpoints: [{ endpoint: { address: buildSocketAddress(host, port) } }] }] },
    ...(https
      ? { transport_socket: buildUpstreamTransportSocket(ctx.shared, {
          mode: "origination", sni: host, minVersion: "1.2", ciphers: [], certFile: null, keyFile: null, caFile: null,
          peerSpiffeIds: [], peerSubjects: [] }, []) }
      : {}),
  };
}
