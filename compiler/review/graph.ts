// The mesh as a picture: services, gateways and egress as nodes; routes (who sends what
// where) and authorization rules (who may call whom) as edges. Edges between the same two
// nodes of one kind are merged (their route or rule names become the label), so a mesh
// of 1,000 services stays a graph of its call pairs. Built from the normalized config:
// it shows what the config says, in its names. Rendered as Mermaid or Graphviz DOT.
import type { NMesh } from "../normalize/model.ts";

export type NodeKind = "service" | "gateway" | "egress" | "any";
export type EdgeKind = "route" | "allow" | "deny";
export type EdgeStatus = "same" | "added" | "removed" | "changed";

export interface GraphNode { readonly id: string; readonly kind: NodeKind; readonly name: string; readonly label: string }
export interface GraphEdge {
  readonly kind: EdgeKind;
  readonly from: string;
  readonly to: string;
  /** Route or rule names, sorted. */
  readonly names: readonly string[];
  readonly status: EdgeStatus;
}
export interface MeshGraph { readonly nodes: readonly GraphNode[]; readonly edges: readonly GraphEdge[] }

const nodeId = (kind: NodeKind, name: string) => (kind === "any" ? "any" : `${kind === "service" ? "svc" : kind === "gateway" ? "gw" : "ext"}_${name.replace(/[^A-Za-z0-9]/g, "_")}`);

export function buildGraph(mesh: NMesh): MeshGraph {
  const nodes = new Map<string, GraphNode>();
  const node = (kind: NodeKind, name: string, label = name) => {
    const id = nodeId(kind, name);
    if (!nodes.has(id)) nodes.set(id, { id, kind, name, label });
    return id;
  };
  for (const s of mesh.services) node("service", s.name, s.owner === null ? s.name : `${s.name} (${s.owner})`);
  for (const g of mesh.gateways) node("gateway", g.name, `${g.name}: ${g.hosts.join(", ")}`);
  const edges = new Map<string, { kind: EdgeKind; from: string; to: string; names: Set<string> }>();
  const edge = (kind: EdgeKind, from: string, to: string, name: string) => {
    const key = `${kind} ${from} ${to}`;
    const e = edges.get(key) ?? { kind, from, to, names: new Set<string>() };
    e.names.add(name);
    edges.set(key, e);
  };
  for (const r of mesh.routes) {
    const targets = r.action.kind === "forward" ? [...new Set(r.action.backends.map((b) => b.service))] : [r.to];
    for (const src of r.sources) {
      for (const to of targets) edge("route", node(src.kind === "gateway" ? "gateway" : "service", src.name), node("service", to), r.name);
    }
  }
  const gateways = new Set(mesh.gateways.map((g) => `gateway-${g.name}`));
  for (const rule of mesh.authorization) {
    const to = node("service", rule.to);
    const from = rule.from === null ? [node("any", "any caller")]
      : rule.from.map((f) => (gateways.has(f) ? node("gateway", f.slice("gateway-".length)) : node("service", f)));
    for (const f of from) edge(rule.action, f, to, rule.name);
  }
  for (const e of mesh.egress) {
    const to = node("egress", e.name, `${e.name}: ${e.host}:${e.port}`);
    for (const f of e.from) edge("route", node("service", f), to, `egress ${e.name}`);
  }
  const sortedEdges = [...edges.values()].map((e) => ({ kind: e.kind, from: e.from, to: e.to, names: [...e.names].sort(), status: "same" as EdgeStatus }))
    .sort((a, b) => (`${a.from} ${a.to} ${a.kind}` < `${b.from} ${b.to} ${b.kind}` ? -1 : 1));
  return { nodes: [...nodes.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)), edges: sortedEdges };
}

/**
 * Both graphs in one: edges only before are "removed", only after "added", and an edge
 * whose route or rule names include a changed one is "changed".
 */
export function diffGraphs(before: MeshGraph, after: MeshGraph, changedNames: ReadonlySet<string>): MeshGraph {
  const key = (e: GraphEdge) => `${e.kind} ${e.from} ${e.to}`;
  const old = new Map(before.edges.map((e) => [key(e), e]));
  const now = new Map(after.edges.map((e) => [key(e), e]));
  const edges: GraphEdge[] = [];
  for (const [k, e] of now) {
    const was = old.get(k);
    const status: EdgeStatus = was === undefined ? "added"
      : e.names.some((n) => changedNames.has(n)) || was.names.join() !== e.names.join() ? "changed" : "same";
    edges.push({ ...e, status });
  }
  for (const [k, e] of old) if (!now.has(k)) edges.push({ ...e, status: "removed" });
  const nodes = new Map([...before.nodes, ...after.nodes].map((n) => [n.id, n]));
  edges.sort((a, b) => (`${a.from} ${a.to} ${a.kind}` < `${b.from} ${b.to} ${b.kind}` ? -1 : 1));
  return { nodes: [...nodes.values()].sort((a, b) => (a.id < b.id ? -1 : 1)), edges };
}

/**
 * At most `maxEdges` edges: all of them when they fit, else the changed ones and the
 * edges around their nodes (the neighbourhood), then the changed ones alone, cut at the
 * limit. Returns how many edges were left out.
 */
export function boundGraph(graph: MeshGraph, maxEdges: number): { graph: MeshGraph; omitted: number } {
  if (graph.edges.length <= maxEdges) return { graph, omitted: 0 };
  const changed = graph.edges.filter((e) => e.status !== "same");
  const touched = new Set(changed.flatMap((e) => [e.from, e.to]));
  const around = graph.edges.filter((e) => e.status !== "same" || (touched.has(e.from) && touched.has(e.to)));
  const edges = (around.length <= maxEdges ? around : changed).slice(0, maxEdges);
  const used = new Set(edges.flatMap((e) => [e.from, e.to]));
  return { graph: { nodes: graph.nodes.filter((n) => used.has(n.id)), edges }, omitted: graph.edges.length - edges.length };
}

const quote = (s: string) => s.replace(/"/g, "#quot;");
const SHAPE: Readonly<Record<NodeKind, [string, string]>> = { service: ["[\"", "\"]"], gateway: ["{{\"", "\"}}"], egress: ["[/\"", "\"/]"], any: ["((\"", "\"))"] };
const ARROW: Readonly<Record<EdgeKind, string>> = { route: "-->", allow: "-.->", deny: "-.-x" };
const STATUS_STYLE: Readonly<Record<Exclude<EdgeStatus, "same">, string>> = {
  added: "stroke:#2da44e,stroke-width:3px", removed: "stroke:#cf222e,stroke-width:3px,stroke-dasharray:4", changed: "stroke:#bf8700,stroke-width:3px",
};

function edgeLabel(e: GraphEdge): string {
  const names = e.names.length <= 2 ? e.names.join(", ") : `${e.names.slice(0, 2).join(", ")} +${e.names.length - 2}`;
  const what = e.kind === "route" ? names : `${e.kind} ${names}`;
  return e.status === "same" ? what : `${e.status}: ${what}`;
}

export function formatMermaid(graph: MeshGraph): string {
  const lines = ["flowchart LR"];
  for (const n of graph.nodes) lines.push(`  ${n.id}${SHAPE[n.kind][0]}${quote(n.label)}${SHAPE[n.kind][1]}`);
  const styled = new Map<string, number[]>();
  graph.edges.forEach((e, i) => {
    lines.push(`  ${e.from} ${ARROW[e.kind]}|"${quote(edgeLabel(e))}"| ${e.to}`);
    if (e.status !== "same") styled.set(e.status, [...(styled.get(e.status) ?? []), i]);
  });
  for (const [status, indexes] of styled) lines.push(`  linkStyle ${indexes.join(",")} ${STATUS_STYLE[status as Exclude<EdgeStatus, "same">]}`);
  return lines.join("\n") + "\n";
}

const dotString = (s: string) => `"${s.replace(/\\/g, "\\\\").replace(/"/g, "\\\"")}"`;
const DOT_SHAPE: Readonly<Record<NodeKind, string>> = { service: "box", gateway: "hexagon", egress: "parallelogram", any: "ellipse" };
const DOT_COLOR: Readonly<Record<EdgeStatus, string>> = { same: "black", added: "darkgreen", removed: "red", changed: "orange" };

export function formatDot(graph: MeshGraph): string {
  const lines = ["digraph mesh {", "  rankdir=LR;"];
  for (const n of graph.nodes) lines.push(`  ${dotString(n.id)} [label=${dotString(n.label)}, shape=${DOT_SHAPE[n.kind]}];`);
  for (const e of graph.edges) {
    const style = e.kind === "route" ? "solid" : "dashed";
    const head = e.kind === "deny" ? ", arrowhead=tee" : "";
    lines.push(`  ${dotString(e.from)} -> ${dotString(e.to)} [label=${dotString(edgeLabel(e))}, style=${style}, color=${DOT_COLOR[e.status]}${head}];`);
  }
  lines.push("}");
  return lines.join("\n") + "\n";
}
