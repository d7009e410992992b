// Traceability in Kubernetes (compiler/trace.ts): every object meshc writes carries the
// annotation `meshc.dev/source` naming the service, gateway or mesh it comes from ("service
// catalog"). Set in one pass over the built objects, from the name label each builder
// already sets, so no builder repeats it; an object the pass cannot place is a meshc bug,
// caught by the traceability test, and falls back to the mesh.
import type { MeshIR, ProxyIR } from "../../compiler/ir/types.ts";
import { proxySource, ruleSource, traceText, type TraceSource } from "../../compiler/trace.ts";
import type { Manifest } from "./context.ts";

export const SOURCE_ANNOTATION = "meshc.dev/source";
/** On a NetworkPolicy: the authorization rules whose callers it lets in (L3/L4 shadow of them). */
export const RULES_ANNOTATION = "meshc.dev/rules";

interface ObjectMeta { name?: string; labels?: Record<string, string>; annotations?: Record<string, string> }
interface KubeObject { kind?: string; metadata?: ObjectMeta }

/** What each name label value stands for: workloads, identities and gateway proxies. */
function buildIndex(ir: MeshIR): Map<string, TraceSource> {
  const index = new Map<string, TraceSource>();
  for (const g of ir.infra.gateways) index.set(g.proxy, { kind: "gateway", name: g.name });
  for (const w of ir.infra.workloads) if (!index.has(w.serviceAccount)) index.set(w.serviceAccount, { kind: "service", name: w.name });
  for (const w of ir.infra.workloads) index.set(w.name, { kind: "service", name: w.name });
  return index;
}

/** The first sidecar proxy of each owner (service), as `find` over the proxies would give it. */
export function indexSidecarsByOwner(ir: MeshIR): Map<string, ProxyIR> {
  const out = new Map<string, ProxyIR>();
  for (const p of ir.proxies) if (p.kind === "sidecar" && !out.has(p.owner)) out.set(p.owner, p);
  return out;
}

/** "rule a, rule b": the allow rules (or gateways) that let callers into a service, in the order its proxy checks them. */
function allowRulesOf(sidecars: ReadonlyMap<string, ProxyIR>, service: string): string {
  const proxy = sidecars.get(service);
  if (proxy === undefined) return "";
  const owner = proxySource(proxy);
  const texts = proxy.listeners.flatMap((l) => (l.direction === "inbound" ? l.authorization?.rules ?? [] : []))
    .filter((r) => r.action === "allow").map((r) => traceText(ruleSource(r, owner)));
  return [...new Set(texts)].join(", ");
}

function sourceOf(object: KubeObject, index: ReadonlyMap<string, TraceSource>, mesh: TraceSource): TraceSource {
  const meta = object.metadata ?? {};
  const labels = meta.labels ?? {};
  const named = labels["app.kubernetes.io/name"] ?? labels["kubernetes.io/service-name"];
  if (named !== undefined) return index.get(named) ?? mesh;
  switch (object.kind) {
    // A Gateway API route is named after its gateway; a sidecar patch after its workload.
    case "HTTPRoute": case "GRPCRoute": case "TCPRoute": case "TLSRoute": case "Gateway":
      return { kind: "gateway", name: meta.name ?? "" };
    case "Deployment":
      return index.get(meta.name ?? "") ?? mesh;
    // Namespace, CA issuer and certificate, default-deny policy: the mesh's own.
    default:
      return mesh;
  }
}

/**
 * Adds the annotation to every object except kustomize's own files (Kustomization,
 * Component), which are not applied to the cluster. The objects were built for this emit
 * only, so they are annotated in place.
 */
export function createSourceAnnotator(ir: MeshIR): (manifests: readonly Manifest[]) => void {
  // Built once per IR: the annotator runs once per proxy.
  const index = buildIndex(ir);
  const sidecars = indexSidecarsByOwner(ir);
  const mesh: TraceSource = { kind: "mesh", name: ir.mesh.name };
  // The text of each source of the index (and the mesh's), made once: a workload's objects all name it.
  const texts = new Map<TraceSource, string>();
  const textOf = (source: TraceSource) => {
    let text = texts.get(source);
    if (text === undefined) {
      text = traceText(source);
      if (source === mesh || index.get(source.name) === source) texts.set(source, text);
    }
    return text;
  };
  return (manifests) => annotate(manifests, index, sidecars, mesh, textOf);
}

function annotate(
  manifests: readonly Manifest[], index: ReadonlyMap<string, TraceSource>, sidecars: ReadonlyMap<string, ProxyIR>, mesh: TraceSource,
  textOf: (source: TraceSource) => string,
): void {
  for (const m of manifests) {
    const object = m.object as KubeObject;
    if (object.kind === "Kustomization" || object.kind === "Component") continue;
    const meta = (object.metadata ??= {});
    const source = sourceOf(object, index, mesh);
    const rules = object.kind === "NetworkPolicy" && source.kind === "service" ? allowRulesOf(sidecars, source.name) : "";
    // A copy (the builders may share an annotations object), then the keys set in place: the same
    // members in the same order as spreading them, without a spread of computed keys per object.
    const annotations: Record<string, string> = meta.annotations === undefined ? {} : { ...meta.annotations };
    annotations[SOURCE_ANNOTATION] = textOf(source);
    if (rules) annotations[RULES_ANNOTATION] = rules;
    meta.annotations = annotations;
  }
}
