// The Kubernetes target: manifests for `kubectl apply -k`, one object per file, built as
// plain data typed by the kubernetes-models classes and written by the one serializer. The
// sidecar configs come from a proxy target (Envoy, nginx or HAProxy) given at creation,
// so this target stays a pure function of the IR like every other.
import type { Diagnostic } from "../../compiler/diagnostics/types.ts";
import type { MeshIR } from "../../compiler/ir/types.ts";
import { canonicalize, toYamlOfCanonical } from "../../compiler/serialize.ts";
import type { EmitResult, EmittedFile, Target } from "../../compiler/target.ts";
import { Namespace } from "kubernetes-models/v1/Namespace";
import { envoy } from "../envoy/index.ts";
import { buildCaIssuer, buildDevBootstrap, buildIdentityCertificate } from "./cert-manager.ts";
import { kubernetesCodes as codes } from "./codes.ts";
import { buildModelObject, createEmitContext, type EmitContext, type Manifest } from "./context.ts";
import { recordEmitted } from "./emitted.ts";
import { annotateSources } from "./trace.ts";
import { buildGatewayObjects } from "./gateway-api.ts";
import { buildDevKustomization, buildRootKustomization, buildSidecarComponent, type SidecarPatchRef } from "./kustomization.ts";
import { manifestFileName, MANAGED_BY } from "./names.ts";
import { buildNetworkPolicies } from "./network-policies.ts";
import { proxyFlavourOf, resolveOptions, type KubernetesOptionOverrides } from "./options.ts";
import { emitShared } from "./shared-emit.ts";
import { buildProxyConfigMap, buildSidecarPatch } from "./sidecar.ts";
import { buildEndpointSlices, buildServiceAccount, buildServices, isVmWorkload } from "./workloads.ts";
import { reportOverlappingWorkloads } from "./workload-overlap.ts";

export { DEFAULT_OPTIONS, type KubernetesOptionOverrides, type KubernetesOptions } from "./options.ts";
export { withSharedEmit } from "./shared-emit.ts";

function buildNamespace(ctx: EmitContext): Manifest {
  const object = buildModelObject(Namespace, { metadata: { name: ctx.ir.infra.namespace, labels: { ...MANAGED_BY, "app.kubernetes.io/part-of": ctx.ir.mesh.name } } });
  return { file: manifestFileName("Namespace", ctx.ir.infra.namespace), object };
}

/** Everything `kubectl apply -k kubernetes/` creates, plus the Deployment patches. */
function collectManifests(ctx: EmitContext): { resources: Manifest[]; patches: Manifest[]; patchRefs: SidecarPatchRef[] } {
  const { infra } = ctx.ir;
  // A Namespace the user's manifests already hold would be an ID conflict in their overlay.
  const resources: Manifest[] = [...(infra.kubernetes?.emitNamespace === false ? [] : [buildNamespace(ctx)]), buildCaIssuer(ctx)];
  const patches: Manifest[] = [];
  const patchRefs: SidecarPatchRef[] = [];
  // An identity's ServiceAccount once, however many services share it, and never one the user's manifests hold.
  const accounts = new Set<string>();
  for (const workload of infra.workloads) {
    if (workload.emit.serviceAccount && !accounts.has(workload.serviceAccount)) {
      accounts.add(workload.serviceAccount);
      resources.push(buildServiceAccount(ctx, workload));
    }
    resources.push(...buildServices(ctx, workload));
    if (isVmWorkload(workload)) {
      // A VM runs its proxy itself (from the proxy target's own folder): no pod to patch.
      resources.push(...buildEndpointSlices(ctx, workload));
      continue;
    }
    const configMap = buildProxyConfigMap(ctx, workload);
    if (configMap) resources.push(configMap);
    const identity = ctx.identityByName.get(workload.serviceAccount);
    if (identity) {
      const patch = buildSidecarPatch(ctx, workload, identity);
      patches.push(patch);
      patchRefs.push({ file: patch.file, workload });
    }
  }
  for (const identity of infra.identities) resources.push(buildIdentityCertificate(ctx, identity));
  resources.push(...buildNetworkPolicies(ctx));
  for (const gateway of infra.gateways) resources.push(...buildGatewayObjects(ctx, gateway));
  return { resources, patches, patchRefs };
}

function emitKubernetes(ir: MeshIR, proxyTarget: Target, overrides: KubernetesOptionOverrides): EmitResult {
  const options = resolveOptions(ir, overrides);
  const diagnostics: Diagnostic[] = [];
  const flavour = proxyFlavourOf(proxyTarget) ?? "envoy";
  // The proxy target's own folder, when compiled too, comes from the same emit (shared-emit.ts).
  const proxyResult = emitShared(proxyTarget, ir);
  const prefix = `${proxyTarget.name}/`;
  const proxyFiles = proxyResult.files.filter((f) => f.path.startsWith(prefix)).map((f) => ({ path: f.path.slice(prefix.length), content: f.content }));
  const ctx = createEmitContext(ir, options, flavour, proxyFiles, diagnostics);
  // The proxy target reports its own diagnostics when it runs; here one summary says the ConfigMaps inherit them.
  const proxyErrors = proxyResult.diagnostics.filter((d) => d.severity === "error");
  if (proxyErrors.length > 0) {
    ctx.report(codes.proxyConfigErrors, {
      message: `the ${proxyTarget.name} target reported ${proxyErrors.length} error(s) (${[...new Set(proxyErrors.map((d) => d.code))].join(", ")}); the sidecar ConfigMaps carry its output`,
    });
  }
  const { resources, patches, patchRefs } = collectManifests(ctx);
  reportOverlappingWorkloads(ctx);
  const all: Manifest[] = [...resources, ...patches, buildRootKustomization(ir.infra.namespace, resources)];
  if (patchRefs.length > 0) all.push(buildSidecarComponent(patchRefs));
  if (options.devBootstrap) {
    const dev = buildDevBootstrap(ctx);
    all.push(...dev, buildDevKustomization(dev));
  }
  annotateSources(ir, all);
  const files = all
    .map((m) => {
      // The verifier checks this snapshot of what was written (emitted.ts), not a parse of the text.
      const object = canonicalize(m.object) as Record<string, unknown>;
      const file: EmittedFile = { path: `kubernetes/${m.file}`, content: toYamlOfCanonical(object) };
      recordEmitted(file, object);
      return file;
    })
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { files, diagnostics };
}

/** A Kubernetes target whose sidecars run `proxyTarget`'s configs (Envoy, nginx or HAProxy). */
export function createKubernetesTarget(proxyTarget: Target, options: KubernetesOptionOverrides = {}): Target {
  return {
    name: "kubernetes",
    description: `Kubernetes manifests for kubectl apply -k: Services, ${proxyTarget.name} sidecars, NetworkPolicies, Gateway API, cert-manager`,
    // Traffic behaviour is the sidecars' config, so the proxy target's capabilities are this target's.
    capabilities: { ...proxyTarget.capabilities, "gateway.tls": { support: "full" } },
    emit: (ir) => emitKubernetes(ir, proxyTarget, options),
  };
}

/** The default: Envoy sidecars. `createKubernetesTarget(nginx)` or `(haproxy)` picks another flavour. */
export const kubernetes: Target = createKubernetesTarget(envoy);
