// The Kubernetes target proxy by proxy, so the streamed pipeline emits, verifies, writes and
// releases it a chunk at a time like the proxy targets (the sidecar ConfigMaps, which carry
// whole proxy configs, were the largest resident set of a 10,000-service compile). A proxy's
// files are the objects of its workload(s): ServiceAccount and Certificate of the identities
// it is the first workload of, Services (or, for a VM, EndpointSlices), the ConfigMap with its
// proxy's config, the sidecar patch and its NetworkPolicy. shared() holds the rest: the
// Namespace, the CA Issuer, default-deny, Gateway API objects, the gateways' and unowned
// identities' Certificates, dev/, the workloads whose proxy the IR lacks, the workload-overlap
// check, and the kustomizations, which list every proxy's files by name (a names-only pass).
import type { Diagnostic } from "../../compiler/diagnostics/types.ts";
import type { MeshIR, ProxyIR, WorkloadIR } from "../../compiler/ir/types.ts";
import type { EmitResult, EmittedFile, ProxyEmitter, Target } from "../../compiler/target.ts";
import { Namespace } from "kubernetes-models/v1/Namespace";
import { buildCaIssuer, buildDevBootstrap, buildIdentityCertificate } from "./cert-manager.ts";
import { kubernetesCodes as codes } from "./codes.ts";
import { buildModelObject, createBaseContext, createEmitContext, type BaseContext, type EmitContext, type Manifest } from "./context.ts";
import { recordEmitted } from "./emitted.ts";
import { buildGatewayObjects } from "./gateway-api.ts";
import { buildDevKustomization, buildRootKustomization, buildSidecarComponent, type SidecarPatchRef } from "./kustomization.ts";
import { writeManifestText } from "./manifest-text.ts";
import { manifestFileName, MANAGED_BY, proxyConfigMapName, sidecarPatchFile } from "./names.ts";
import { buildDefaultDeny, buildWorkloadPolicies, policyFileName } from "./network-policies.ts";
import { proxyFlavourOf, resolveOptions, type KubernetesOptionOverrides } from "./options.ts";
import { indexProxyFiles } from "./proxy-files.ts";
import type { ProxyConfigSource } from "./proxy-source.ts";
import { buildProxyConfigMap, buildSidecarPatch } from "./sidecar.ts";
import { infraPlanOf, sliceFor, type InfraPlan } from "./slice.ts";
import { createSourceAnnotator, indexSidecarsByOwner } from "./trace.ts";
import { buildEndpointSlices, buildServiceAccount, buildServices, endpointSliceFileNames, isVmWorkload, serviceFileNames } from "./workloads.ts";
import { reportOverlappingWorkloads } from "./workload-overlap.ts";

/** Which proxy emits what: the infra's part decided once per infra object (slice.ts), the sidecars by owner once per IR. */
export interface MeshPlan extends InfraPlan {
  readonly base: BaseContext;
  readonly sidecarByOwner: ReadonlyMap<string, ProxyIR>;
}

export function buildMeshPlan(base: BaseContext): MeshPlan {
  return { ...infraPlanOf(base.ir.infra), base, sidecarByOwner: indexSidecarsByOwner(base.ir) };
}

/** Every object of one workload: the Deployment patch apart, since the root kustomization lists only resources. */
function buildWorkloadManifests(ctx: EmitContext, plan: MeshPlan, workload: WorkloadIR): { resources: Manifest[]; patch: Manifest | null } {
  const resources: Manifest[] = [];
  let patch: Manifest | null = null;
  if (workload.emit.serviceAccount && plan.accountOwner.get(workload.serviceAccount) === workload) resources.push(buildServiceAccount(ctx, workload));
  resources.push(...buildServices(ctx, workload));
  if (isVmWorkload(workload)) {
    // A VM runs its proxy itself (from the proxy target's own folder): no pod to patch.
    resources.push(...buildEndpointSlices(ctx, workload));
  } else {
    const configMap = buildProxyConfigMap(ctx, workload);
    if (configMap) resources.push(configMap);
    const identity = ctx.identityByName.get(workload.serviceAccount);
    if (identity) patch = buildSidecarPatch(ctx, workload, identity);
  }
  const identity = ctx.identityByName.get(workload.serviceAccount);
  if (identity && plan.identityOwner.get(identity.name) === workload) resources.push(buildIdentityCertificate(ctx, identity));
  resources.push(...buildWorkloadPolicies(ctx, workload, plan.policiesByTarget.get(workload.name) ?? []));
  return { resources, patch };
}

/**
 * The files buildWorkloadManifests writes, by name alone, for the kustomizations. A ConfigMap
 * is listed even when the proxy target gave no config (MESH3251, an error: no bundle is
 * written). The verifier checks at the end that the listing and the files agree.
 */
function workloadFileNames(plan: MeshPlan, workload: WorkloadIR): { resources: string[]; patch: string | null } {
  const { base } = plan;
  const resources: string[] = [];
  if (workload.emit.serviceAccount && plan.accountOwner.get(workload.serviceAccount) === workload) resources.push(manifestFileName("ServiceAccount", workload.serviceAccount));
  resources.push(...serviceFileNames(workload));
  const identity = base.identityByName.get(workload.serviceAccount);
  const vm = isVmWorkload(workload);
  if (vm) resources.push(...endpointSliceFileNames(workload));
  else resources.push(manifestFileName("ConfigMap", proxyConfigMapName(workload.name)));
  if (identity && plan.identityOwner.get(identity.name) === workload) resources.push(manifestFileName("Certificate", identity.name));
  if (!vm) for (const _ of plan.policiesByTarget.get(workload.name) ?? []) resources.push(policyFileName(workload));
  return { resources, patch: !vm && identity ? sidecarPatchFile(workload.name) : null };
}

/**
 * Serialized once (toYaml, from a template of the object's structure when one was made:
 * manifest-text.ts); the verifier checks the recorded object, not a parse of the text
 * (emitted.ts), and an object filled from a template once per template and strings the checks
 * read (template-check.ts). No canonical copy: toYaml sorts keys as it writes, and every check reads an
 * undefined member as the absent key the text has. The objects were built for this emit
 * alone, so nothing changes them after.
 */
function writeManifests(manifests: readonly Manifest[]): EmittedFile[] {
  return manifests.map((m) => {
    const object = m.object as Record<string, unknown>;
    const { text, filled } = writeManifestText(object);
    const file: EmittedFile = { path: `kubernetes/${m.file}`, content: text };
    recordEmitted(file, object, filled);
    return file;
  });
}

function buildNamespace(ctx: EmitContext): Manifest {
  const object = buildModelObject(Namespace, { metadata: { name: ctx.ir.infra.namespace, labels: { ...MANAGED_BY, "app.kubernetes.io/part-of": ctx.ir.mesh.name } } });
  return { file: manifestFileName("Namespace", ctx.ir.infra.namespace), object };
}

const NO_CONFIG = { index: indexProxyFiles([], new Set()), errors: [] } as const;

/** The Kubernetes ProxyEmitter of one IR; the sidecars' configs come from `source`. */
export function createKubernetesEmitter(ir: MeshIR, proxyTarget: Target, overrides: KubernetesOptionOverrides, source: ProxyConfigSource): ProxyEmitter {
  const base = createBaseContext(ir, resolveOptions(ir, overrides), proxyFlavourOf(proxyTarget) ?? "envoy");
  const plan = buildMeshPlan(base);
  const annotate = createSourceAnnotator(ir);
  const names = new Set(ir.proxies.map((p) => p.name));

  const proxy = (p: ProxyIR): EmitResult => {
    const diagnostics: Diagnostic[] = [];
    const workloads = plan.workloadsByProxy.get(p.name) ?? [];
    // Only a pod workload's sidecar carries the proxy's config: a proxy serving none (a VM's
    // runs from the proxy target's own folder) does not make the proxy target emit it for this one.
    const sidecar = workloads.some((w) => !isVmWorkload(w));
    if (!sidecar) source.skip(p);
    const config = sidecar ? source.of(p.name, p) : NO_CONFIG;
    const ctx = createEmitContext(base, config.index, diagnostics);
    if (config.errors.length > 0 && workloads.length > 0) {
      ctx.report(codes.proxyConfigErrors, {
        message: `the ${proxyTarget.name} target reported ${config.errors.length} error(s) for proxy "${p.name}" (${[...new Set(config.errors.map((d) => d.code))].join(", ")}); its sidecar ConfigMap carries that output`,
      });
    }
    const all: Manifest[] = [];
    for (const workload of workloads) {
      const { resources, patch } = buildWorkloadManifests(ctx, plan, workload);
      all.push(...resources);
      if (patch) all.push(patch);
    }
    annotate(all);
    return { files: writeManifests(all), diagnostics };
  };

  const shared = (): EmitResult => {
    const diagnostics: Diagnostic[] = [];
    const ctx = createEmitContext(base, source.of(null, undefined).index, diagnostics);
    // The proxy target reports its own diagnostics when it runs; here one summary says the ConfigMaps inherit them.
    if (source.wholeErrors.length > 0) {
      ctx.report(codes.proxyConfigErrors, {
        message: `the ${proxyTarget.name} target reported ${source.wholeErrors.length} error(s) (${[...new Set(source.wholeErrors.map((d) => d.code))].join(", ")}); the sidecar ConfigMaps carry its output`,
      });
    }
    const { infra } = ir;
    // A Namespace the user's manifests already hold would be an ID conflict in their overlay.
    const resources: Manifest[] = [...(infra.kubernetes?.emitNamespace === false ? [] : [buildNamespace(ctx)]), buildCaIssuer(ctx)];
    const patches: Manifest[] = [];
    const listed: string[] = [];
    const patchRefs: SidecarPatchRef[] = [];
    for (const workload of infra.workloads) {
      if (names.has(workload.proxy)) {
        const files = workloadFileNames(plan, workload);
        listed.push(...files.resources);
        if (files.patch) patchRefs.push({ file: files.patch, workload });
        continue;
      }
      // No proxy of the IR emits this workload's objects: the shared files do (its ConfigMap reports the missing config).
      const built = buildWorkloadManifests(ctx, plan, workload);
      resources.push(...built.resources);
      if (built.patch) { patches.push(built.patch); patchRefs.push({ file: built.patch.file, workload }); }
    }
    for (const identity of infra.identities) if (!plan.identityOwner.has(identity.name)) resources.push(buildIdentityCertificate(ctx, identity));
    if (infra.defaultDeny) resources.push(buildDefaultDeny(ctx));
    for (const gateway of infra.gateways) resources.push(...buildGatewayObjects(ctx, gateway));
    reportOverlappingWorkloads(ctx);
    const all: Manifest[] = [...resources, ...patches, buildRootKustomization(infra.namespace, [...resources.map((m) => m.file), ...listed])];
    // Always, patches or none: an overlay that lists the component keeps building when no service runs in pods.
    all.push(buildSidecarComponent(patchRefs));
    if (base.options.devBootstrap) {
      const dev = buildDevBootstrap(ctx);
      all.push(...dev, buildDevKustomization(dev));
    }
    annotate(all);
    return { files: writeManifests(all), diagnostics };
  };

  /**
   * What shared() reads (watch mode keys the shared files by it, not by every route): the
   * infra and settings, the proxies' names (kinds and owners: the kustomizations list their
   * files, the trace annotation indexes sidecars by owner), the proxy target's shared files
   * and errors, and whole only the sidecars of workloads no proxy of the IR emits (their
   * NetworkPolicies' annotation reads those sidecars' rules).
   */
  const sharedInput = () => {
    const unowned = new Set(ir.infra.workloads.filter((w) => !names.has(w.proxy)).map((w) => w.name));
    return {
      version: ir.version, mesh: ir.mesh, runtime: ir.runtime, infra: ir.infra, options: base.options, flavour: base.flavour,
      proxies: ir.proxies.map((p) => [p.name, p.kind, p.kind === "sidecar" ? p.owner : null]),
      unownedSidecars: ir.proxies.filter((p) => p.kind === "sidecar" && unowned.has(p.owner)),
      proxyShared: source.of(null, undefined).index.filesOf("").map((f) => [f.key, f.file.path, f.file.content]),
      proxyErrors: source.wholeErrors,
    };
  };

  return { proxy, shared, inputOf: (p) => sliceFor(ir, plan.sidecarByOwner, p), sharedInput };
}
