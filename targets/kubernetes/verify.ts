// The Kubernetes verifier: every emitted object through its kubernetes-models
// validate() (types, enums, required fields, CRD patterns), then meshc's strict pass
// (strict.ts) and the kustomization resolution (kustomize-check.ts). In-process and
// fast, so it runs on every compile.
import { Certificate } from "@kubernetes-models/cert-manager/cert-manager.io/v1/Certificate";
import { ClusterIssuer } from "@kubernetes-models/cert-manager/cert-manager.io/v1/ClusterIssuer";
import { Issuer } from "@kubernetes-models/cert-manager/cert-manager.io/v1/Issuer";
import { Gateway } from "@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1/Gateway";
import { GRPCRoute } from "@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1/GRPCRoute";
import { HTTPRoute } from "@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1/HTTPRoute";
import { TCPRoute } from "@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1alpha2/TCPRoute";
import { Deployment } from "kubernetes-models/apps/v1/Deployment";
import { EndpointSlice } from "kubernetes-models/discovery.k8s.io/v1/EndpointSlice";
import { NetworkPolicy } from "kubernetes-models/networking.k8s.io/v1/NetworkPolicy";
import { ConfigMap } from "kubernetes-models/v1/ConfigMap";
import { Namespace } from "kubernetes-models/v1/Namespace";
import { Service } from "kubernetes-models/v1/Service";
import { ServiceAccount } from "kubernetes-models/v1/ServiceAccount";
import { diagnostic } from "../../compiler/diagnostics/define.ts";
import type { Diagnostic } from "../../compiler/diagnostics/types.ts";
import type { MeshIR } from "../../compiler/ir/types.ts";
import type { EmittedFile, Verifier } from "../../compiler/target.ts";
import { kubernetesCodes as codes } from "./codes.ts";
import { resolveKustomizations } from "./kustomize-check.ts";
import { collectStrictFindings, rootTypeOf } from "./strict.ts";
import { formatPath, parseManifest, pointerToSegments, type ParsedManifest } from "./yaml-locate.ts";

type ModelClass = new (data: never) => { validate(): void };
const MODELS: ReadonlyMap<string, ModelClass> = new Map<string, ModelClass>([
  ["v1/Namespace", Namespace], ["v1/ServiceAccount", ServiceAccount], ["v1/Service", Service], ["v1/ConfigMap", ConfigMap],
  ["apps/v1/Deployment", Deployment], ["discovery.k8s.io/v1/EndpointSlice", EndpointSlice], ["networking.k8s.io/v1/NetworkPolicy", NetworkPolicy],
  ["gateway.networking.k8s.io/v1/Gateway", Gateway], ["gateway.networking.k8s.io/v1/HTTPRoute", HTTPRoute],
  ["gateway.networking.k8s.io/v1/GRPCRoute", GRPCRoute], ["gateway.networking.k8s.io/v1alpha2/TCPRoute", TCPRoute],
  ["cert-manager.io/v1/Issuer", Issuer], ["cert-manager.io/v1/ClusterIssuer", ClusterIssuer], ["cert-manager.io/v1/Certificate", Certificate],
]);

interface AjvError { instancePath: string; keyword: string; message?: string; params: Record<string, unknown> }

/** Patches are partial objects by design: a missing required field there is expected. */
const isPatchFile = (file: string) => file.includes("/patches/");

function collectSchemaDiagnostics(file: string, parsed: ParsedManifest, object: Record<string, unknown>, out: Diagnostic[]): void {
  const Model = MODELS.get(`${String(object.apiVersion)}/${String(object.kind)}`);
  if (!Model) return;
  try {
    new Model(object as never).validate();
  } catch (error) {
    const errors = ((error as { errors?: AjvError[] }).errors ?? []).filter((e) => !(isPatchFile(file) && e.keyword === "required"));
    for (const e of errors) {
      const segments = pointerToSegments(e.instancePath);
      if (e.keyword === "required") segments.push(String(e.params.missingProperty));
      out.push(diagnostic(codes.schemaViolation, {
        message: `${formatPath(segments) || "(object)"} ${e.message ?? e.keyword}`, file, path: formatPath(segments), line: parsed.lineOf(segments),
      }));
    }
  }
}

/** Validates one file; returns its parsed value for the kustomization pass, or undefined when it does not parse. */
function verifyFile(file: EmittedFile, out: Diagnostic[]): unknown {
  const parsed = parseManifest(file.content);
  if ("error" in parsed) {
    out.push(diagnostic(codes.yamlInvalid, { message: parsed.error, file: file.path }));
    return undefined;
  }
  const object = (parsed.value ?? {}) as Record<string, unknown>;
  const rootType = rootTypeOf(object.apiVersion, object.kind);
  if (rootType === null) {
    out.push(diagnostic(codes.kindUnknown, { message: `${String(object.apiVersion)}/${String(object.kind)} is not a kind this target emits`, file: file.path, line: 1 }));
    return object;
  }
  collectSchemaDiagnostics(file.path, parsed, object, out);
  for (const finding of collectStrictFindings(object, rootType)) {
    out.push(diagnostic(codes[finding.rule], { message: finding.message, file: file.path, path: formatPath(finding.segments), line: parsed.lineOf(finding.segments) }));
  }
  return object;
}

export function verifyKubernetesFiles(files: readonly EmittedFile[], ir: MeshIR): Diagnostic[] {
  const out: Diagnostic[] = [];
  const objects = new Map<string, unknown>();
  for (const file of files) {
    if (!file.path.startsWith("kubernetes/")) continue;
    // A file that does not parse is still present for the kustomization pass (its own finding is MESH4400).
    objects.set(file.path, verifyFile(file, out) ?? null);
  }
  for (const finding of resolveKustomizations(objects, ir)) {
    out.push(diagnostic(codes[finding.rule], { message: finding.message, file: finding.file, path: finding.path }));
  }
  return out;
}

export const kubernetesVerifier: Verifier = {
  target: "kubernetes",
  defaultOn: true,
  missing: () => null,
  verify: async (files, ir) => verifyKubernetesFiles(files, ir),
};
