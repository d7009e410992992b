// The Kubernetes verifier: every emitted object through its kubernetes-models
// validate() (types, enums, required fields, CRD patterns), then meshc's strict pass
// (strict.ts) and the kustomization resolution (kustomize-check.ts). In-process and
// fast, so it runs on every compile: in the pipeline it checks the objects the emitter
// serialized (emitted.ts) and parses only files with findings, for their lines. Streamed, it
// checks chunk by chunk and resolves the kustomizations once at the end (beginKubernetesRun).
import { Certificate } from "@kubernetes-models/cert-manager/cert-manager.io/v1/Certificate";
import { ClusterIssuer } from "@kubernetes-models/cert-manager/cert-manager.io/v1/ClusterIssuer";
import { Issuer } from "@kubernetes-models/cert-manager/cert-manager.io/v1/Issuer";
import { Deployment } from "kubernetes-models/apps/v1/Deployment";
import { EndpointSlice } from "kubernetes-models/discovery.k8s.io/v1/EndpointSlice";
import { NetworkPolicy } from "kubernetes-models/networking.k8s.io/v1/NetworkPolicy";
import { ConfigMap } from "kubernetes-models/v1/ConfigMap";
import { Namespace } from "kubernetes-models/v1/Namespace";
import { Service } from "kubernetes-models/v1/Service";
import { ServiceAccount } from "kubernetes-models/v1/ServiceAccount";
import { diagnostic, type CodeInfo } from "../../compiler/diagnostics/define.ts";
import type { Diagnostic } from "../../compiler/diagnostics/types.ts";
import type { MeshIR } from "../../compiler/ir/types.ts";
import type { EmittedFile, Verifier, VerifierRun } from "../../compiler/target.ts";
import { kubernetesCodes as codes } from "./codes.ts";
import { emittedEntryOf } from "./emitted.ts";
import type { Filled } from "./manifest-text.ts";
import { resolveKustomizations } from "./kustomize-check.ts";
import { isKustomizationPath, sidecarPatchFile } from "./names.ts";
import { Gateway, GRPCRoute, HTTPRoute, TCPRoute } from "./schema/gateway-api.ts";
import { recordShapePassed, shapePassed } from "./schema-memo.ts";
import { collectStrictFindings, rootTypeOf } from "./strict.ts";
import { recordTemplatePassed, templatePassed } from "./template-check.ts";
import { formatPath, parseManifest, pointerToSegments, type Segment } from "./yaml-locate.ts";

type ModelClass = { readonly prototype: { validate(): void } };
const MODELS: ReadonlyMap<string, ModelClass> = new Map<string, ModelClass>([
  ["v1/Namespace", Namespace], ["v1/ServiceAccount", ServiceAccount], ["v1/Service", Service], ["v1/ConfigMap", ConfigMap],
  ["apps/v1/Deployment", Deployment], ["discovery.k8s.io/v1/EndpointSlice", EndpointSlice], ["networking.k8s.io/v1/NetworkPolicy", NetworkPolicy],
  ["gateway.networking.k8s.io/v1/Gateway", Gateway], ["gateway.networking.k8s.io/v1/HTTPRoute", HTTPRoute],
  ["gateway.networking.k8s.io/v1/GRPCRoute", GRPCRoute], ["gateway.networking.k8s.io/v1alpha2/TCPRoute", TCPRoute],
  ["cert-manager.io/v1/Issuer", Issuer], ["cert-manager.io/v1/ClusterIssuer", ClusterIssuer], ["cert-manager.io/v1/Certificate", Certificate],
]);

interface AjvError { instancePath: string; keyword: string; message?: string; params: Record<string, unknown> }

/** A finding on one object; `segments` null = about the whole object (line 1, no path). */
interface ObjectFinding {
  readonly info: CodeInfo;
  readonly message: string;
  readonly segments: readonly Segment[] | null;
}

/** Patches are partial objects by design: a missing required field there is expected. */
const isPatchFile = (file: string) => file.includes("/patches/");

const isPlainObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v);

/**
 * A sidecar patch (a partial Deployment) with the one required field it always lacks,
 * `spec.selector`, present as an empty LabelSelector (which has no required fields of its
 * own): if that passes, the patch's only errors were that `required`, which patches skip, so
 * it has no finding. It spares every patch of a bundle the failing validate(): an Error with a
 * stack, every error localized and joined into a message, all thrown away. Null when the
 * patch is not of that form: the general path decides.
 */
function patchWithSelector(object: Record<string, unknown>): Record<string, unknown> | null {
  if (object.apiVersion !== "apps/v1" || object.kind !== "Deployment" || !isPlainObject(object.spec) || object.spec.selector !== undefined) return null;
  return { ...object, spec: { ...object.spec, selector: {} } };
}

/** Whether `object` passes the model's validate() (the fast path: no error collected). */
function passes(Model: ModelClass, object: Record<string, unknown>): boolean {
  try {
    Model.prototype.validate.call(object);
    return true;
  } catch {
    return false;
  }
}

function collectSchemaFindings(file: string, object: Record<string, unknown>, rootType: string, out: ObjectFinding[]): void {
  const Model = MODELS.get(`${String(object.apiVersion)}/${String(object.kind)}`);
  if (!Model) return;
  // A shape the schema passed before passes again (schema-memo.ts); a patch's verdict skips `required`, so patches have their own shapes.
  const context = `${rootType}${isPatchFile(file) ? " patch" : ""}`;
  if (shapePassed(context, rootType, object)) return;
  const before = out.length;
  checkSchema(Model, file, object, out);
  if (out.length === before) recordShapePassed(context, object);
}

/** The schema findings' messages for `object` written to `file`, never from the shape memo (its probe test). */
export function uncachedSchemaFindings(file: string, object: Record<string, unknown>): string[] {
  const Model = MODELS.get(`${String(object.apiVersion)}/${String(object.kind)}`);
  const out: ObjectFinding[] = [];
  if (Model) checkSchema(Model, file, object, out);
  return out.map((f) => f.message);
}

function checkSchema(Model: ModelClass, file: string, object: Record<string, unknown>, out: ObjectFinding[]): void {
  const completed = isPatchFile(file) ? patchWithSelector(object) : null;
  if (completed !== null && passes(Model, completed)) return;
  try {
    // The model's validate() runs its precompiled ajv validator on `this`: called on the plain object
    // itself, it checks what was serialized without the deep copy a `new Model(object)` would make.
    Model.prototype.validate.call(object);
  } catch (error) {
    const errors = ((error as { errors?: AjvError[] }).errors ?? []).filter((e) => !(isPatchFile(file) && e.keyword === "required"));
    for (const e of errors) {
      const segments = pointerToSegments(e.instancePath);
      if (e.keyword === "required") segments.push(String(e.params.missingProperty));
      out.push({ info: codes.schemaViolation, message: `${formatPath(segments) || "(object)"} ${e.message ?? e.keyword}`, segments });
    }
  }
}

/** Kind, schema and strict findings of one object, whether parsed from text or taken from the emitter. */
function collectObjectFindings(file: string, object: Record<string, unknown>): ObjectFinding[] {
  const rootType = rootTypeOf(object.apiVersion, object.kind);
  if (rootType === null) {
    return [{ info: codes.kindUnknown, message: `${String(object.apiVersion)}/${String(object.kind)} is not a kind this target emits`, segments: null }];
  }
  const out: ObjectFinding[] = [];
  collectSchemaFindings(file, object, rootType, out);
  for (const finding of collectStrictFindings(object, rootType)) out.push({ info: codes[finding.rule], message: finding.message, segments: finding.segments });
  return out;
}

function toDiagnostic(file: string, finding: ObjectFinding, lineOf: ((segments: readonly Segment[]) => number) | null): Diagnostic {
  if (finding.segments === null) return diagnostic(finding.info, { message: finding.message, file, line: 1 });
  return diagnostic(finding.info, {
    message: finding.message, file, path: formatPath(finding.segments), line: lineOf === null ? undefined : lineOf(finding.segments),
  });
}

/** Validates one file's text; returns its parsed value for the kustomization pass, or undefined when it does not parse. */
function verifyFileText(file: EmittedFile, out: Diagnostic[]): unknown {
  const parsed = parseManifest(file.content);
  if ("error" in parsed) {
    out.push(diagnostic(codes.yamlInvalid, { message: parsed.error, file: file.path }));
    return undefined;
  }
  const object = (parsed.value ?? {}) as Record<string, unknown>;
  for (const finding of collectObjectFindings(file.path, object)) out.push(toDiagnostic(file.path, finding, parsed.lineOf));
  return object;
}

/**
 * Whether `object` is a ConfigMap whose `data` is a plain object of strings. Such a `data`
 * gives no finding of its own: the schema takes any string under any key there (a map of
 * strings), the strict pass does not look into it (`data` is an opaque field of
 * known-fields.json; its members are neither port fields nor in a `ports` list), and no other
 * check reads it. So the object has a finding exactly when it has one with `data` replaced by
 * `{}`, and the template of it with `data` replaced by a marker (manifest-text.ts,
 * Filled.dataBlock) decides its verdict as it decides any filled object's: the marker is one
 * fixed string at a path the schema constrains, so it keys the verdicts, and every other
 * slot stands where it stands in the object. test/kubernetes/template-check.test.ts
 * compares the verdicts with the text path on hostile ConfigMaps.
 */
function dataOfStrings(object: Record<string, unknown>): boolean {
  if (object.apiVersion !== "v1" || object.kind !== "ConfigMap") return false;
  const data = object.data;
  if (!isPlainObject(data)) return false;
  const proto: unknown = Object.getPrototypeOf(data);
  if (proto !== Object.prototype && proto !== null) return false;
  for (const key in data) if (typeof data[key] !== "string") return false;
  return true;
}

/**
 * Validates the object the emitter serialized into `file`; only a file with findings is
 * parsed, to give them lines (the same lines the text path gives). An object filled from a
 * template is checked once per template and strings the checks read (template-check.ts).
 */
function verifyFileObject(file: EmittedFile, object: Record<string, unknown>, filled: Filled | null, out: Diagnostic[]): unknown {
  const patch = isPatchFile(file.path);
  const template = filled !== null && (filled.dataBlock !== true || dataOfStrings(object)) ? filled : null;
  if (template !== null && templatePassed(template, patch)) return object;
  const findings = collectObjectFindings(file.path, object);
  if (findings.length === 0) {
    if (template !== null) recordTemplatePassed(template, patch, object.apiVersion, object.kind);
    return object;
  }
  const parsed = parseManifest(file.content);
  if ("error" in parsed) out.push(diagnostic(codes.yamlInvalid, { message: parsed.error, file: file.path }));
  const lineOf = "error" in parsed ? null : parsed.lineOf;
  for (const finding of findings) out.push(toDiagnostic(file.path, finding, lineOf));
  return object;
}

const isKustomization = isKustomizationPath;

/** The workload a sidecar patch file is named for (`kubernetes/sidecars/patches/<workload>.yaml`), or null for any other file. */
const PATCH_PREFIX = `kubernetes/${sidecarPatchFile("")}`.replace(/\.yaml$/, "");
function patchWorkloadOf(path: string): string | null {
  return path.startsWith(PATCH_PREFIX) && path.endsWith(".yaml") ? path.slice(PATCH_PREFIX.length, -".yaml".length) : null;
}

/**
 * Each file's own findings; returns the parsed objects by path for the kustomization pass (those
 * whose path `keep` takes, when given).
 * A sidecar patch's file is named after the workload its body names (the emitter's rule,
 * sidecarPatchFile): checked here, per file, so the streamed resolution can take a patch's
 * workload from its path without holding the patch.
 */
function checkFiles(files: readonly EmittedFile[], useEmitted: boolean, out: Diagnostic[], keep: ((path: string) => boolean) | null = null): Map<string, unknown> {
  const objects = new Map<string, unknown>();
  for (let i = 0; i < files.length; i++) {
    const file = files[i]!;
    if (!file.path.startsWith("kubernetes/")) continue;
    const entry = useEmitted ? emittedEntryOf(file) : undefined;
    // A file that does not parse is still present for the kustomization pass (its own finding is MESH4400).
    const value = (entry !== undefined ? verifyFileObject(file, entry.object, entry.filled, out) : verifyFileText(file, out)) ?? null;
    const workload = patchWorkloadOf(file.path);
    const named = workload === null ? undefined : (value as { metadata?: { name?: unknown } } | null)?.metadata?.name;
    if (workload !== null && value !== null && named !== workload) {
      out.push(diagnostic(codes.kustomizationPatchTarget, { message: `${file.path} holds the sidecar patch for "${String(named)}": a patch file is named after the workload it patches`, file: file.path, path: "metadata.name" }));
    }
    if (keep === null || keep(file.path)) objects.set(file.path, value);
  }
  return objects;
}

const kustomizeDiagnostics = (objects: ReadonlyMap<string, unknown>, ir: MeshIR): Diagnostic[] =>
  resolveKustomizations(objects, ir).map((finding) => diagnostic(codes[finding.rule], { message: finding.message, file: finding.file, path: finding.path }));

/** Checks the files' text: every file parsed back (MESH4400 included), and the kustomizations resolved. For bundles from anywhere, and tests that edit text. */
export function verifyKubernetesFiles(files: readonly EmittedFile[], ir: MeshIR): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const d of kustomizeDiagnostics(checkFiles(files, false, out), ir)) out.push(d);
  return out;
}

/**
 * The pipeline's check: the same findings as verifyKubernetesFiles, but a file this
 * process's emitter wrote (unchanged since) is checked as the object it serialized
 * (emitted.ts), and parsed only when it has findings; any other file is parsed. The
 * kustomizations are resolved when `files` hold them (a whole bundle); a chunk of proxies'
 * files (no kustomization) gets its own checks only: the streamed pipeline resolves them
 * once at the end (beginKubernetesRun).
 */
export function verifyKubernetesEmitted(files: readonly EmittedFile[], ir: MeshIR): Diagnostic[] {
  const out: Diagnostic[] = [];
  const objects = checkFiles(files, true, out);
  let kustomizations = false;
  for (let i = 0; i < files.length && !kustomizations; i++) kustomizations = files[i]!.path.startsWith("kubernetes/") && isKustomization(files[i]!.path);
  if (kustomizations) for (const d of kustomizeDiagnostics(objects, ir)) out.push(d);
  return out;
}

/**
 * The streamed check: each chunk's files as verifyKubernetesEmitted checks a chunk, and the
 * kustomization resolution once at the end, over the kustomizations (shared files, kept
 * whole) and the path of every file handed to the bundle (written or kept by a memo): the
 * bundle's files are never all held. A patch's workload comes from its path (checkFiles
 * checked it names the same one).
 */
function beginKubernetesRun(ir: MeshIR): VerifierRun {
  const objects = new Map<string, unknown>();
  let kustomizations = 0;
  // The paths handed over, taken in at the end and only when a kustomization is to be resolved:
  // a watch save whose shared files the memo kept resolves none, and indexing every path of
  // the bundle on each save was ~10 ms of it at 1,000 services.
  const handed: (readonly string[])[] = [];
  return {
    verify: async (files) => {
      const out: Diagnostic[] = [];
      // Only the kustomizations are kept (a map of a chunk's every path was most of this loop's cost).
      for (const [path, value] of checkFiles(files, true, out, isKustomization)) { objects.set(path, value); kustomizations++; }
      return out;
    },
    written: (paths) => { handed.push(paths); },
    // No kustomization verified in this run: a memo kept every shared file, unchanged since it was resolved.
    end: () => {
      if (kustomizations === 0) return [];
      for (const paths of handed) {
        for (const path of paths) {
          if (!path.startsWith("kubernetes/") || isKustomization(path)) continue;
          const workload = patchWorkloadOf(path);
          objects.set(path, workload === null ? null : { metadata: { name: workload } });
        }
      }
      return kustomizeDiagnostics(objects, ir);
    },
  };
}

export const kubernetesVerifier: Verifier = {
  target: "kubernetes",
  defaultOn: true,
  missing: () => null,
  verify: async (files, ir) => verifyKubernetesEmitted(files, ir),
  begin: beginKubernetesRun,
};
