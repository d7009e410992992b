// The normalized model: the user's mesh with every default applied, every duration in
// milliseconds, every reference resolved to the declared name (or left out: the checks
// report unknown references), collections sorted by name. Routes and authorization
// rules keep the user's order, which decides matching.
import type {
  HashKeyIR, HttpMethod, KeyAlgorithm, PathMatchIR, Protocol, RetryCondition, StringMatchIR, TlsVersion,
} from "../ir/types.ts";

export interface NMesh {
  readonly name: string;
  readonly trustDomain: string;
  readonly namespace: string;
  readonly targets: readonly string[] | null;
  readonly defaults: NDefaults;
  readonly services: readonly NService[];
  readonly routes: readonly NRoute[];
  readonly authorization: readonly NRule[];
  readonly jwtProviders: readonly NJwtProvider[];
  readonly gateways: readonly NGateway[];
  readonly egress: readonly NEgress[];
  readonly observability: { readonly accessLog: boolean; readonly metricsPort: number | null; readonly requestId: boolean };
  readonly kubernetes: NKubernetes;
}

/** Mesh-wide Kubernetes settings as written; null = the Kubernetes target's default. */
export interface NKubernetes {
  readonly images: { readonly envoy: string | null; readonly nginx: string | null; readonly haproxy: string | null; readonly init: string | null };
  readonly imagePullPolicy: "Always" | "IfNotPresent" | "Never" | null;
  readonly resources: { readonly proxy: NResources | null; readonly init: NResources | null };
  readonly gatewayClassName: string | null;
  readonly emitNamespace: boolean;
}

export interface NResources {
  readonly requests: Readonly<Record<string, string>>;
  readonly limits: Readonly<Record<string, string>>;
}

export interface NCapture {
  readonly proxyUid: number;
  readonly inboundPort: number;
}

export interface NDefaults {
  readonly mtls: "strict" | "permissive";
  readonly authorization: "allow" | "deny";
  readonly timeoutMs: number | null;
  readonly retries: NRetries | null;
  readonly connectTimeoutMs: number;
  readonly tls: { readonly minVersion: TlsVersion; readonly ciphers: readonly string[] };
  readonly certificates: { readonly keyAlgorithm: KeyAlgorithm; readonly lifetimeMs: number; readonly renewBeforeMs: number };
  readonly outboundPort: number;
  readonly adminPort: number;
  /** Transparent traffic capture; null = the app listens on targetPort and calls the outbound listener. */
  readonly capture: NCapture | null;
}

export interface NRetries {
  readonly retries: number;
  readonly perTryTimeoutMs: number | null;
  /** null = the protocol's default conditions. */
  readonly on: readonly RetryCondition[] | null;
  readonly statusCodes: readonly number[];
  readonly idempotentOnly: boolean;
}

export interface NPort {
  readonly name: string;
  readonly port: number;
  readonly targetPort: number;
  readonly protocol: Protocol;
  readonly origin: string;
}

export interface NEndpoint { readonly address: string; readonly port: number | null; readonly kind: "ip" | "dns" }

export interface NService {
  readonly name: string;
  readonly origin: string;
  /** Sorted by name. */
  readonly ports: readonly NPort[];
  readonly endpoints: readonly NEndpoint[];
  readonly selector: Readonly<Record<string, string>>;
  /** Sorted by name. */
  readonly versions: readonly { readonly name: string; readonly endpoints: readonly NEndpoint[]; readonly labels: Readonly<Record<string, string>> }[];
  readonly identity: string;
  /** The team or handle the config names as owner; null when it names none. */
  readonly owner: string | null;
  readonly loadBalancing: { readonly policy: "round-robin" | "least-request" | "random" } | { readonly policy: "hash"; readonly hashOn: HashKeyIR };
  readonly connectionLimits: { readonly maxConnections: number | null; readonly maxPendingRequests: number | null; readonly maxRequests: number | null; readonly maxRetries: number | null } | null;
  readonly outlierDetection: { readonly consecutive5xx: number; readonly intervalMs: number; readonly baseEjectionMs: number; readonly maxEjectionPercent: number } | null;
  readonly healthCheck: { readonly path: string | null; readonly intervalMs: number; readonly timeoutMs: number; readonly healthyThreshold: number; readonly unhealthyThreshold: number } | null;
  readonly rateLimit: { readonly requests: number; readonly windowMs: number; readonly burst: number; readonly origin: string } | null;
  readonly mtls: "strict" | "permissive";
  readonly authorization: "allow" | "deny";
  readonly jwt: { readonly provider: string; readonly required: boolean; readonly origin: string } | null;
  readonly kubernetes: {
    /** `identity` as written (null when absent), to check it against an adopted ServiceAccount. */
    readonly declaredIdentity: string | null;
    /** `targetPort`s as written, by port name, to check them against capture. */
    readonly declaredTargetPorts: Readonly<Record<string, number>>;
    /** The user's existing ServiceAccount (adopted, and the identity), or null when meshc emits it. */
    readonly serviceAccount: string | null;
    readonly emitService: boolean;
    /** Sorted keys. */
    readonly workloadLabels: Readonly<Record<string, string>>;
  };
}

export interface NBackend { readonly service: string; readonly subset: string | null; readonly weight: number }

export interface NHeaderChanges {
  readonly set: readonly { readonly name: string; readonly value: string }[];
  readonly add: readonly { readonly name: string; readonly value: string }[];
  readonly remove: readonly string[];
}

export interface NMatch {
  readonly path: PathMatchIR | null;
  readonly methods: readonly HttpMethod[];
  readonly headers: readonly StringMatchIR[];
  readonly query: readonly StringMatchIR[];
}

export type NAction =
  | { readonly kind: "forward"; readonly backends: readonly NBackend[] }
  | { readonly kind: "redirect"; readonly scheme: "http" | "https" | null; readonly host: string | null; readonly port: number | null; readonly path: string | null; readonly prefix: string | null; readonly status: 301 | 302 | 303 | 307 | 308 }
  | { readonly kind: "direct"; readonly status: number; readonly body: string | null };

export interface NRoute {
  readonly name: string;
  readonly origin: string;
  /** Calling services, or one gateway. */
  readonly sources: readonly { readonly kind: "service" | "gateway"; readonly name: string }[];
  readonly to: string;
  /** The destination port's name (resolved: the route's `port`, or the only port). */
  readonly port: string | null;
  readonly match: NMatch;
  /** Gateway routes: Host names this route answers, sorted; empty = any. */
  readonly hostnames: readonly string[];
  readonly action: NAction;
  readonly rewrite: { readonly prefix: string | null; readonly path: string | null; readonly regex: { readonly pattern: string; readonly substitution: string } | null; readonly host: string | null } | null;
  readonly timeoutMs: number | null;
  /** TCP routes: the route's own `timeout`, as an idle timeout (the mesh's request timeout does not apply to connections). */
  readonly idleTimeoutMs: number | null;
  readonly retries: NRetries | null;
  readonly mirror: { readonly service: string; readonly percent: number } | null;
  readonly fault: { readonly delay: { readonly durationMs: number; readonly percent: number } | null; readonly abort: { readonly status: number; readonly percent: number } | null } | null;
  readonly requestHeaders: NHeaderChanges;
  readonly responseHeaders: NHeaderChanges;
  /** True for routes generated from a gateway's own `routes` list. */
  readonly implicitAuthorization: boolean;
}

export interface NRule {
  readonly name: string;
  readonly origin: string;
  readonly action: "allow" | "deny";
  /** Service or gateway proxy names; null = any peer. */
  readonly from: readonly string[] | null;
  readonly to: string;
  readonly methods: readonly HttpMethod[];
  readonly paths: readonly PathMatchIR[];
  readonly headers: readonly StringMatchIR[];
}

export interface NJwtProvider {
  readonly name: string;
  readonly issuer: string;
  readonly audiences: readonly string[];
  readonly jwksUri: string | null;
  readonly jwksFile: string | null;
}

export interface NGateway {
  readonly name: string;
  readonly origin: string;
  readonly port: number;
  readonly hosts: readonly string[];
  readonly tls: boolean;
  readonly rateLimit: NService["rateLimit"];
}

export interface NEgress {
  readonly name: string;
  readonly origin: string;
  readonly host: string;
  readonly port: number;
  readonly tls: boolean;
  readonly addresses: readonly NEndpoint[];
  readonly from: readonly string[];
  readonly timeoutMs: number | null;
}
