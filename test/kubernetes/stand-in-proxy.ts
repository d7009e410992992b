// A small stand-in proxy target for the Kubernetes target's tests: one file per proxy,
// its IR as YAML. The Kubernetes target must not care what a proxy config says.
import { toYaml } from "../../compiler/serialize.ts";
import { FEATURES, type Capabilities, type Target } from "../../compiler/target.ts";

const capabilities = Object.fromEntries(FEATURES.map((f) => [f, { support: "full" }])) as Capabilities;

export const standInProxy: Target = {
  name: "envoy",
  description: "stand-in proxy target (tests only)",
  capabilities,
  emit: (ir) => ({
    files: ir.proxies.map((p) => ({ path: `envoy/${p.name}.yaml`, content: toYaml({ proxy: p.name, listeners: p.listeners.map((l) => l.name) }) })),
    diagnostics: [],
  }),
};
