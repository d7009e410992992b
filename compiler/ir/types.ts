// The intermediate representation: plain, readonly, JSON-serializable data.
// Normalization fills in every default, resolves every reference and sorts every
// collection whose order carries no meaning, so emitters never sort and never guess.
// Collections whose order does carry meaning (routes, authorization rules) keep the
// order the user wrote, and say so.
//
// Split as in Envoy Gateway: `proxies` is what Envoy, nginx and HAProxy read (one
// entry per sidecar and per gateway); `infra` is what Kubernetes and certificates read.

export type Protocol = "http" | "http2" | "grpc" | "tcp";
export type HttpMethod = "GET" | "HEAD" | "POST" | "PUT" | "PATCH" | "DELETE" | "OPTIONS" | "CONNECT" | "TRACE";
export type TlsVersion = "1.2" | "1.3";

/** Where a value came from in the user's config, as a JSON path ("routes[2].retries"). */
export type Origin = string;

export interface MeshIR {
  readonly version: 1;
  readonly mesh: MeshMetaIR;
  readonly runtime: RuntimePathsIR;
  readonly proxies: readonly ProxyIR[];
  readonly infra: InfraIR;
}

export interface MeshMetaIR {
  readonly name: string;
  readonly trustDomain: string;
  readonly namespace: string;
  /** The CA every proxy trusts; its files are named in `runtime`. */
  readonly caName: string;
}

/** Paths the proxies need at run time: compile options, so one file serves production and a test prefix. */
export interface RuntimePathsIR {
  /** Directory holding `<identity>/cert.pem`, `<identity>/key.pem` and `ca.pem`. */
  readonly certDir: string;
  /** Directory for pid files and temp dirs. */
  readonly runDir: string;
  /** Directory for log files (targets that cannot log to stdout). */
  readonly logDir: string;
}

// ---------------------------------------------------------------------------------
// Proxy IR
// ---------------------------------------------------------------------------------

export interface ProxyIR {
  /** File-safe name: the service name for sidecars, `gateway-<name>` for gateways. */
  readonly name: string;
  readonly kind: "sidecar" | "gateway";
  /** The service or gateway this proxy belongs to. */
  readonly owner: string;
  readonly identity: IdentityRefIR;
  readonly admin: { readonly address: "127.0.0.1"; readonly port: number };
  /** Sorted by port. */
  readonly listeners: readonly ListenerIR[];
  /** Sorted by name. Every cluster a listener names is here. */
  readonly clusters: readonly ClusterIR[];
  readonly observability: ObservabilityIR;
}

/** A proxy's own identity: what it presents, and the files holding it. */
export interface IdentityRefIR {
  /** Identity name = Kubernetes service account = certificate name. */
  readonly name: string;
  readonly spiffeId: string;
  /** The certificate subject, which the certificate manifest guarantees (no target authorizes on it: identity is the URI SAN). */
  readonly subject: SubjectIR;
  readonly certFile: string;
  readonly keyFile: string;
  readonly caFile: string;
}

export interface SubjectIR {
  readonly commonName: string;
  readonly organizationalUnit: string;
  readonly organization: string;
}

export type ListenerIR = HttpListenerIR | TcpListenerIR;

interface ListenerBase {
  /** Unique within the proxy: `inbound-<port>`, `outbound-http`, `outbound-tcp-<port>`. */
  readonly name: string;
  readonly direction: "inbound" | "outbound";
  /** Inbound listeners bind all addresses; outbound ones bind loopback only. */
  readonly address: "0.0.0.0" | "127.0.0.1";
  readonly port: number;
  /** Downstream TLS; null for outbound listeners (the local app speaks plain text to its sidecar). */
  readonly tls: ServerTlsIR | null;
  /** Null when no policy applies (outbound listeners). */
  readonly authorization: AuthorizationIR | null;
  readonly rateLimit: RateLimitIR | null;
  readonly origin: Origin;
}

export interface HttpListenerIR extends ListenerBase {
  readonly kind: "http";
  /** http2 and grpc listeners speak HTTP/2 downstream. */
  readonly protocol: "http" | "http2" | "grpc";
  readonly jwt: JwtIR | null;
  /** Sorted by name; a request picks one by its Host/authority. */
  readonly virtualHosts: readonly VirtualHostIR[];
}

export interface TcpListenerIR extends ListenerBase {
  readonly kind: "tcp";
  /** Weighted; a single entry for a plain forward. */
  readonly backends: readonly WeightedClusterIR[];
  readonly idleTimeoutMs: number | null;
  readonly connectTimeoutMs: number | null;
}

export interface ServerTlsIR {
  /** strict: client certificate required; permissive: TLS and plain text both accepted, client cert optional. */
  readonly mode: "strict" | "permissive" | "server-only";
  readonly minVersion: TlsVersion;
  /** OpenSSL names, in preference order (TLS 1.2; TLS 1.3 suites are fixed by OpenSSL). */
  readonly ciphers: readonly string[];
  /** One entry per certificate; gateways may serve one per hostname (SNI). Sorted by name. */
  readonly certificates: readonly ServerCertificateIR[];
  /** CA verifying client certificates; null when client certificates are not requested. */
  readonly clientCaFile: string | null;
}

export interface ServerCertificateIR {
  readonly name: string;
  /** SNI names this certificate serves; empty = the default certificate. */
  readonly serverNames: readonly string[];
  readonly certFile: string;
  readonly keyFile: string;
}

export interface VirtualHostIR {
  readonly name: string;
  /** Host header values this virtual host answers to, sorted; `*` matches any. */
  readonly domains: readonly string[];
  /** In match order: the first matching route wins. Order is the user's, never sorted. */
  readonly routes: readonly RouteIR[];
}

export interface RouteIR {
  /** Unique within the proxy. */
  readonly name: string;
  readonly origin: Origin;
  readonly match: RouteMatchIR;
  readonly action: RouteActionIR;
  readonly requestHeaders: HeaderMutationIR;
  readonly responseHeaders: HeaderMutationIR;
}

export interface RouteMatchIR {
  /** Null matches every path. */
  readonly path: PathMatchIR | null;
  /** Sorted; empty matches every method. */
  readonly methods: readonly HttpMethod[];
  /** Sorted by name; all must match. */
  readonly headers: readonly StringMatchIR[];
  /** Sorted by name; all must match. */
  readonly query: readonly StringMatchIR[];
  /**
   * Gateway routes: Host names (sorted; `*.example.com` = one or more labels before
   * example.com), compared without port and case, as Gateway API's hostnames. Absent or
   * empty: any host the listener serves.
   */
  readonly hostnames?: readonly string[];
}

/**
 * exact: whole path; prefix: whole path elements (Gateway API PathPrefix: `/v2` matches
 * `/v2` and `/v2/x`, not `/v2example`; a trailing `/` is ignored); string-prefix: plain
 * string prefix; regex: RE2, matched against the whole path (no query).
 */
export interface PathMatchIR {
  readonly kind: "exact" | "prefix" | "string-prefix" | "regex";
  readonly value: string;
}

export interface StringMatchIR {
  /** Header names are lowercase; query parameter names as written. */
  readonly name: string;
  /** present: the header or parameter exists with any value; regex matches the whole value (RE2). */
  readonly kind: "exact" | "prefix" | "regex" | "present";
  readonly value: string;
  readonly invert: boolean;
}

export type RouteActionIR = ForwardActionIR | RedirectActionIR | DirectResponseActionIR;

export interface ForwardActionIR {
  readonly kind: "forward";
  /** Weights are integers that sum to 100, in the user's order. */
  readonly backends: readonly WeightedClusterIR[];
  readonly rewrite: RewriteIR | null;
  /** Whole-request deadline including retries; null = no timeout. */
  readonly timeoutMs: number | null;
  readonly retries: RetryPolicyIR | null;
  readonly mirror: MirrorIR | null;
  readonly fault: FaultIR | null;
}

export interface WeightedClusterIR {
  readonly cluster: string;
  readonly weight: number;
}

export interface RewriteIR {
  /**
   * Replace the matched path prefix (requires a prefix or string-prefix match) with this:
   * after `prefix`, Gateway API ReplacePrefixMatch (see ir/path-prefix.ts); after
   * `string-prefix`, a plain string replacement.
   */
  readonly prefix: string | null;
  /** Replace the whole path (the query is kept). */
  readonly path?: string | null;
  /** RE2 pattern and substitution applied to the path (`\1`-style groups). */
  readonly regex: { readonly pattern: string; readonly substitution: string } | null;
  readonly host: string | null;
}

export type RetryCondition =
  | "5xx" | "gateway-error" | "reset" | "connect-failure" | "retriable-4xx" | "refused-stream"
  | "cancelled" | "deadline-exceeded" | "internal" | "resource-exhausted" | "unavailable";

export interface RetryPolicyIR {
  /** Retries after the first attempt (a request is tried at most `retries + 1` times). */
  readonly retries: number;
  /** Deadline for each attempt; null = bounded only by the route timeout. */
  readonly perTryTimeoutMs: number | null;
  /** Sorted. gRPC conditions (cancelled, deadline-exceeded, internal, resource-exhausted, unavailable) read grpc-status. */
  readonly on: readonly RetryCondition[];
  /** Extra HTTP status codes that trigger a retry, sorted. */
  readonly statusCodes: readonly number[];
  /** When true, only idempotent methods (GET, HEAD, OPTIONS, PUT, DELETE, TRACE) are retried. */
  readonly idempotentOnly: boolean;
}

export interface MirrorIR {
  readonly cluster: string;
  /** 0 < percent <= 100 */
  readonly percent: number;
}

export interface FaultIR {
  readonly delay: { readonly durationMs: number; readonly percent: number } | null;
  readonly abort: { readonly status: number; readonly percent: number } | null;
}

export interface RedirectActionIR {
  readonly kind: "redirect";
  readonly scheme: "http" | "https" | null;
  readonly host: string | null;
  /**
   * The port written in the Location; null writes none. Gateways resolve Gateway API's
   * rules at build time: no port and no scheme keeps the listener's port, a new scheme
   * means its default port, and a port that is the scheme's default is not written.
   */
  readonly port: number | null;
  /** Replaces the whole path; null keeps it. */
  readonly path: string | null;
  /** Replaces the matched prefix (as RewriteIR.prefix); null when `path` or nothing is replaced. */
  readonly prefix?: string | null;
  readonly status: 301 | 302 | 303 | 307 | 308;
}

export interface DirectResponseActionIR {
  readonly kind: "direct";
  readonly status: number;
  /** Plain text body; null for none. */
  readonly body: string | null;
}

export interface HeaderMutationIR {
  /** Replace any existing value. Sorted by name. */
  readonly set: readonly HeaderValueIR[];
  /** Append a value. Sorted by name. */
  readonly add: readonly HeaderValueIR[];
  /** Lowercase names, sorted. */
  readonly remove: readonly string[];
}

export interface HeaderValueIR {
  /** Lowercase. */
  readonly name: string;
  /** Literal text: emitters escape it for their dialect (Envoy `%`, HAProxy `%`/`"`, nginx `"`). */
  readonly value: string;
}

// --- clusters --------------------------------------------------------------------

export interface ClusterIR {
  /** Unique within the proxy: `<service>`, `<service>-<subset>`, `local-<port>`, `egress-<name>`. */
  readonly name: string;
  readonly kind: "mesh" | "local" | "egress";
  /** The service, or egress, this cluster reaches ("" for local). */
  readonly service: string;
  readonly subset: string | null;
  readonly protocol: Protocol;
  /** static: IP addresses; dns: hostnames resolved at run time. */
  readonly discovery: "static" | "dns";
  /** Sorted by address then port. */
  readonly endpoints: readonly EndpointIR[];
  readonly connectTimeoutMs: number;
  readonly loadBalancing: LoadBalancingIR;
  readonly connectionLimits: ConnectionLimitsIR | null;
  readonly outlierDetection: OutlierDetectionIR | null;
  readonly healthCheck: HealthCheckIR | null;
  readonly tls: UpstreamTlsIR | null;
  readonly origin: Origin;
}

export interface EndpointIR {
  readonly address: string;
  readonly port: number;
}

export type LoadBalancingIR =
  | { readonly policy: "round-robin" | "least-request" | "random" }
  | { readonly policy: "hash"; readonly hashOn: HashKeyIR };

export type HashKeyIR =
  | { readonly kind: "header"; readonly name: string }
  | { readonly kind: "cookie"; readonly name: string; readonly ttlMs: number | null }
  | { readonly kind: "source-ip" };

export interface ConnectionLimitsIR {
  readonly maxConnections: number | null;
  readonly maxPendingRequests: number | null;
  readonly maxRequests: number | null;
  readonly maxRetries: number | null;
}

export interface OutlierDetectionIR {
  readonly consecutive5xx: number;
  readonly intervalMs: number;
  readonly baseEjectionMs: number;
  readonly maxEjectionPercent: number;
}

export interface HealthCheckIR {
  /** HTTP path probed; null = TCP connect check. */
  readonly path: string | null;
  readonly intervalMs: number;
  readonly timeoutMs: number;
  readonly healthyThreshold: number;
  readonly unhealthyThreshold: number;
}

export interface UpstreamTlsIR {
  /** mesh: mTLS with the proxy's identity, verifying the peer's SPIFFE ID; origination: plain TLS to an external host. */
  readonly mode: "mesh" | "origination";
  readonly sni: string | null;
  readonly minVersion: TlsVersion;
  readonly ciphers: readonly string[];
  /** The proxy's own certificate (mesh mode); null in origination mode. */
  readonly certFile: string | null;
  readonly keyFile: string | null;
  /** CA for the peer; null = the system trust store (origination). */
  readonly caFile: string | null;
  /** Accepted peer SPIFFE IDs (mesh mode), sorted. */
  readonly peerSpiffeIds: readonly string[];
  /** Accepted peer subjects (mesh mode), for targets that verify the subject instead. */
  readonly peerSubjects: readonly SubjectIR[];
}

// --- inbound policy ------------------------------------------------------------------

export interface AuthorizationIR {
  /** Decided when no rule matches. */
  readonly defaultAction: "allow" | "deny";
  /** Deny rules first, then allow rules, each group in the user's order. A matching deny wins over any allow. */
  readonly rules: readonly AuthzRuleIR[];
}

export interface AuthzRuleIR {
  readonly name: string;
  readonly origin: Origin;
  readonly action: "allow" | "deny";
  /** Source identities, sorted by name; null = any peer (including one without a certificate). */
  readonly principals: readonly PrincipalIR[] | null;
  /** Sorted; empty = any method. */
  readonly methods: readonly HttpMethod[];
  /** Empty = any path. */
  readonly paths: readonly PathMatchIR[];
  /** All must match. Sorted by name. */
  readonly headers: readonly StringMatchIR[];
}

export interface PrincipalIR {
  /** Identity name (the service or gateway). */
  readonly name: string;
  readonly spiffeId: string;
  readonly subject: SubjectIR;
}

export interface RateLimitIR {
  /** Tokens per window, refilled evenly: `requests` per `windowMs`. */
  readonly requests: number;
  readonly windowMs: number;
  /** Extra requests allowed in a burst above the steady rate. */
  readonly burst: number;
  readonly origin: Origin;
}

export interface JwtIR {
  readonly provider: string;
  readonly issuer: string;
  readonly audiences: readonly string[];
  /** Exactly one of the two is set. */
  readonly jwksUri: string | null;
  /** Path of a local JWKS/PEM file under the cert dir. */
  readonly jwksFile: string | null;
  /** Requests without a token are rejected when true; tokens that fail verification always are. */
  readonly required: boolean;
  readonly origin: Origin;
}

export interface ObservabilityIR {
  /** JSON access log to stdout (or `runtime.logDir` where a target cannot). */
  readonly accessLog: { readonly fields: readonly AccessLogField[] } | null;
  /** Port of a local metrics endpoint on 127.0.0.1, or null. */
  readonly metricsPort: number | null;
  /** Generate an x-request-id when missing and pass it upstream. */
  readonly requestId: boolean;
}

export type AccessLogField =
  | "start_time" | "method" | "path" | "protocol" | "status" | "duration_ms"
  | "bytes_received" | "bytes_sent" | "upstream" | "upstream_status" | "request_id" | "user_agent" | "authority";

// ---------------------------------------------------------------------------------
// Infra IR
// ---------------------------------------------------------------------------------

export interface InfraIR {
  readonly namespace: string;
  readonly ca: CaIR;
  /** Sorted by name. */
  readonly identities: readonly IdentityIR[];
  /** Sorted by name. */
  readonly workloads: readonly WorkloadIR[];
  /** Sorted by name. */
  readonly gateways: readonly GatewayInfraIR[];
  /** L3/L4 reachability derived from authorization: which workloads may reach which ports. Sorted by target. */
  readonly networkPolicies: readonly NetworkPolicyIR[];
  /** Deny all ingress to mesh workloads unless a policy allows it. */
  readonly defaultDeny: boolean;
  /**
   * Deployment settings from the config's `kubernetes`; a null field (or, in hand-built IR,
   * no object) = the Kubernetes target's default. Normalization always sets it.
   */
  readonly kubernetes?: KubernetesSettingsIR;
}

export interface KubernetesSettingsIR {
  readonly images: { readonly envoy: string | null; readonly nginx: string | null; readonly haproxy: string | null; readonly init: string | null };
  readonly imagePullPolicy: "Always" | "IfNotPresent" | "Never" | null;
  readonly resources: { readonly proxy: ResourcesIR | null; readonly init: ResourcesIR | null };
  readonly gatewayClassName: string | null;
  /** False: the user's manifests hold the Namespace; meshc does not emit it. */
  readonly emitNamespace: boolean;
}

/** Kubernetes quantities as written (`100m`, `64Mi`), sorted keys. */
export interface ResourcesIR {
  readonly requests: Readonly<Record<string, string>>;
  readonly limits: Readonly<Record<string, string>>;
}

export interface CaIR {
  readonly name: string;
  readonly commonName: string;
  readonly lifetimeMs: number;
  readonly keyAlgorithm: KeyAlgorithm;
  readonly caFile: string;
}

export type KeyAlgorithm = "ecdsa-p256" | "ecdsa-p384" | "rsa-2048" | "rsa-4096";

export interface IdentityIR {
  readonly name: string;
  readonly kind: "service" | "gateway";
  readonly namespace: string;
  readonly serviceAccount: string;
  readonly spiffeId: string;
  readonly dnsNames: readonly string[];
  readonly subject: SubjectIR;
  readonly keyAlgorithm: KeyAlgorithm;
  readonly lifetimeMs: number;
  readonly renewBeforeMs: number;
  /** Kubernetes Secret holding the key pair (cert-manager writes it). */
  readonly secretName: string;
  readonly certFile: string;
  readonly keyFile: string;
  readonly caFile: string;
}

export interface WorkloadIR {
  /** The service name. */
  readonly name: string;
  readonly namespace: string;
  readonly serviceAccount: string;
  /** The proxy (ProxyIR.name) that runs as its sidecar. */
  readonly proxy: string;
  /** Sorted by name. */
  readonly ports: readonly WorkloadPortIR[];
  /** Pod labels selecting the workload; `app: <name>` by default. Sorted keys. */
  readonly selector: Readonly<Record<string, string>>;
  /** Sorted by name. `staticEndpoints`: the version's own addresses outside Kubernetes, present only when it has some. */
  readonly versions: readonly { readonly name: string; readonly labels: Readonly<Record<string, string>>; readonly staticEndpoints?: readonly EndpointIR[] }[];
  /** Static endpoints outside Kubernetes (VMs): the service's IP addresses and every version's, each once; empty for pods. */
  readonly staticEndpoints: readonly EndpointIR[];
  /** Endpoints outside Kubernetes known by DNS name (address: the name); present only when the service has some. */
  readonly dnsEndpoints?: readonly EndpointIR[];
  /** Which of its objects meshc emits; false = the user's own manifests hold it (adopted). */
  readonly emit: { readonly serviceAccount: boolean; readonly service: boolean };
  /** Labels of the Deployments/StatefulSets/DaemonSets that get this workload's sidecar. Sorted keys. */
  readonly workloadLabels: Readonly<Record<string, string>>;
  /** Transparent traffic capture rules for the workload's network namespace; null without capture. */
  readonly capture: CaptureIR | null;
  /** The team or handle owning the service (config `owner`), for reviewers; absent when none is named (so IR written before it stays valid). */
  readonly owner?: string;
}

/**
 * iptables redirects, as istio-init / linkerd proxy-init program them: TCP to an inbound
 * `port` (from outside the pod) goes to the sidecar's `listenerPort`; TCP the app (any uid but
 * `proxyUid`) opens to a non-loopback address on an outbound `port` goes to 127.0.0.1:`listenerPort`.
 */
export interface CaptureIR {
  readonly proxyUid: number;
  /** Sorted by port. */
  readonly inbound: readonly CapturePortIR[];
  /** Sorted by port. */
  readonly outbound: readonly CapturePortIR[];
}

export interface CapturePortIR {
  readonly port: number;
  readonly listenerPort: number;
}

export interface WorkloadPortIR {
  readonly name: string;
  /** The mesh-facing port (the Service port): the sidecar's inbound listener, or with capture the port redirected to it. */
  readonly port: number;
  /** The application's own port inside the workload. */
  readonly targetPort: number;
  readonly protocol: Protocol;
}

export interface GatewayInfraIR {
  readonly name: string;
  readonly proxy: string;
  readonly port: number;
  readonly protocol: "http" | "https";
  /** Sorted. */
  readonly hosts: readonly string[];
  /** Kubernetes Secret with the TLS certificate for `hosts`; null when plain HTTP. */
  readonly tlsSecretName: string | null;
  /** In match order. */
  readonly routes: readonly GatewayRouteIR[];
}

export interface GatewayRouteIR {
  readonly name: string;
  readonly origin: Origin;
  readonly match: RouteMatchIR;
  /** Service/port/weight triples; weights sum to 100. */
  readonly backends: readonly { readonly service: string; readonly subset: string | null; readonly port: number; readonly weight: number }[];
  readonly timeoutMs: number | null;
  readonly rewritePrefix: string | null;
  /** Full-path and host rewrites (absent on IR built before they existed: none). */
  readonly rewritePath?: string | null;
  readonly rewriteHost?: string | null;
  /** A regex rewrite, which Gateway API cannot express (reported). */
  readonly rewriteRegex?: boolean;
  /** The route answers with a redirect (backends empty) or directly (`direct`). */
  readonly redirect?: RedirectActionIR | null;
  readonly direct?: boolean;
  readonly requestHeaders: HeaderMutationIR;
}

export interface NetworkPolicyIR {
  /** The workload receiving traffic. */
  readonly target: string;
  /** Workloads (service names or `gateway-<name>` proxies) allowed in; null = any source. Sorted. */
  readonly from: readonly string[] | null;
  /** Ports (mesh-facing) they may reach, sorted. */
  readonly ports: readonly number[];
}
