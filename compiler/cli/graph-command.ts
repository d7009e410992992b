// `meshc graph`: the mesh as Mermaid, Graphviz DOT or SVG, from the normalized config (no
// target is emitted). SVG is the DOT text laid out by Graphviz compiled to WebAssembly
// (@viz-js/viz): no browser and no native binary, so it works wherever Node does; it is
// loaded only for `--format svg`.
import { compileFile, hasErrors } from "../compile.ts";
import { buildGraph, formatDot, formatMermaid } from "../review/graph.ts";
import { printDiagnostics } from "./output.ts";

export async function renderSvg(dot: string): Promise<string> {
  const { instance } = await import("@viz-js/viz");
  const viz = await instance();
  return viz.renderString(dot, { format: "svg", engine: "dot" });
}

export async function runGraph(config: string | undefined, opts: { format: "mermaid" | "dot" | "svg" }): Promise<number> {
  const r = await compileFile(config, { cwd: process.cwd(), targets: [], verify: "none", typecheck: false });
  if (hasErrors(r.diagnostics) || r.mesh === null) {
    printDiagnostics(r.diagnostics, "text", r.config, false);
    return 1;
  }
  const graph = buildGraph(r.mesh);
  const text = opts.format === "mermaid" ? formatMermaid(graph) : formatDot(graph);
  process.stdout.write(opts.format === "svg" ? await renderSvg(text) : text);
  return 0;
}
