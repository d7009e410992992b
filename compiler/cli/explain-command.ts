// `meshc explain`: one request, answered from the IR, with where each decision is written:
// the config's line and the emitted files' blocks (review/explain-locate.ts).
import { compileFile, hasErrors } from "../compile.ts";
import type { NMesh } from "../normalize/model.ts";
import { didYouMean } from "../suggest.ts";
import { explain, formatExplanation, ownersOf } from "../review/explain.ts";
import { formatLocations, locateExplanation, originsOf } from "../review/explain-locate.ts";
import { configPosition } from "../diagnostics/place.ts";
import { printDiagnostics } from "./output.ts";

export interface ExplainOptions { from: string; to: string; method: string; path: string; header?: string[]; format: "text" | "json" }

export async function runExplain(config: string | undefined, opts: ExplainOptions): Promise<number> {
  const r = await compileFile(config, { cwd: process.cwd(), verify: "none", typecheck: false });
  if (hasErrors(r.diagnostics) || !r.ir) {
    printDiagnostics(r.diagnostics, "text", r.config, false);
    return 1;
  }
  // A header given twice stays two values: explain applies the repeated-header rule.
  const headers: Record<string, string[]> = {};
  for (const h of opts.header ?? []) {
    const i = h.indexOf(":");
    if (i <= 0) { process.stderr.write(`meshc explain: header ${JSON.stringify(h)} is not name:value\n`); return 2; }
    const name = h.slice(0, i).trim().toLowerCase();
    headers[name] = [...(headers[name] ?? []), h.slice(i + 1)];
  }
  const e = explain(r.ir, { from: opts.from, to: opts.to, method: opts.method.toUpperCase(), path: opts.path, headers }, r.mesh ? ownersOf(r.mesh) : undefined);
  const unknown = unknownName(r.mesh, opts, e.outcome);
  if (unknown) { process.stderr.write(unknown); return 2; } // a name the mesh does not have: usage error
  // Where the decisions live: the config's lines and the emitted blocks (their traceability markers).
  const locations = locateExplanation(r.ir, e, r.files);
  // Config lines of the origins explain names (in the team's file for a part a module wrote).
  const lines = new Map<string, string | null>();
  if (r.config) for (const origin of originsOf(e)) lines.set(origin, await configPosition(r.config, origin));
  const configLine = (origin: string) => lines.get(origin) ?? null;
  process.stdout.write(opts.format === "json"
    ? JSON.stringify({ ...e, locations }, null, 2) + "\n"
    : formatExplanation(e) + formatLocations(e, locations, configLine));
  return 0;
}

/**
 * --from must name a service or gateway. --to may be any host (a request to a host nobody
 * serves is a fair question: 404); only when nothing answers and it is none of the mesh's
 * service or egress names is it a typo, reported with the closest name.
 */
function unknownName(mesh: NMesh | null, opts: ExplainOptions, outcome: string): string | null {
  if (!mesh) return null;
  const services = mesh.services.map((s) => s.name);
  const gateways = mesh.gateways.map((g) => g.name);
  const sources = [...services, ...gateways];
  const problems: string[] = [];
  if (!sources.includes(opts.from) && !gateways.includes(opts.from.replace(/^gateway-/, ""))) {
    problems.push(`meshc explain: --from ${JSON.stringify(opts.from)} is no service or gateway of ${mesh.name}; ${didYouMean(opts.from, sources) ?? `services: ${services.join(", ")}`}`);
  }
  const destinations = [...services, ...mesh.egress.flatMap((e) => [e.name, e.host])];
  if (outcome === "no-virtual-host" && !destinations.includes(opts.to)) {
    problems.push(`meshc explain: --to ${JSON.stringify(opts.to)} is no service of ${mesh.name} and no route answers to it; ${didYouMean(opts.to, destinations) ?? `services: ${services.join(", ")}`}`);
  }
  return problems.length ? problems.map((p) => `${p}\n`).join("") : null;
}
