// The input model: what a user writes in mesh.config.ts (or mesh.yaml/json/toml).
// References between parts of the mesh are typed: the generic parameters capture the
// service, version, port, gateway and provider names the user declared, and every place
// that names one accepts only those (NoInfer keeps a typo from widening the name set).
// schemas/mesh.schema.json describes the same model for data files; test/schema/ proves
// the two accept and reject the same inputs.

export type DurationUnit = "h" | "m" | "s" | "ms";
/** `500ms`, `2s`, `1m30s`. Validated at run time too: template types accept `1.5 s`. */
export type Duration =
  | `${number}${DurationUnit}`
  | `${number}${DurationUnit}${number}${DurationUnit}`
  | `${number}${DurationUnit}${number}${DurationUnit}${number}${DurationUnit}`;

export type Protocol = "http" | "http2" | "grpc" | "tcp";
export type HttpMethod = "GET" | "HEAD" | "POST" | "PUT" | "PATCH" | "DELETE" | "OPTIONS" | "CONNECT" | "TRACE";
export type TlsVersion = "1.2" | "1.3";
/** The TLS 1.2 suites of Mozilla's intermediate configuration (OpenSSL names): the only ones accepted. */
export type MozillaIntermediateCipher =
  | "ECDHE-ECDSA-AES128-GCM-SHA256" | "ECDHE-RSA-AES128-GCM-SHA256" | "ECDHE-ECDSA-AES256-GCM-SHA384"
  | "ECDHE-RSA-AES256-GCM-SHA384" | "ECDHE-ECDSA-CHACHA20-POLY1305" | "ECDHE-RSA-CHACHA20-POLY1305"
  | "DHE-RSA-AES128-GCM-SHA256" | "DHE-RSA-AES256-GCM-SHA384" | "DHE-RSA-CHACHA20-POLY1305";
export type MtlsMode = "strict" | "permissive";
export type RetryCondition =
  | "5xx" | "gateway-error" | "reset" | "connect-failure" | "retriable-4xx" | "refused-stream"
  | "cancelled" | "deadline-exceeded" | "internal" | "resource-exhausted" | "unavailable";
export type KeyAlgorithm = "ecdsa-p256" | "ecdsa-p384" | "rsa-2048" | "rsa-4096";
export type TargetName = "envoy" | "nginx" | "haproxy" | "kubernetes" | "certs";

export interface PortSpec {
  /** The mesh-facing port: the sidecar listens here and clients connect here. */
  port: number;
  protocol: Protocol;
  /** Where the application listens inside its workload. Default: `port + 10000`. */
  targetPort?: number;
}

export interface VersionSpec {
  /** Static `ip` or `ip:port` / `host:port` addresses of this version's instances. */
  endpoints?: string[];
  /** Pod labels selecting this version on Kubernetes. Default: `{ version: <name> }`. */
  labels?: Record<string, string>;
}

export type LoadBalancing =
  | "round-robin" | "least-request" | "random"
  | { hash: { header: string } | { cookie: string; ttl?: Duration } | { sourceIp: true } };

export interface ConnectionLimits {
  maxConnections?: number;
  maxPendingRequests?: number;
  maxRequests?: number;
  maxRetries?: number;
}

export interface OutlierDetection {
  consecutive5xx: number;
  /** How often ejections are evaluated. Default 10s. */
  interval?: Duration;
  /** Base ejection time. */
  ejectFor: Duration;
  /** Default 50. */
  maxEjectedPercent?: number;
}

export interface HealthCheck {
  /** HTTP path probed; omit for a TCP connect check. */
  path?: string;
  interval: Duration;
  timeout: Duration;
  healthyThreshold?: number;
  unhealthyThreshold?: number;
}

export interface RateLimit {
  requests: number;
  per: Duration;
  /** Requests allowed above the steady rate in a burst. Default 0. */
  burst?: number;
}

export interface Service<V extends string, P extends string, J extends string> extends ServicePolicies {
  ports: Record<P, PortSpec>;
  versions?: Record<V, VersionSpec>;
  /** Require a JWT from this provider on inbound requests. */
  jwt?: { provider: NoInfer<J>; required?: boolean };
}

/**
 * A service's fields besides its ports, versions and JWT provider: shared by `defineMesh`'s
 * services and `service()` (an interface, not an Omit<>, so `service()` infers its names cheaply).
 */
export interface ServicePolicies {
  /** Static addresses (VMs): `10.0.1.10` (the service port) or `10.0.1.10:8080`, or DNS names. */
  endpoints?: string[];
  /** Pod labels selecting the workload on Kubernetes. Default: `{ app: <service> }`. */
  selector?: Record<string, string>;
  /** Service account = mTLS identity. Default: the service name. */
  identity?: string;
  loadBalancing?: LoadBalancing;
  connectionLimits?: ConnectionLimits;
  outlierDetection?: OutlierDetection;
  healthCheck?: HealthCheck;
  rateLimit?: RateLimit;
  /** Overrides the mesh default for this service's inbound side. */
  mtls?: MtlsMode;
  /** Overrides the mesh default for requests no rule decides. */
  authorization?: "allow" | "deny";
  /** How the service meets the user's own Kubernetes manifests (adoption, injection). */
  kubernetes?: ServiceKubernetes;
  /** The team or person who owns the service ("payments-team", "@acme/payments"); `meshc diff` names the owners a change touches. */
  owner?: string;
}

/** Per-service Kubernetes settings: what the user's manifests already hold, and which workloads get the sidecar. */
export interface ServiceKubernetes {
  /**
   * An existing ServiceAccount the workload runs as: meshc adopts it (does not emit it), and
   * the mTLS identity (SPIFFE ID `.../sa/<serviceAccount>`, certificate, Secret) follows it.
   * Do not combine with a different `identity`.
   */
  serviceAccount?: string;
  /** Emit the Service `<service>`. Default true; `false` when the app's manifests already have it. */
  emitService?: boolean;
  /**
   * Labels of the Deployments, StatefulSets and DaemonSets (the objects' own labels) the sidecar
   * is injected into: every one carrying all of them, whatever its name (one per version, say).
   * Default: the service's `selector`.
   */
  workloadLabels?: Record<string, string>;
}

/**
 * `prefix` matches whole path elements, as Gateway API's PathPrefix: `/v2` matches `/v2`
 * and `/v2/x`, not `/v2example`; a trailing `/` is ignored. `stringPrefix` is a plain
 * string prefix (`/v2` also matches `/v2example`), for the rare case that needs it.
 */
export type PathMatch = { exact: string } | { prefix: string } | { stringPrefix: string } | { regex: string };
export type StringMatch = string | { exact: string } | { prefix: string } | { regex: string } | { present: true } | { notExact: string };

export interface HttpMatch {
  path?: PathMatch;
  methods?: HttpMethod[];
  headers?: Record<string, StringMatch>;
  query?: Record<string, StringMatch>;
}

export interface Retries {
  /** Retries after the first attempt. */
  attempts: number;
  perTryTimeout?: Duration;
  on?: (RetryCondition | number)[];
  /** Retry only idempotent methods. Default true: a POST is never retried unless you say so. */
  idempotentOnly?: boolean;
}

export interface HeaderChanges {
  set?: Record<string, string>;
  add?: Record<string, string>;
  remove?: string[];
}

export interface Fault {
  delay?: { fixed: Duration; percent: number };
  abort?: { status: number; percent: number };
}

type ServiceNames<S> = Extract<keyof S, string>;
/** Every version name any service declares. */
type AllVersions<S> = { [K in keyof S]: S[K] extends { versions: infer V } ? Extract<keyof V, string> : never }[keyof S];
/** Every port name any service declares. */
type AllPorts<S> = { [K in keyof S]: S[K] extends { ports: infer P } ? Extract<keyof P, string> : never }[keyof S];
/** Weights by version; `never` when no service declares versions (an empty record would accept any key). */
type Split<S> = [AllVersions<S>] extends [never] ? never : { [V in NoInfer<AllVersions<S>>]?: number };

// Why not a union with one member per destination (so `split` keys are exactly the `to`
// service's versions)? Measured: at 1,000 services tsc gives up ("union type that is too
// complex", after 40 s). Names are therefore checked against the mesh-wide sets here, and
// per destination by the compiler's own check (MESH2002/MESH2003), which every config gets.

/** One backend of a weighted split across services. */
export interface Backend<S> { service: NoInfer<ServiceNames<S>>; version?: NoInfer<AllVersions<S>>; weight: number }

export interface Route<S, G extends string> {
  /** Unique, DNS-label name; used in diagnostics, diffs and generated names. Default `<from>-<to>-<index>`. */
  name?: string;
  /** Calling services (or gateways). */
  from: NoInfer<ServiceNames<S>> | NoInfer<ServiceNames<S>>[] | { gateway: NoInfer<G> };
  to: NoInfer<ServiceNames<S>>;
  /** A port name of `to`; required when it has several. */
  port?: NoInfer<AllPorts<S>>;
  /** HTTP: the whole request's deadline, retries included (default: defaults.timeout). TCP: the idle timeout of a connection (default: none). */
  timeout?: Duration;
  match?: HttpMatch;
  /** Weights by version of `to`. */
  split?: Split<S>;
  /** Weighted split across services (instead of `split`). */
  backends?: Backend<S>[];
  /**
   * `prefix` replaces the matched prefix (Gateway API ReplacePrefixMatch: `/strip` with "/"
   * turns `/strip/three` into `/three`); `path` replaces the whole path; `regex` by pattern.
   */
  rewrite?: { prefix?: string; path?: string; regex?: { pattern: string; substitution: string }; host?: string };
  /**
   * Omitted parts keep the request's. `prefix` replaces the matched prefix, `path` the whole
   * path. Without `port`: a new `scheme` means its default port; otherwise a gateway keeps
   * its listener's port (Gateway API's rules).
   */
  redirect?: { scheme?: "http" | "https"; host?: string; port?: number; path?: string; prefix?: string; status?: 301 | 302 | 303 | 307 | 308 };
  /** Gateway routes only: Host names this route answers (`*.example.com` allowed), matched as Gateway API does. */
  hostnames?: string[];
  directResponse?: { status: number; body?: string };
  requestHeaders?: HeaderChanges;
  responseHeaders?: HeaderChanges;
  mirror?: { to: NoInfer<ServiceNames<S>>; percent?: number };
  retries?: Retries | false;
  fault?: Fault;
}

export interface AuthorizationMatch<S> {
  /** Source services (identities); `"*"` = any peer. */
  from: NoInfer<ServiceNames<S>>[] | "*";
  to: NoInfer<ServiceNames<S>>;
  methods?: HttpMethod[];
  /** Exact paths, or prefixes ending in `*` (`/api/*`). */
  paths?: string[];
  headers?: Record<string, StringMatch>;
}

export type AuthorizationRule<S> =
  | { name?: string; allow: AuthorizationMatch<S> }
  | { name?: string; deny: AuthorizationMatch<S> };

export interface JwtProvider {
  issuer: string;
  audiences?: string[];
  /** Remote JWKS (Envoy fetches it) ... */
  jwksUri?: string;
  /** ... or a local JWKS/PEM file name under the certificate directory. */
  jwksFile?: string;
}

export interface GatewayRoute<S> {
  name?: string;
  match?: HttpMatch;
  to: NoInfer<ServiceNames<S>>;
  split?: Split<S>;
  timeout?: Duration;
  rewrite?: { prefix?: string };
  requestHeaders?: HeaderChanges;
  /** Host names this route answers (`*.example.com` allowed); they must be served by the gateway's `hosts`. */
  hostnames?: string[];
}

export interface Gateway<S> {
  port: number;
  hosts: string[];
  /** Serve TLS with a certificate per host (the certificate manifest names the files). Default true. */
  tls?: boolean;
  routes: GatewayRoute<S>[];
  rateLimit?: RateLimit;
}

export interface Egress<S> {
  /** External host name (or IP). */
  host: string;
  port: number;
  /** Originate TLS to the external host. Default true when port is 443. */
  tls?: boolean;
  /** Static addresses to use instead of resolving `host`. */
  addresses?: string[];
  /** Services allowed to call it. */
  from: NoInfer<ServiceNames<S>>[];
  timeout?: Duration;
}

export interface Defaults {
  mtls?: MtlsMode;
  authorization?: "allow" | "deny";
  timeout?: Duration;
  retries?: Retries | false;
  connectTimeout?: Duration;
  tls?: { minVersion?: TlsVersion; ciphers?: MozillaIntermediateCipher[] };
  certificates?: { keyAlgorithm?: KeyAlgorithm; lifetime?: Duration; renewBefore?: Duration };
  /** Port of every sidecar's outbound HTTP listener on 127.0.0.1. Default 15001. */
  outboundPort?: number;
  /** Port of every proxy's admin endpoint on 127.0.0.1. Default 15000. */
  adminPort?: number;
  /**
   * Transparent traffic capture (as istio-init / linkerd proxy-init): iptables rules redirect
   * inbound connections to the app's port into the sidecar, and the app's outbound connections
   * to mesh ports into the sidecar's outbound listeners, so an unmodified app keeps its port and
   * its plain `http://<service>:<port>` calls. `true` for the defaults. Default false: the app
   * listens on `targetPort` behind the sidecar and calls `127.0.0.1:<outboundPort>`.
   */
  capture?: boolean | Capture;
}

export interface Capture {
  /** The uid the sidecar runs as; its own connections are never redirected. Default 1337. */
  proxyUid?: number;
  /** First port of the sidecar's inbound capture listeners (one per service port, in port-name order). Default 15006. */
  inboundPort?: number;
}

export type ImagePullPolicy = "Always" | "IfNotPresent" | "Never";
export interface ResourceAmounts { cpu?: string; memory?: string }
export interface ContainerResources { requests?: ResourceAmounts; limits?: ResourceAmounts }

/** Mesh-wide Kubernetes settings (the bundle's `kubernetes/` folder). */
export interface MeshKubernetes {
  /** Container images; the defaults match the proxy versions the configs are checked against. */
  images?: { envoy?: string; nginx?: string; haproxy?: string; init?: string };
  /** imagePullPolicy of the sidecar and init containers. Default: Kubernetes' own (unset). */
  imagePullPolicy?: ImagePullPolicy;
  resources?: { proxy?: ContainerResources; init?: ContainerResources };
  /** GatewayClass of the emitted Gateways: your Gateway API implementation's. Default `meshc`. */
  gatewayClassName?: string;
  /** Emit the Namespace object. Default true; false when your manifests (or your cluster) already have it. */
  emitNamespace?: boolean;
}

export interface Observability {
  accessLog?: boolean;
  /** Metrics endpoint on 127.0.0.1; default 15090, false to disable. */
  metricsPort?: number | false;
  /** Generate and forward x-request-id. Default true. */
  requestId?: boolean;
}

export interface MeshConfig<
  S extends Record<string, Service<string, string, string>> = Record<string, Service<string, string, string>>,
  GW extends Record<string, Gateway<S>> = Record<string, Gateway<S>>,
  J extends string = string,
> {
  name: string;
  trustDomain: string;
  namespace: string;
  /** Targets compiled by default (`--target` overrides). Default: all. */
  targets?: TargetName[];
  defaults?: Defaults;
  /** The root's own services; a mesh composed of `modules` may declare none here. */
  services?: S;
  /** Team modules (`defineModule`), merged into this mesh: each holds the part one team owns. */
  modules?: readonly MeshModule[];
  // NoInfer: the lists are checked against the names, never a source of inference (which
  // would also make tsc type thousands of literals in const context).
  routes?: NoInfer<Route<S, Extract<keyof GW, string>>[]>;
  authorization?: NoInfer<AuthorizationRule<S>[]>;
  jwtProviders?: Record<J, JwtProvider>;
  gateways?: GW;
  egress?: Record<string, Egress<S>>;
  observability?: Observability;
  kubernetes?: MeshKubernetes;
}

type AnyServices = Record<string, Service<string, string, string>>;
/** Any name, any version, any port: what a module's plain-data references are checked against. */
type AnyNames = Record<string, { ports: Record<string, PortSpec>; versions: Record<string, VersionSpec> }>;

/**
 * A team module as data: what `defineModule` returns, and what a data file's `modules`
 * holds. References are plain names here; `defineModule`'s handles type them per service.
 */
export interface MeshModule {
  /** The module's name, used in diagnostics. */
  name?: string;
  /** The owning team: the default `owner` of the module's services. */
  owner?: string;
  services?: AnyServices;
  routes?: Route<AnyNames, string>[];
  authorization?: AuthorizationRule<AnyNames>[];
  gateways?: Record<string, Gateway<AnyNames>>;
  egress?: Record<string, Egress<AnyNames>>;
  jwtProviders?: Record<string, JwtProvider>;
}
