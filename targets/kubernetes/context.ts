// What every builder of the Kubernetes target receives, and what it returns.
import type { Diagnostic } from "../../compiler/diagnostics/types.ts";
import { diagnostic, type CodeInfo, type DiagnosticInput } from "../../compiler/diagnostics/define.ts";
import type { MeshIR } from "../../compiler/ir/types.ts";
import type { EmittedFile } from "../../compiler/target.ts";
import type { KubernetesOptions, ProxyFlavour } from "./options.ts";

/** One Kubernetes object and the file (relative to `kubernetes/`) it is written to. */
export interface Manifest {
  readonly file: string;
  /** A kubernetes-models instance, or a plain object for kinds without a model (Kustomization, patches). */
  readonly object: object;
}

export interface EmitContext {
  readonly ir: MeshIR;
  readonly options: KubernetesOptions;
  readonly flavour: ProxyFlavour;
  /** The proxy target's files (paths relative to its folder), for the sidecar ConfigMaps. */
  readonly proxyFiles: readonly EmittedFile[];
  report(code: CodeInfo, input: DiagnosticInput): void;
}

export function createEmitContext(
  ir: MeshIR, options: KubernetesOptions, flavour: ProxyFlavour, proxyFiles: readonly EmittedFile[], sink: Diagnostic[],
): EmitContext {
  return { ir, options, flavour, proxyFiles, report: (code, input) => sink.push(diagnostic(code, input)) };
}

/** Metadata every namespaced object gets. */
export function buildMetadata(ctx: EmitContext, name: string, labels: Readonly<Record<string, string>> = {}) {
  return { name, namespace: ctx.ir.infra.namespace, labels: { "app.kubernetes.io/managed-by": "meshc", "app.kubernetes.io/part-of": ctx.ir.mesh.name, ...labels } };
}
