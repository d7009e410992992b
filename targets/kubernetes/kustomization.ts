// kustomization.yaml files: the root lists the mesh's own objects (`kubectl apply -k
// kubernetes/`); sidecars/ is a kustomize Component whose patches inject the sidecar into the
// user's workloads, selected by labels, in the overlay that holds the app (a base's patches
// only ever see that base's resources, so injection must be a Component of the app's
// overlay); dev/ adds the self-signed CA bootstrap on top of the root.
import { posix } from "node:path";
import type { WorkloadIR } from "../../compiler/ir/types.ts";
import type { Manifest } from "./context.ts";
import { DEV_FOLDER, KUSTOMIZATION_FILE, SIDECARS_FOLDER } from "./names.ts";

const KUSTOMIZATION_TYPE = { apiVersion: "kustomize.config.k8s.io/v1beta1", kind: "Kustomization" } as const;
export const COMPONENT_TYPE = { apiVersion: "kustomize.config.k8s.io/v1alpha1", kind: "Component" } as const;

/** The pod-template kinds a sidecar patch applies to (a kustomize target kind is an anchored regex). */
export const INJECTED_KINDS = ["Deployment", "StatefulSet", "DaemonSet"] as const;
export const INJECTED_KIND_PATTERN = INJECTED_KINDS.join("|");

export interface SidecarPatchRef {
  readonly file: string;
  readonly workload: WorkloadIR;
}

/** `app=reviews,tier=web`: kustomize's label selector syntax; keys are sorted in the IR. */
export function formatLabelSelector(labels: Readonly<Record<string, string>>): string {
  // Object.entries' order and text, without its pairs (the verifier formats every patch's selector).
  const keys = Object.keys(labels);
  let text = "";
  for (let i = 0; i < keys.length; i++) text += `${i === 0 ? "" : ","}${keys[i]!}=${labels[keys[i]!]!}`;
  return text;
}

/** `resources`: the files of every object the root applies (names only: most are emitted with their proxy's files). */
export function buildRootKustomization(namespace: string, resources: readonly string[]): Manifest {
  const object = { ...KUSTOMIZATION_TYPE, namespace, resources: [...resources].sort() };
  return { file: KUSTOMIZATION_FILE, object };
}

/**
 * posix.relative(SIDECARS_FOLDER, file), which resolves both against the working directory on
 * every call: a patch file is `sidecars/patches/<workload>.yaml` (no empty, `.` or `..`
 * segment), whose relative path is the rest after the prefix; any other path goes through posix.relative.
 */
const SIDECARS_PREFIX = `${SIDECARS_FOLDER}/`;
const PLAIN_BELOW = /^(?:(?!\.\.?(?:\/|$))[^/]+(?:\/|$))+$/;
export function relativeToSidecars(file: string): string {
  const rest = file.slice(SIDECARS_PREFIX.length);
  return file.startsWith(SIDECARS_PREFIX) && PLAIN_BELOW.test(rest) && !rest.endsWith("/") ? rest : posix.relative(SIDECARS_FOLDER, file);
}

/** One patch per workload, applied to every Deployment/StatefulSet/DaemonSet carrying all its workload labels. */
export function buildSidecarComponent(patches: readonly SidecarPatchRef[]): Manifest {
  const object = {
    ...COMPONENT_TYPE,
    patches: patches.map((p) => ({
      path: relativeToSidecars(p.file),
      target: { group: "apps", version: "v1", kind: INJECTED_KIND_PATTERN, labelSelector: formatLabelSelector(p.workload.workloadLabels) },
    })),
  };
  return { file: `${SIDECARS_FOLDER}/${KUSTOMIZATION_FILE}`, object };
}

/** No `namespace:` here: it would be stamped on the cluster-scoped ClusterIssuer, which kustomize does not know. */
export function buildDevKustomization(devResources: readonly Manifest[]): Manifest {
  const object = {
    ...KUSTOMIZATION_TYPE,
    resources: ["..", ...devResources.map((m) => posix.relative(DEV_FOLDER, m.file)).sort()],
  };
  return { file: `${DEV_FOLDER}/${KUSTOMIZATION_FILE}`, object };
}
