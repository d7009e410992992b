// Resolves the emitted kustomizations the way `kubectl kustomize` would, in-process (the
// real kustomize runs in the tests): every resource and patch named exists inside the
// root, directory entries are kustomizations, sidecar patches live in the Component and
// select a pod workload's Deployments/StatefulSets/DaemonSets by its workload labels
// (a patch in a plain Kustomization would only see the bundle's own objects, and
// kustomize drops it silently), and no manifest is left unlisted.
import { posix } from "node:path";
import type { MeshIR, WorkloadIR } from "../../compiler/ir/types.ts";
import { formatLabelSelector, INJECTED_KIND_PATTERN } from "./kustomization.ts";
import { isKustomizationPath, KUSTOMIZATION_FILE } from "./names.ts";
import { isVmWorkload } from "./workloads.ts";

export type KustomizeRule = "kustomizationResourceMissing" | "kustomizationFileUnlisted" | "kustomizationPatchTarget";
export interface KustomizeFinding {
  readonly rule: KustomizeRule;
  readonly file: string;
  readonly path: string;
  readonly message: string;
}

interface Kustomization {
  kind?: unknown;
  resources?: unknown;
  patches?: { path?: unknown; target?: { kind?: unknown; name?: unknown; labelSelector?: unknown } }[];
}

/** A relative path without empty, "." or ".." segments: joined to a normal folder, the path is already normal. */
const PLAIN_RELATIVE = /^(?:(?!\.\.?(?:\/|$))[^/]+(?:\/|$))+$/;
export const isNormalDir = (dir: string) => dir !== "." && !dir.endsWith("/") && posix.normalize(dir) === dir;

/**
 * posix.normalize(posix.join(dir, entry)); a root kustomization lists thousands of plain relative
 * paths, which are joined as text (`normalDir`: isNormalDir(dir), decided once per kustomization).
 */
export function joinEntry(dir: string, normalDir: boolean, entry: unknown): string {
  const text = String(entry);
  // One segment (no `/`, not empty, `.` or `..`) is what PLAIN_RELATIVE takes of a text without `/`: no regex for a file name.
  const plain = text.includes("/") ? PLAIN_RELATIVE.test(text) : text !== "" && text !== "." && text !== "..";
  return normalDir && plain ? `${dir}/${text}` : posix.normalize(posix.join(dir, text));
}

/**
 * `objects`: every parsed file of the bundle's `kubernetes/` folder, keyed by bundle path.
 * Returns the findings and the resources each kustomization pulls in (for render checks).
 */
export function resolveKustomizations(objects: ReadonlyMap<string, unknown>, ir: MeshIR, root = "kubernetes"): KustomizeFinding[] {
  const findings: KustomizeFinding[] = [];
  const listed = new Set<string>();
  const podWorkloads = new Map<string, WorkloadIR>();
  for (const w of ir.infra.workloads) if (!isVmWorkload(w)) podWorkloads.set(w.name, w);
  const rootSlash = `${root}/`;
  const inRoot = (p: string) => p === root || p.startsWith(rootSlash);
  // The kustomizations, and the folders holding one: an entry is a folder when
  // `objects.has(<entry>/<KUSTOMIZATION_FILE>)`, and asking so for every entry of a root listing
  // thousands made two strings per entry. forEach, not an iterator: no pair per file.
  const kustomizations: [string, unknown][] = [];
  const kustomizationDirs = new Set<string>();
  const suffix = `/${KUSTOMIZATION_FILE}`;
  objects.forEach((value, file) => {
    if (file.endsWith(suffix)) kustomizationDirs.add(file.slice(0, -suffix.length));
    if (isKustomizationPath(file)) kustomizations.push([file, value]);
  });
  for (const [file, value] of kustomizations) {
    listed.add(file);
    const dir = posix.dirname(file);
    const normalDir = isNormalDir(dir);
    const dirSlash = `${dir}/`;
    const k = value as Kustomization;
    const resources = Array.isArray(k.resources) ? k.resources : [];
    for (let i = 0; i < resources.length; i++) {
      const entry: unknown = resources[i];
      const target = joinEntry(dir, normalDir, entry);
      // A directory is accepted only as another kustomization inside the bundle root.
      if (!inRoot(target)) findings.push({ rule: "kustomizationResourceMissing", file, path: `resources[${i}]`, message: `"${entry}" lies outside the kustomization root "${root}"` });
      else if (kustomizationDirs.has(target)) listed.add(`${target}${suffix}`);
      else if (!objects.has(target)) findings.push({ rule: "kustomizationResourceMissing", file, path: `resources[${i}]`, message: `resource "${entry}" is not in the bundle` });
      else if (!target.startsWith(dirSlash) && posix.dirname(target) !== dir) findings.push({ rule: "kustomizationResourceMissing", file, path: `resources[${i}]`, message: `file "${entry}" is outside this kustomization's root; kustomize refuses it` });
      else listed.add(target);
    }
    (k.patches ?? []).forEach((patch, i) => {
      const target = joinEntry(dir, normalDir, patch.path);
      if (!target.startsWith(dirSlash) || !objects.has(target)) {
        findings.push({ rule: "kustomizationResourceMissing", file, path: `patches[${i}].path`, message: `patch "${patch.path}" is not in the bundle under ${dir}/` });
        return;
      }
      listed.add(target);
      const body = (objects.get(target) ?? {}) as { metadata?: { name?: unknown } };
      const workload = podWorkloads.get(String(body.metadata?.name));
      const selector = workload ? formatLabelSelector(workload.workloadLabels) : null;
      if (k.kind !== "Component") {
        findings.push({ rule: "kustomizationPatchTarget", file, path: `patches[${i}]`, message: `patch "${patch.path}" is in a ${String(k.kind)}: its patches only see that kustomization's own resources, never the user's workloads; sidecar patches belong in the Component` });
      } else if (!workload || patch.target?.kind !== INJECTED_KIND_PATTERN || patch.target?.labelSelector !== selector) {
        findings.push({ rule: "kustomizationPatchTarget", file, path: `patches[${i}].target`, message: `patch "${patch.path}" must select ${INJECTED_KIND_PATTERN} by the workload labels of the pod workload it is for (target ${String(patch.target?.kind)} "${String(patch.target?.labelSelector)}", patch for ${String(body.metadata?.name)}${selector === null ? ", no such pod workload" : `, labels "${selector}"`})` });
      }
    });
  }
  objects.forEach((_, file) => {
    if (!listed.has(file)) findings.push({ rule: "kustomizationFileUnlisted", file, path: "", message: `${file} is listed by no kustomization` });
  });
  return findings;
}
