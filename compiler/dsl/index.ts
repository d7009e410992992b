// The public entry of the `meshc` package: `import { defineMesh } from "meshc"`.
import type { Gateway, MeshConfig, Service } from "./types.ts";

export type * from "./types.ts";
export * from "./modules.ts";

// Inferred type parameters escape excess-property checks, so a typo like `endpoint:` (or
// `healtCheck.path`, at any depth) would widen S silently; mapping every key the model
// does not know to an error type, recursively and through arrays and unions, makes it an
// error. The error type is a string literal so that tsc's message names the field and the
// known field it resembles: `... is not assignable to type "unknown field 'endpoint': did
// you mean 'endpoints'?"` (instead of `... to type 'never'`).
type KeysOf<U> = U extends unknown ? keyof U : never;
type At<U, K> = U extends unknown ? (K extends keyof U ? U[K] : never) : never;
type Exact<T, Shape> = T extends readonly (infer E)[]
  ? readonly Exact<E, Shape extends readonly (infer SE)[] ? SE : never>[]
  : T extends object ? { [K in keyof T]: K extends KeysOf<Shape> ? Exact<T[K], At<Shape, K>> : UnknownField<K, Extract<KeysOf<Shape>, string>> } : T;
/** Known fields starting like the typo (its first three, else two, else one letters). Computed only for an unknown key. */
type Prefix<K extends string, N extends 1 | 2 | 3> = N extends 3
  ? (K extends `${infer A}${infer B}${infer C}${string}` ? `${A}${B}${C}` : K)
  : N extends 2 ? (K extends `${infer A}${infer B}${string}` ? `${A}${B}` : K) : (K extends `${infer A}${string}` ? A : K);
type Near<K extends string, Known extends string> =
  [Extract<Known, `${Prefix<K, 3>}${string}`>] extends [never]
    ? [Extract<Known, `${Prefix<K, 2>}${string}`>] extends [never] ? Extract<Known, `${Prefix<K, 1>}${string}`> : Extract<Known, `${Prefix<K, 2>}${string}`>
    : Extract<Known, `${Prefix<K, 3>}${string}`>;
// An object type, not the bare string literal: intersected with the inferred literal value
// ("/healthz" & "unknown field..."), a literal would reduce the whole enclosing object to never.
type UnknownField<K, Known extends string> = K extends string
  ? { "unknown field": [Near<K, Known>] extends [never] ? `'${K}'` : `'${K}': did you mean '${Near<K, Known>}'?` }
  : never;
type NoUnknownServiceFields<S> = { [K in keyof S]: Exact<S[K], Service<string, string, string>> };
type NoUnknownGatewayFields<S, GW> = { [K in keyof GW]: Exact<GW[K], Gateway<S>> };

/**
 * Declares a mesh. At run time it returns its argument; its value is the typing: service,
 * version, port, gateway and JWT provider names become literal types, so a misspelled
 * reference is an error in the editor.
 */
export function defineMesh<
  const S extends Record<string, Service<string, string, NoInfer<J>>> = {},
  const GW extends Record<string, Gateway<NoInfer<S>>> = {},
  const J extends string = never,
>(config: MeshConfig<S, GW, J> & { services?: NoInfer<NoUnknownServiceFields<S>>; gateways?: NoInfer<NoUnknownGatewayFields<S, GW>> }): MeshConfig<S, GW, J> {
  return config;
}
