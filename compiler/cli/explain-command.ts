// `meshc explain`: one request, answered from the IR.
import { compileFile, hasErrors } from "../compile.ts";
import { explain, formatExplanation } from "../review/explain.ts";
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
  const e = explain(r.ir, { from: opts.from, to: opts.to, method: opts.method.toUpperCase(), path: opts.path, headers });
  process.stdout.write(opts.format === "json" ? JSON.stringify(e, null, 2) + "\n" : formatExplanation(e));
  return 0;
}
