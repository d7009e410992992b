// The composition API: each team declares its services as handles in its own module, and
// routes and rules name services by handle, imported from the owning team's file.
//
// Why handles and not one mesh-wide union of names (as `defineMesh({ services })` types
// them)? A handle's type carries only its own name, versions and ports, so each `route()`
// call is checked against its destination alone: the split keys are exactly that service's
// versions, and the cost of a check does not grow with the mesh. Type-checking is then
// linear in the number of routes, where the mesh-wide unions of the single object grow with
// services x references (tsc gives up near 400 services). Every call takes a fresh object
// literal against a non-generic-in-shape parameter type, so tsc's own excess-property check
// names a misspelled field ("did you mean to write 'endpoints'?"), and each call fails on
// its own: one typo never hides another.
//
// At run time the functions return plain data with every reference a plain name: the loader
// merges the modules into the root (compiler/load/modules.ts), as it does for data files.
import type {
  Egress, Gateway, GatewayRoute, HttpMethod, JwtProvider, MeshModule, PortSpec, Route, Service, ServicePolicies, StringMatch, VersionSpec,
} from "./types.ts";

declare const phantom: unique symbol;

/** A service as other modules refer to it: its name, and (as types only) its versions and ports. */
export interface ServiceRef<N extends string = string, V extends string = string, P extends string = string> {
  readonly kind: "service";
  readonly name: N;
  /** Types only: never set. */
  readonly [phantom]?: { readonly versions: V; readonly ports: P };
}
export interface ServiceHandle<N extends string = string, V extends string = string, P extends string = string> extends ServiceRef<N, V, P> {
  /** The declaration, with references as names. */
  readonly spec: Service<string, string, string>;
}
export interface GatewayRef<N extends string = string> { readonly kind: "gateway"; readonly name: N }
export interface GatewayHandle<N extends string = string> extends GatewayRef<N> { readonly spec: Gateway<AnyNames> }
export interface JwtProviderRef<N extends string = string> { readonly kind: "jwtProvider"; readonly name: N }
export interface JwtProviderHandle<N extends string = string> extends JwtProviderRef<N> { readonly spec: JwtProvider }
export interface EgressHandle<N extends string = string> { readonly kind: "egress"; readonly name: N; readonly spec: Egress<AnyNames> }

type AnyNames = Record<string, { ports: Record<string, PortSpec>; versions: Record<string, VersionSpec> }>;
type AnyRef = ServiceRef<string, string, string>;
type VersionsOf<R> = R extends ServiceRef<string, infer V, string> ? V : never;
type PortsOf<R> = R extends ServiceRef<string, string, infer P> ? P : never;
type NameOf<R> = R extends { readonly name: infer N extends string } ? N : string;

/**
 * Weights by version of the route's destination. Written as a mapped type so that tsc
 * shows the versions that exist: "'v3' does not exist in type '{ v1?: number; v2?: number }'".
 */
export type SplitOf<R> = [VersionsOf<R>] extends [never]
  ? `${NameOf<R>} declares no versions: add \`versions\` to it, or use \`backends\``
  : { [K in VersionsOf<R>]?: number };

/** A service's declaration in a module: ports, versions and policies; `jwt.provider` is a provider handle. */
export interface ServiceSpec<P extends string, V extends string> extends ServicePolicies {
  ports: Record<P, PortSpec>;
  versions?: Record<V, VersionSpec>;
  /** Require a JWT from this provider (a `jwtProvider()` handle) on inbound requests. */
  jwt?: { provider: JwtProviderRef; required?: boolean };
}

/** Declares a service; the handle is what routes, rules and other teams' modules refer to. */
export function service<N extends string, P extends string, V extends string = never>(name: N, spec: ServiceSpec<P, V>): ServiceHandle<N, V, P> {
  const { jwt, ...rest } = spec;
  const data = (jwt ? { ...rest, jwt: { ...jwt, provider: jwt.provider.name } } : rest) as Service<string, string, string>;
  return { kind: "service", name, spec: data };
}

type RouteFields = Omit<Route<AnyNames, string>, "from" | "to" | "port" | "split" | "backends" | "mirror">;

/** One backend of a weighted split across services (`backend(payments, 90)`, `backend(legacy, 10, "v1")`). */
export interface BackendSpec { service: string; version?: string; weight: number }
export function backend<R extends AnyRef>(to: R, weight: number, version?: VersionsOf<R>): BackendSpec {
  return version === undefined ? { service: to.name, weight } : { service: to.name, version, weight };
}

export interface RouteSpec<To extends AnyRef> extends RouteFields {
  /** Calling services, or a gateway. */
  from: AnyRef | readonly AnyRef[] | GatewayRef;
  to: To;
  /** A port name of `to`; required when it has several. */
  port?: PortsOf<To>;
  /** Weights by version of `to`. */
  split?: SplitOf<To>;
  /** Weighted split across services (`backend(...)`), instead of `split`. */
  backends?: readonly BackendSpec[];
  mirror?: { to: AnyRef; percent?: number };
}

/** A route as data: what `route()` returns and a module's `routes` holds. */
export type RouteData = Route<AnyNames, string>;

/** A route to one service, typed by that service alone: `route({ from: checkout, to: payments, split: { v1: 90, v2: 10 } })`. */
export function route<To extends AnyRef>(spec: RouteSpec<To>): RouteData {
  const { from, to, mirror, backends, ...rest } = spec;
  const data: Record<string, unknown> = { ...rest, from: fromData(from), to: to.name };
  if (backends) data.backends = backends.map((b) => ({ ...b }));
  if (mirror) data.mirror = { ...mirror, to: mirror.to.name };
  return data as unknown as RouteData;
}

function fromData(from: AnyRef | readonly AnyRef[] | GatewayRef): string | string[] | { gateway: string } {
  if (Array.isArray(from)) return (from as readonly AnyRef[]).map((f) => f.name);
  const one = from as AnyRef | GatewayRef;
  return one.kind === "gateway" ? { gateway: one.name } : one.name;
}

export interface RuleSpec {
  name?: string;
  /** Source services; `"*"` = any peer. */
  from: readonly AnyRef[] | "*";
  to: AnyRef;
  methods?: HttpMethod[];
  /** Exact paths, or prefixes ending in `*` (`/api/*`). */
  paths?: string[];
  headers?: Record<string, StringMatch>;
}
export type RuleData = { name?: string; allow: RuleMatchData } | { name?: string; deny: RuleMatchData };
type RuleMatchData = { from: string[] | "*"; to: string; methods?: HttpMethod[]; paths?: string[]; headers?: Record<string, StringMatch> };

function ruleMatch(spec: RuleSpec): { name?: string; match: RuleMatchData } {
  const { name, from, to, ...rest } = spec;
  const match = { ...rest, from: from === "*" ? ("*" as const) : from.map((f) => f.name), to: to.name };
  return name === undefined ? { match } : { name, match };
}
/** An allow rule on `to`'s inbound side. */
export function allow(spec: RuleSpec): RuleData {
  const { name, match } = ruleMatch(spec);
  return name === undefined ? { allow: match } : { name, allow: match };
}
/** A deny rule on `to`'s inbound side; a deny wins over an allow. */
export function deny(spec: RuleSpec): RuleData {
  const { name, match } = ruleMatch(spec);
  return name === undefined ? { deny: match } : { name, deny: match };
}

export interface GatewayRouteSpec<To extends AnyRef> extends Omit<GatewayRoute<AnyNames>, "to" | "split"> {
  to: To;
  split?: SplitOf<To>;
}
/** A gateway's route into the mesh, typed by its destination. */
export function gatewayRoute<To extends AnyRef>(spec: GatewayRouteSpec<To>): GatewayRoute<AnyNames> {
  return { ...spec, to: spec.to.name } as GatewayRoute<AnyNames>;
}
export interface GatewaySpec extends Omit<Gateway<AnyNames>, "routes"> { routes: readonly GatewayRoute<AnyNames>[] }
/** An edge gateway; routes come from `gatewayRoute()`, and `route({ from: edge, ... })` routes from it. */
export function gateway<const N extends string>(name: N, spec: GatewaySpec): GatewayHandle<N> {
  return { kind: "gateway", name, spec: { ...spec, routes: [...spec.routes] } };
}

export interface EgressSpec extends Omit<Egress<AnyNames>, "from"> { from: readonly AnyRef[] }
/** An external destination the listed services may call. */
export function egress<const N extends string>(name: N, spec: EgressSpec): EgressHandle<N> {
  return { kind: "egress", name, spec: { ...spec, from: spec.from.map((f) => f.name) } };
}

/** A JWT issuer; services name it with `jwt: { provider: handle }`. */
export function jwtProvider<const N extends string>(name: N, spec: JwtProvider): JwtProviderHandle<N> {
  return { kind: "jwtProvider", name, spec };
}

export interface ModuleSpec {
  /** The module's name, used in diagnostics (`payments`). */
  name?: string;
  /** The owning team (`payments-team`, `@acme/payments`): the default `owner` of the module's services. */
  owner?: string;
  services?: readonly ServiceHandle[];
  routes?: readonly RouteData[];
  authorization?: readonly RuleData[];
  gateways?: readonly GatewayHandle[];
  egress?: readonly EgressHandle[];
  jwtProviders?: readonly JwtProviderHandle[];
}

const byName = <T>(handles: readonly { name: string; spec: T }[] | undefined) =>
  handles && Object.fromEntries(handles.map((h) => [h.name, h.spec]));

/** The part of the mesh one team owns; the root lists it in `defineMesh({ modules: [...] })`. */
// Generic only so that `services: [a, b, c]` is inferred as a tuple: as an array, tsc would
// reduce the union of its distinct handle types pairwise (measured: 0.24 s per 50-service module).
export function defineModule(spec: ModuleSpec): MeshModule {
  const out: Record<string, unknown> = {};
  if (spec.name !== undefined) out.name = spec.name;
  if (spec.owner !== undefined) out.owner = spec.owner;
  const parts = {
    services: byName(spec.services), routes: spec.routes && [...spec.routes], authorization: spec.authorization && [...spec.authorization],
    gateways: byName(spec.gateways), egress: byName(spec.egress), jwtProviders: byName(spec.jwtProviders),
  };
  for (const [key, value] of Object.entries(parts)) if (value !== undefined) out[key] = value;
  return out as MeshModule;
}
