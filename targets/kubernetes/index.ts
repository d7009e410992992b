// The Kubernetes target: manifests for `kubectl apply -k`, one object per file, built as
// plain data typed by the kubernetes-models classes and written by the one serializer. The
// sidecar configs come from a proxy target (Envoy, nginx or HAProxy) given at creation,
// so this target stays a pure function of the IR like every other. It emits proxy by proxy
// (per-proxy.ts), so the streamed pipeline holds one chunk of it at a time.
import type { MeshIR } from "../../compiler/ir/types.ts";
import { emitByProxy, type EmitResult, type Target } from "../../compiler/target.ts";
import { envoy } from "../envoy/index.ts";
import type { KubernetesOptionOverrides } from "./options.ts";
import { createKubernetesEmitter } from "./per-proxy.ts";
import { perProxySource, wholeProxySource } from "./proxy-source.ts";

export { DEFAULT_OPTIONS, type KubernetesOptionOverrides, type KubernetesOptions } from "./options.ts";
export { withSharedEmit } from "./shared-emit.ts";

/** The whole target at once: the proxy target's whole emit (shared with its own folder) feeds the same per-proxy emitter; files sorted by path. */
function emitKubernetes(ir: MeshIR, proxyTarget: Target, overrides: KubernetesOptionOverrides): EmitResult {
  const result = emitByProxy((x) => createKubernetesEmitter(x, proxyTarget, overrides, wholeProxySource(proxyTarget, x)), ir);
  return { files: [...result.files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)), diagnostics: result.diagnostics };
}

/** A Kubernetes target whose sidecars run `proxyTarget`'s configs (Envoy, nginx or HAProxy). */
export function createKubernetesTarget(proxyTarget: Target, options: KubernetesOptionOverrides = {}): Target {
  return {
    name: "kubernetes",
    description: `Kubernetes manifests for kubectl apply -k: Services, ${proxyTarget.name} sidecars, NetworkPolicies, Gateway API, cert-manager`,
    // Traffic behaviour is the sidecars' config, so the proxy target's capabilities are this target's.
    capabilities: { ...proxyTarget.capabilities, "gateway.tls": { support: "full" } },
    emit: (ir) => emitKubernetes(ir, proxyTarget, options),
    // Streamed: each proxy's config is taken from the proxy target's emit of that proxy (shared with its own folder's unit).
    perProxy: (ir) => createKubernetesEmitter(ir, proxyTarget, options, proxyTarget.perProxy ? perProxySource(proxyTarget, ir) : wholeProxySource(proxyTarget, ir)),
  };
}

/** The default: Envoy sidecars. `createKubernetesTarget(nginx)` or `(haproxy)` picks another flavour. */
export const kubernetes: Target = createKubernetesTarget(envoy);
