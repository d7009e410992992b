// `meshc graph` and the graph in the diff comment, read back structurally: the Mermaid and
// DOT texts are parsed into nodes and edges and compared with what the shop example says
// (gateway routes, service routes, allow and deny rules), and a change is coloured.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync } from "node:child_process";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { compileLoaded } from "../../compiler/compile.ts";
import { configFromValue } from "../../compiler/testing.ts";
import { boundGraph, buildGraph, diffGraphs, formatMermaid } from "../../compiler/review/graph.ts";
import { generateMesh } from "../../bench/generate.ts";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
const BIN = join(ROOT, "compiler", "cli", "meshc.js");
const SHOP = join(ROOT, "examples", "shop", "mesh.config.ts");

interface Parsed { nodes: Map<string, string>; edges: { from: string; to: string; arrow: string; label: string }[]; styles: Map<number, string> }

function parseMermaid(text: string): Parsed {
  const lines = text.trimEnd().split("\n");
  assert.is(lines[0], "flowchart LR");
  const nodes = new Map<string, string>();
  const edges: Parsed["edges"] = [];
  const styles = new Map<number, string>();
  for (const line of lines.slice(1)) {
    const edge = /^ {2}(\w+) (-->|-\.->|-\.-x)\|"([^"]*)"\| (\w+)$/.exec(line);
    const node = /^ {2}(\w+)(?:\["|\{\{"|\[\/"|\(\(")([^"]*)(?:"\]|"\}\}|"\/\]|"\)\))$/.exec(line);
    const style = /^ {2}linkStyle ([\d,]+) (.+)$/.exec(line);
    if (edge) edges.push({ from: edge[1]!, arrow: edge[2]!, label: edge[3]!, to: edge[4]! });
    else if (node) nodes.set(node[1]!, node[2]!);
    else if (style) for (const i of style[1]!.split(",")) styles.set(Number(i), style[2]!);
    else assert.unreachable(`unparsed Mermaid line: ${line}`);
  }
  for (const e of edges) assert.ok(nodes.has(e.from) && nodes.has(e.to), `edge ${e.from} -> ${e.to} names declared nodes`);
  return { nodes, edges, styles };
}

function parseDot(text: string) {
  assert.match(text, /^digraph mesh \{\n/);
  assert.match(text, /\n\}\n$/);
  const nodes = [...text.matchAll(/^ {2}"(\w+)" \[label="([^"]*)", shape=(\w+)\];$/gm)].map((m) => m[1]!);
  const edges = [...text.matchAll(/^ {2}"(\w+)" -> "(\w+)" \[label="([^"]*)", style=(\w+), color=(\w+)/gm)].map((m) => ({ from: m[1]!, to: m[2]!, label: m[3]!, style: m[4]! }));
  return { nodes, edges };
}

const run = (...args: string[]) => spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, encoding: "utf8" });

test("meshc graph: the shop's gateway, services, routes and callers as Mermaid", () => {
  const r = run("graph", SHOP);
  assert.is(r.status, 0, r.stderr);
  const g = parseMermaid(r.stdout);
  assert.match(g.nodes.get("gw_edge")!, /^edge: /);
  assert.ok(g.nodes.has("svc_payments") && g.nodes.has("svc_ledger"));
  const has = (from: string, to: string, arrow: string, label: RegExp) =>
    g.edges.some((e) => e.from === from && e.to === to && e.arrow === arrow && label.test(e.label));
  assert.ok(has("gw_edge", "svc_web", "-->", /edge-web/), "the gateway routes to web");
  assert.ok(has("svc_api", "svc_catalog", "-->", /catalog/), "api routes to catalog");
  assert.ok(has("svc_api", "svc_catalog", "-.->", /^allow api-reads-catalog$/), "api may call catalog");
  assert.ok(g.edges.some((e) => e.arrow === "-.-x" && /^deny /.test(e.label)), "a deny rule");
  assert.is(g.styles.size, 0, "nothing is marked changed in a plain graph");
});

test("meshc graph --format dot: the same nodes and edges", () => {
  const mermaid = parseMermaid(run("graph", SHOP).stdout);
  const r = run("graph", SHOP, "--format", "dot");
  assert.is(r.status, 0, r.stderr);
  const dot = parseDot(r.stdout);
  assert.equal(dot.nodes.sort(), [...mermaid.nodes.keys()].sort());
  assert.equal(dot.edges.map((e) => `${e.from}>${e.to}:${e.label}`).sort(), mermaid.edges.map((e) => `${e.from}>${e.to}:${e.label}`).sort());
  assert.ok(dot.edges.some((e) => e.style === "dashed") && dot.edges.some((e) => e.style === "solid"));
});

test("meshc graph --format svg: Graphviz's layout of the same DOT, every node and edge drawn, same bytes twice", () => {
  const dot = parseDot(run("graph", SHOP, "--format", "dot").stdout);
  const r = run("graph", SHOP, "--format", "svg");
  assert.is(r.status, 0, r.stderr);
  assert.match(r.stdout, /^<\?xml [^>]*\?>\n<!DOCTYPE svg /);
  assert.match(r.stdout, /<svg [^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
  assert.match(r.stdout, /<\/svg>\n?$/);
  // Graphviz titles each node with its id and each edge "from->to" (the arrow escaped in XML).
  const titles = [...r.stdout.matchAll(/<title>([^<]*)<\/title>/g)].map((m) => m[1]!.replace(/&#45;&gt;/g, "->"));
  for (const n of dot.nodes) assert.ok(titles.includes(n), `node ${n} drawn`);
  for (const e of dot.edges) assert.ok(titles.includes(`${e.from}->${e.to}`), `edge ${e.from} -> ${e.to} drawn`);
  assert.is(r.stdout.match(/<g id="edge\d+" class="edge">/g)?.length, dot.edges.length);
  assert.is(run("graph", SHOP, "--format", "svg").stdout, r.stdout);
});

async function meshOf(value: Record<string, unknown>) {
  const r = await compileLoaded(configFromValue(value), { cwd: ".", targets: [], verify: "none" });
  return r.mesh!;
}

test("a diff graph colours added, removed and changed edges; a large one keeps only the changed neighbourhood", async () => {
  const before = generateMesh(300) as { routes: Record<string, unknown>[]; authorization: Record<string, unknown>[] };
  const after = structuredClone(before);
  after.routes = after.routes.filter((r) => r.name !== "r5-any");
  after.authorization.push({ name: "new-caller", allow: { from: ["svc-7"], to: "svc-200" } });
  const full = diffGraphs(buildGraph(await meshOf(before)), buildGraph(await meshOf(after)), new Set(["r9-orders"]));
  assert.ok(full.edges.length > 1000);
  const { graph, omitted } = boundGraph(full, 60);
  assert.ok(graph.edges.length <= 60 && omitted === full.edges.length - graph.edges.length);
  const g = parseMermaid(formatMermaid(graph));
  const status = (from: string, to: string, label: RegExp) => {
    const i = g.edges.findIndex((e) => e.from === from && e.to === to && label.test(e.label));
    assert.ok(i >= 0, `${from} -> ${to} ${label} is shown`);
    return g.styles.get(i);
  };
  assert.match(status("svc_svc_5", "svc_svc_7", /^removed: r5-any$/) ?? "", /stroke:#cf222e/);
  assert.match(status("svc_svc_7", "svc_svc_200", /^added: allow new-caller$/) ?? "", /stroke:#2da44e/);
  assert.match(status("svc_svc_9", "svc_svc_10", /^changed: r9-items, r9-orders$/) ?? "", /stroke:#bf8700/);
  // The neighbourhood: unchanged edges shown are between nodes a change touches.
  const touched = new Set(g.edges.filter((_, i) => g.styles.has(i)).flatMap((e) => [e.from, e.to]));
  assert.ok(g.edges.every((e) => touched.has(e.from) && touched.has(e.to)));
});

test.run();
