// Resolves the emitted kustomizations the way `kubectl kustomize` would, without
// kubectl (not installable here): every resource and patch named exists inside the
// root, directory entries are kustomizations, patches target a pod workload's
// Deployment by name, and no manifest is left unlisted (kubectl would skip it silently).
import { posix } from "node:path";
import type { MeshIR } from "../../compiler/ir/types.ts";
import { KUSTOMIZATION_FILE } from "./names.ts";
import { isVmWorkload } from "./workloads.ts";

export type KustomizeRule = "kustomizationResourceMissing" | "kustomizationFileUnlisted" | "kustomizationPatchTarget";
export interface KustomizeFinding {
  readonly rule: KustomizeRule;
  readonly file: string;
  readonly path: string;
  readonly message: string;
}

interface Kustomization {
  resources?: unknown;
  patches?: { path?: unknown; target?: { kind?: unknown; name?: unknown } }[];
}

/**
 * `objects`: every parsed file of the bundle's `kubernetes/` folder, keyed by bundle path.
 * Returns the findings and the resources each kustomization pulls in (for render checks).
 */
export function resolveKustomizations(objects: ReadonlyMap<string, unknown>, ir: MeshIR, root = "kubernetes"): KustomizeFinding[] {
  const findings: KustomizeFinding[] = [];
  const listed = new Set<string>();
  const podWorkloads = new Set(ir.infra.workloads.filter((w) => !isVmWorkload(w)).map((w) => w.name));
  const inRoot = (p: string) => p === root || p.startsWith(`${root}/`);
  for (const [file, value] of objects) {
    if (posix.basename(file) !== KUSTOMIZATION_FILE) continue;
    listed.add(file);
    const dir = posix.dirname(file);
    const k = value as Kustomization;
    const resources = Array.isArray(k.resources) ? k.resources : [];
    resources.forEach((entry, i) => {
      const target = posix.normalize(posix.join(dir, String(entry)));
      const path = `resources[${i}]`;
      // A directory is accepted only as another kustomization inside the bundle root.
      if (!inRoot(target)) findings.push({ rule: "kustomizationResourceMissing", file, path, message: `"${entry}" lies outside the kustomization root "${root}"` });
      else if (objects.has(`${target}/${KUSTOMIZATION_FILE}`)) listed.add(`${target}/${KUSTOMIZATION_FILE}`);
      else if (!objects.has(target)) findings.push({ rule: "kustomizationResourceMissing", file, path, message: `resource "${entry}" is not in the bundle` });
      else if (posix.dirname(target) !== dir && !target.startsWith(`${dir}/`)) findings.push({ rule: "kustomizationResourceMissing", file, path, message: `file "${entry}" is outside this kustomization's root; kustomize refuses it` });
      else listed.add(target);
    });
    (k.patches ?? []).forEach((patch, i) => {
      const target = posix.normalize(posix.join(dir, String(patch.path)));
      const path = `patches[${i}]`;
      if (!target.startsWith(`${dir}/`) || !objects.has(target)) {
        findings.push({ rule: "kustomizationResourceMissing", file, path: `${path}.path`, message: `patch "${patch.path}" is not in the bundle under ${dir}/` });
        return;
      }
      listed.add(target);
      const body = (objects.get(target) ?? {}) as { kind?: unknown; metadata?: { name?: unknown } };
      const name = patch.target?.name;
      if (patch.target?.kind !== "Deployment" || body.kind !== "Deployment" || body.metadata?.name !== name || !podWorkloads.has(String(name))) {
        findings.push({ rule: "kustomizationPatchTarget", file, path: `${path}.target`, message: `patch "${patch.path}" must target the Deployment of a pod workload by name (target ${String(patch.target?.kind)}/${String(name)}, patch ${String(body.kind)}/${String(body.metadata?.name)})` });
      }
    });
  }
  for (const file of objects.keys()) {
    if (!listed.has(file)) findings.push({ rule: "kustomizationFileUnlisted", file, path: "", message: `${file} is listed by no kustomization` });
  }
  return findings;
}
