// What every builder of the Kubernetes target receives, and what it returns.
import type { Diagnostic } from "../../compiler/diagnostics/types.ts";
import { diagnostic, type CodeInfo, type DiagnosticInput } from "../../compiler/diagnostics/define.ts";
import type { GatewayInfraIR, IdentityIR, MeshIR, ProxyIR, WorkloadIR } from "../../compiler/ir/types.ts";
import type { KubernetesOptions, ProxyFlavour } from "./options.ts";
import type { ProxyFileIndex } from "./proxy-files.ts";
import { infraPlanOf } from "./slice.ts";

/** One Kubernetes object and the file (relative to `kubernetes/`) it is written to. */
export interface Manifest {
  readonly file: string;
  /** Plain data: from buildModelObject for kinds with a model, else as is (Kustomization, patches). */
  readonly object: object;
}

export interface EmitContext {
  readonly ir: MeshIR;
  readonly options: KubernetesOptions;
  readonly flavour: ProxyFlavour;
  /** The proxy target's files (paths relative to its folder) by proxy, for the sidecar ConfigMaps. */
  readonly proxyFiles: ProxyFileIndex;
  /** Lookups by name, built once: a `find` per workload or per policy would make the emit quadratic in the mesh. */
  readonly workloadByName: ReadonlyMap<string, WorkloadIR>;
  readonly identityByName: ReadonlyMap<string, IdentityIR>;
  readonly proxyByName: ReadonlyMap<string, ProxyIR>;
  /** The first gateway of each gateway proxy. */
  readonly gatewayByProxy: ReadonlyMap<string, GatewayInfraIR>;
  report(code: CodeInfo, input: DiagnosticInput): void;
}

/** What every emit of one IR shares: the lookups, built once per IR (not per proxy); the infra's once per infra object (slice.ts). */
export type BaseContext = Omit<EmitContext, "proxyFiles" | "report">;

export function createBaseContext(ir: MeshIR, options: KubernetesOptions, flavour: ProxyFlavour): BaseContext {
  const { workloadByName, identityByName, gatewayByProxy } = infraPlanOf(ir.infra);
  const proxyByName = new Map<string, ProxyIR>();
  for (const p of ir.proxies) if (!proxyByName.has(p.name)) proxyByName.set(p.name, p);
  return { ir, options, flavour, workloadByName, identityByName, proxyByName, gatewayByProxy };
}

/** One emit's context (the shared files, or one proxy's): its proxy files and where its diagnostics go. */
export function createEmitContext(base: BaseContext, proxyFiles: ProxyFileIndex, sink: Diagnostic[]): EmitContext {
  // Field by field, not `{ ...base }`: once per proxy, and a spread is a runtime call in V8's baseline tier.
  return {
    ir: base.ir, options: base.options, flavour: base.flavour, proxyFiles, workloadByName: base.workloadByName, identityByName: base.identityByName,
    proxyByName: base.proxyByName, gatewayByProxy: base.gatewayByProxy, report: (code, input) => sink.push(diagnostic(code, input)),
  };
}

/** Metadata every namespaced object gets. */
export function buildMetadata(ctx: EmitContext, name: string, nameLabel?: string, versionLabel?: string, namespace: string = ctx.ir.infra.namespace) {
  // The optional labels (app.kubernetes.io/name and /version) set directly: no labels object spread per object built.
  const labels: Record<string, string> = { "app.kubernetes.io/managed-by": "meshc", "app.kubernetes.io/part-of": ctx.ir.mesh.name };
  if (nameLabel !== undefined) labels["app.kubernetes.io/name"] = nameLabel;
  if (versionLabel !== undefined) labels["app.kubernetes.io/version"] = versionLabel;
  return { name, namespace, labels };
}

/**
 * An object of a kubernetes-models kind as plain data: typed (and checked for unknown
 * fields) by the model's constructor, without constructing the model, whose deep copy of
 * every object cost as much as serializing it. The verifier validates it with the model's schema.
 */
export function buildModelObject<D extends object, A extends string, K extends string>(
  model: { new (data?: D): unknown; readonly apiVersion: A; readonly kind: K }, data: NoInfer<D>,
): D & { readonly apiVersion: A; readonly kind: K } {
  // Every caller passes a literal built for this object: set in place, not spread into a copy
  // (a runtime call per object in V8's baseline tier). toYaml sorts keys, so the order is no matter.
  const object = data as D & { apiVersion: A; kind: K };
  object.apiVersion = model.apiVersion;
  object.kind = model.kind;
  return object;
}
