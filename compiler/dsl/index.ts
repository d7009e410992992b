// The public entry of the `meshc` package: `import { defineMesh } from "meshc"`.
import type { Gateway, MeshConfig, Service } from "./types.ts";

export type * from "./types.ts";

// Inferred type parameters escape excess-property checks, so a typo like `endpoint:`
// would widen S silently; mapping unknown keys to `never` makes it an error again.
type NoUnknownServiceFields<S> = {
  [K in keyof S]: { [F in Exclude<keyof S[K], keyof Service<string, string, string>>]: never };
};

/**
 * Declares a mesh. At run time it returns its argument; its value is the typing: service,
 * version, port, gateway and JWT provider names become literal types, so a misspelled
 * reference is an error in the editor.
 */
export function defineMesh<
  const S extends Record<string, Service<string, string, NoInfer<J>>>,
  const GW extends Record<string, Gateway<NoInfer<S>>> = {},
  const J extends string = never,
>(config: MeshConfig<S, GW, J> & { services: NoUnknownServiceFields<S> }): MeshConfig<S, GW, J> {
  return config;
}
