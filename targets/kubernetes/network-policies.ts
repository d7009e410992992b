// L3/L4 reachability from infra.networkPolicies: ingress to a workload's pods from the
// pods (or VM addresses) of the workloads allowed to call it, on the listed ports only;
// plus default-deny for mesh members. A second fence behind the proxies' mTLS authorization.
// A workload's policies are emitted with its proxy's files; default-deny with the shared ones.
import { NetworkPolicy } from "kubernetes-models/networking.k8s.io/v1/NetworkPolicy";
import type { NetworkPolicyIR, WorkloadIR } from "../../compiler/ir/types.ts";
import { kubernetesCodes as codes } from "./codes.ts";
import { buildMetadata, buildModelObject, type EmitContext, type Manifest } from "./context.ts";
import { GATEWAY_NAME_LABEL, manifestFileName, MESH_MEMBER_LABEL } from "./names.ts";
import { copyLabels, isVmWorkload } from "./workloads.ts";

type Peer = { podSelector: { matchLabels: Record<string, string> } } | { ipBlock: { cidr: string } };

const hostCidr = (address: string) => (address.includes(":") ? `${address}/128` : `${address}/32`);

/** Pods of a workload by its selector, a gateway's pods by the Gateway API label, a VM by its addresses. */
function collectPeers(ctx: EmitContext, source: string, target: string): Peer[] {
  const workload = ctx.workloadByName.get(source);
  if (workload) {
    if (!isVmWorkload(workload)) return [{ podSelector: { matchLabels: copyLabels(workload.selector) } }];
    if (workload.dnsEndpoints !== undefined) {
      ctx.report(codes.dnsPeerUnadmitted, {
        message: `"${source}" runs outside Kubernetes at ${workload.dnsEndpoints.map((e) => e.address).join(", ")}: the NetworkPolicy of "${target}" admits IP blocks, not names, so its connections from there are refused although the authorization allows them`,
        path: `services.${source}.endpoints`,
        hint: `give ${source} its IP addresses as endpoints (the policy then admits them as IP blocks)`,
      });
    }
    const addresses = [...new Set(workload.staticEndpoints.map((e) => e.address))];
    return addresses.map((address) => ({ ipBlock: { cidr: hostCidr(address) } }));
  }
  const gateway = ctx.gatewayByProxy.get(source);
  if (gateway) return [{ podSelector: { matchLabels: { [GATEWAY_NAME_LABEL]: gateway.name } } }];
  return [];
}

function buildPolicy(ctx: EmitContext, policy: NetworkPolicyIR, target: WorkloadIR): Manifest {
  const ports = policy.ports.map((port) => ({ port, protocol: "TCP" as const }));
  // A null `from` allows any source: a rule without `from`. Kubernetes reads a rule whose `from`
  // is empty as matching all sources too, so when no source can be named (none allowed, or only
  // callers a policy cannot name) the policy has no ingress rule at all: it admits nothing.
  const from = policy.from === null ? undefined : policy.from.flatMap((source) => collectPeers(ctx, source, target.name));
  const name = `allow-to-${target.name}`;
  const spec: { podSelector: { matchLabels: Record<string, string> }; policyTypes: "Ingress"[]; ingress?: ({ ports: typeof ports } | { from: Peer[]; ports: typeof ports })[] } = {
    podSelector: { matchLabels: copyLabels(target.selector) },
    policyTypes: ["Ingress"],
  };
  if (from === undefined) spec.ingress = [{ ports }];
  else if (from.length > 0) spec.ingress = [{ from, ports }];
  const object = buildModelObject(NetworkPolicy, { metadata: buildMetadata(ctx, name, target.name), spec });
  return { file: policyFileName(target), object };
}

export function buildDefaultDeny(ctx: EmitContext): Manifest {
  const name = "default-deny-ingress";
  const object = buildModelObject(NetworkPolicy, {
    metadata: buildMetadata(ctx, name),
    // Only mesh members: a gateway or unrelated pod in the namespace keeps its own ingress.
    spec: { podSelector: { matchLabels: { [MESH_MEMBER_LABEL]: ctx.ir.mesh.name } }, policyTypes: ["Ingress"] },
  });
  return { file: manifestFileName("NetworkPolicy", name), object };
}

/** The NetworkPolicies of one workload (the IR's policies whose target it is); a VM gets none, and a note says so. */
export function buildWorkloadPolicies(ctx: EmitContext, target: WorkloadIR, policies: readonly NetworkPolicyIR[]): Manifest[] {
  const out: Manifest[] = [];
  for (const policy of policies) {
    if (isVmWorkload(target)) {
      ctx.report(codes.networkPolicyOnVm, {
        message: `"${target.name}" runs outside Kubernetes: no NetworkPolicy restricts who reaches it; its proxy's mTLS authorization still does`,
        path: `infra.networkPolicies.${policy.target}`,
      });
      continue;
    }
    out.push(buildPolicy(ctx, policy, target));
  }
  return out;
}

/** The file of a workload's policy (the names pass of the kustomization). */
export const policyFileName = (target: WorkloadIR) => manifestFileName("NetworkPolicy", `allow-to-${target.name}`);
