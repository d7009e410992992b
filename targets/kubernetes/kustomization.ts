// kustomization.yaml files: the root lists every resource and the sidecar patches
// (`kubectl apply -k kubernetes/`); dev/ adds the self-signed CA bootstrap on top of it
// (`kubectl apply -k kubernetes/dev/`).
import { posix } from "node:path";
import type { Manifest } from "./context.ts";
import { DEV_FOLDER, KUSTOMIZATION_FILE } from "./names.ts";

const KUSTOMIZATION_TYPE = { apiVersion: "kustomize.config.k8s.io/v1beta1", kind: "Kustomization" } as const;

export interface SidecarPatchRef {
  readonly file: string;
  readonly deployment: string;
}

export function buildRootKustomization(namespace: string, resources: readonly Manifest[], patches: readonly SidecarPatchRef[]): Manifest {
  const object = {
    ...KUSTOMIZATION_TYPE,
    namespace,
    resources: resources.map((m) => m.file).sort(),
    patches: patches.map((p) => ({ path: p.file, target: { group: "apps", version: "v1", kind: "Deployment", name: p.deployment } })),
  };
  return { file: KUSTOMIZATION_FILE, object };
}

/** No `namespace:` here: it would be stamped on the cluster-scoped ClusterIssuer, which kustomize does not know. */
export function buildDevKustomization(devResources: readonly Manifest[]): Manifest {
  const object = {
    ...KUSTOMIZATION_TYPE,
    resources: ["..", ...devResources.map((m) => posix.relative(DEV_FOLDER, m.file)).sort()],
  };
  return { file: `${DEV_FOLDER}/${KUSTOMIZATION_FILE}`, object };
}
