// The public entry of the `meshc` package: `import { defineMesh } from "meshc"`.
import type { Gateway, MeshConfig, Service } from "./types.ts";

export type * from "./types.ts";
export * from "./modules.ts";

// Inferred type parameters escape excess-property checks, so a typo like `endpoint:` (or
// `healtCheck.path`, at any depth) would widen S silently; mapping every key the model
// does not know to `never`, recursively and through arrays and unions, makes it an error.
type KeysOf<U> = U extends unknown ? keyof U : never;
type At<U, K> = U extends unknown ? (K extends keyof U ? U[K] : never) : never;
type Exact<T, Shape> = T extends readonly (infer E)[]
  ? readonly Exact<E, Shape extends readonly (infer SE)[] ? SE : never>[]
  : T extends object ? { [K in keyof T]: K extends KeysOf<Shape> ? Exact<T[K], At<Shape, K>> : never } : T;
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
>(config: MeshConfig<S, GW, J> & { services?: NoUnknownServiceFields<S>; gateways?: NoUnknownGatewayFields<S, GW> }): MeshConfig<S, GW, J> {
  return config;
}
