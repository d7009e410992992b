// The explicit target registry: no registration on import, no side effects.
import type { Target, Verifier } from "../compiler/target.ts";
import { envoy } from "./envoy/index.ts";
import { envoyVerifier } from "./envoy/verify.ts";
import { nginx } from "./nginx/index.ts";
import { nginxVerifier } from "./nginx/verify.ts";
import { haproxy } from "./haproxy/index.ts";
import { haproxyVerifier } from "./haproxy/verify.ts";
import { createKubernetesTarget, kubernetes, withSharedEmit, type KubernetesOptionOverrides } from "./kubernetes/index.ts";
import { kubernetesVerifier } from "./kubernetes/verify.ts";
import { certs } from "./certs/index.ts";

// The proxy targets' emits are shared with the Kubernetes target's sidecar ConfigMaps: one emit per IR, not two.
export const targets = [withSharedEmit(envoy), withSharedEmit(nginx), withSharedEmit(haproxy), kubernetes, certs] as const satisfies readonly Target[];
export const verifiers = [envoyVerifier, nginxVerifier, haproxyVerifier, kubernetesVerifier] as const satisfies readonly Verifier[];

export type SidecarFlavour = "envoy" | "nginx" | "haproxy";

/** The selected targets; `sidecar` picks which proxy's configs the Kubernetes sidecars run, `kubernetes` overrides its options. */
export function findTargets(names: readonly string[], sidecar: SidecarFlavour = "envoy", kubernetesOptions: KubernetesOptionOverrides = {}): { targets: Target[]; unknown: string[] } {
  const wanted = new Set(names);
  const proxy = { envoy, nginx, haproxy }[sidecar];
  const custom = sidecar !== "envoy" || Object.keys(kubernetesOptions).length > 0;
  return {
    targets: targets.filter((t) => wanted.has(t.name)).map((t) => (t.name === "kubernetes" && custom ? createKubernetesTarget(proxy, kubernetesOptions) : t)),
    unknown: [...wanted].filter((n) => !targets.some((t) => t.name === n)).sort(),
  };
}
