// The parts of the IR that are equal wherever one build uses them (a service's identity and
// subject, its SPIFFE principal, the domains a destination port answers to, a cluster's
// endpoints, the mesh's observability settings): made once per buildIR and shared by
// identity by every proxy that holds them, instead of one copy per caller. At 1,000
// services most of the IR survives to the emit, so each copy was an object the young
// generation's collector moved, twice. Nothing mutates the IR (emitters build their own
// objects), the JSON is the same, and the memo keys digest JSON: sharing changes no byte.
// One instance per build: a later build of another (or a changed) mesh starts empty.
import type { NMesh, NPort, NRetries, NService } from "../normalize/model.ts";
import type { EndpointIR, IdentityRefIR, ObservabilityIR, PrincipalIR, Protocol, RetryPolicyIR, SubjectIR } from "./types.ts";
import { spiffeId, subjectOf } from "./clusters.ts";
import { buildRetries } from "./routes.ts";

const ACCESS_LOG_FIELDS = ["start_time", "method", "path", "protocol", "status", "duration_ms", "bytes_received", "bytes_sent", "upstream", "upstream_status", "request_id", "user_agent", "authority"] as const;

function memo<K, V>(map: Map<K, V> | null, key: K, make: () => V): V {
  if (map === null) return make();
  let value = map.get(key);
  if (value === undefined) map.set(key, (value = make()));
  return value;
}

export interface ResolvedEndpoints { readonly endpoints: EndpointIR[]; readonly discovery: "static" | "dns" }

export class IrParts {
  readonly #subjects: Map<string, SubjectIR> | null;
  readonly #identities: Map<string, IdentityRefIR> | null;
  readonly #principals: Map<string, PrincipalIR> | null;
  readonly #peers: Map<string, { readonly spiffeIds: readonly string[]; readonly subjects: readonly SubjectIR[] }> | null;
  readonly #domains: Map<NPort, Map<string, string[]>> | null;
  readonly #domainsAll: Map<NPort, Map<string, string[]>> | null;
  readonly #endpoints: Map<NPort, Map<string, ResolvedEndpoints>> | null;
  readonly #retries: Map<NRetries, Map<Protocol, RetryPolicyIR | null>> | null;
  readonly #share: boolean;
  #observability: ObservabilityIR | undefined;
  #admin: { readonly address: "127.0.0.1"; readonly port: number } | undefined;

  /** `share` false (the tests) makes every part afresh: the IR must serialize the same either way. */
  constructor(readonly mesh: NMesh, readonly certDir: string, share = true) {
    const map = <K, V>() => (share ? new Map<K, V>() : null);
    this.#share = share;
    this.#subjects = map();
    this.#identities = map();
    this.#principals = map();
    this.#peers = map();
    this.#domains = map();
    this.#domainsAll = map();
    this.#endpoints = map();
    this.#retries = map();
  }

  /** buildRetries once per retry settings (the mesh's defaults serve most routes) and protocol. */
  retries(r: NRetries | null, protocol: Protocol): RetryPolicyIR | null {
    if (r === null) return null;
    const byProtocol = memo(this.#retries, r, () => new Map<Protocol, RetryPolicyIR | null>());
    // A memo lookup that finds null must not build again: `has`, not the value.
    if (byProtocol.has(protocol)) return byProtocol.get(protocol)!;
    const built = buildRetries(r, protocol);
    byProtocol.set(protocol, built);
    return built;
  }

  subject(identity: string): SubjectIR {
    return memo(this.#subjects, identity, () => subjectOf(this.mesh, identity));
  }

  identity(identity: string): IdentityRefIR {
    const certDir = this.certDir;
    return memo(this.#identities, identity, () => ({
      name: identity, spiffeId: spiffeId(this.mesh, identity), subject: this.subject(identity),
      certFile: `${certDir}/${identity}/cert.pem`, keyFile: `${certDir}/${identity}/key.pem`, caFile: `${certDir}/ca.pem`,
    }));
  }

  /** The principal an authorization rule names for an identity. */
  principal(identity: string): PrincipalIR {
    return memo(this.#principals, identity, () => ({ name: identity, spiffeId: spiffeId(this.mesh, identity), subject: this.subject(identity) }));
  }

  /** What a caller's cluster accepts from a service's identity. */
  peer(identity: string): { readonly spiffeIds: readonly string[]; readonly subjects: readonly SubjectIR[] } {
    return memo(this.#peers, identity, () => ({ spiffeIds: [spiffeId(this.mesh, identity)], subjects: [this.subject(identity)] }));
  }

  /** `make` once per destination, port and shape (`onlyHttpPort`): the domains every caller's virtual host for it lists. */
  domains(service: string, port: NPort, onlyHttpPort: boolean, make: () => string[]): string[] {
    // One map per shape, keyed by the service's name itself: no key string built per caller.
    return memo(memo(onlyHttpPort ? this.#domains : this.#domainsAll, port, () => new Map<string, string[]>()), service, make);
  }

  /** What `endpoints` made for the service, subset and port already, if anything: no closure needed to ask. */
  knownEndpoints(service: NService, subset: string | null, port: NPort): ResolvedEndpoints | undefined {
    return this.#endpoints?.get(port)?.get(subset === null ? service.name : `${service.name}\0${subset}`);
  }

  /** `make` once per service, subset and port: the endpoints every caller's cluster for it lists. */
  endpoints(service: NService, subset: string | null, port: NPort, make: () => ResolvedEndpoints): ResolvedEndpoints {
    // The subset after a NUL: no service name holds one.
    return memo(memo(this.#endpoints, port, () => new Map<string, ResolvedEndpoints>()), subset === null ? service.name : `${service.name}\0${subset}`, make);
  }

  observability(): ObservabilityIR {
    const o = this.mesh.observability;
    if (!this.#share) this.#observability = undefined;
    return (this.#observability ??= { accessLog: o.accessLog ? { fields: [...ACCESS_LOG_FIELDS] } : null, metricsPort: o.metricsPort, requestId: o.requestId });
  }

  admin(): { readonly address: "127.0.0.1"; readonly port: number } {
    if (!this.#share) this.#admin = undefined;
    return (this.#admin ??= { address: "127.0.0.1", port: this.mesh.defaults.adminPort });
  }
}

