// Where the emitted files implement an explanation's decisions: the matched route in the
// caller's proxy files and each deciding authorization rule in the destination's, as
// `nginx/web.conf:88`. Found by reading the traceability markers the targets write
// (compiler/trace.ts) back out of the text, so what is named is what was emitted:
// `# route X` above an nginx or HAProxy block, `metadata.filter_metadata.meshc.source` on
// an Envoy route, and for rules Envoy's RBAC policy keys (policies carry no metadata).
import type { MeshIR, ProxyIR } from "../ir/types.ts";
import type { EmittedFile } from "../target.ts";
import { proxySource, routeSource, ruleSource, traceComment, traceText, type TraceSource } from "../trace.ts";
import type { Explanation } from "./explain-types.ts";

/** One file and the 1-based lines of the blocks in it that implement a decision. */
export interface TargetLines { readonly file: string; readonly lines: readonly number[] }

export interface ExplainLocations {
  /** The matched route, in the caller's proxy files; empty without a match. */
  readonly route: readonly TargetLines[];
  /** Each destination's deciding rule, in that destination's proxy files. */
  readonly rules: readonly { readonly service: string; readonly rule: string; readonly at: readonly TargetLines[] }[];
}

/** The proxy files a target writes for `proxy`: one a proxy target. */
function proxyFiles(files: readonly EmittedFile[], proxy: string): EmittedFile[] {
  const wanted = new Set([`nginx/${proxy}.conf`, `haproxy/${proxy}.cfg`, `envoy/${proxy}.yaml`]);
  return files.filter((f) => wanted.has(f.path)).sort((a, b) => (a.path < b.path ? -1 : 1));
}

const indentOf = (line: string) => line.length - line.trimStart().length;

/** `# <text>` comments: the line after each is the block it names. */
function commentLines(lines: readonly string[], source: TraceSource): number[] {
  const marker = traceComment(source);
  const out: number[] = [];
  lines.forEach((line, i) => { if (line.trim() === marker && i + 1 < lines.length) out.push(i + 2); });
  return out;
}

/** Envoy: the list item (`- ...`) holding `source: <text>` in its metadata. */
function metadataLines(lines: readonly string[], source: TraceSource): number[] {
  const text = traceText(source);
  const values = new Set([`source: ${text}`, `source: ${JSON.stringify(text)}`]);
  const out: number[] = [];
  lines.forEach((line, i) => {
    if (!values.has(line.trim())) return;
    const depth = indentOf(line);
    let j = i;
    while (j >= 0 && !(lines[j]!.trimStart().startsWith("- ") && indentOf(lines[j]!) < depth)) j--;
    out.push((j >= 0 ? j : i) + 1);
  });
  return out;
}

/** Envoy RBAC: `<rule>:` directly under a `policies:` key. */
function policyLines(lines: readonly string[], rule: string): number[] {
  const out: number[] = [];
  let policiesIndent = -1;
  lines.forEach((line, i) => {
    const trimmed = line.trim();
    if (trimmed === "policies:") { policiesIndent = indentOf(line); return; }
    if (policiesIndent >= 0 && indentOf(line) === policiesIndent + 2 && (trimmed === `${rule}:` || trimmed === `${JSON.stringify(rule)}:`)) out.push(i + 1);
    else if (trimmed !== "" && indentOf(line) <= policiesIndent) policiesIndent = -1;
  });
  return out;
}

export function findTraceLines(file: EmittedFile, source: TraceSource, policy?: string): number[] {
  const lines = file.content.split("\n");
  if (!file.path.endsWith(".yaml")) return commentLines(lines, source);
  const found = metadataLines(lines, source);
  return policy === undefined ? found : [...found, ...policyLines(lines, policy)].sort((a, b) => a - b);
}

function locate(files: readonly EmittedFile[], proxy: string, source: TraceSource, policy?: string): TargetLines[] {
  return proxyFiles(files, proxy).map((f) => ({ file: f.path, lines: findTraceLines(f, source, policy) })).filter((t) => t.lines.length > 0);
}

const proxyNamed = (ir: MeshIR, name: string | null): ProxyIR | undefined => (name === null ? undefined : ir.proxies.find((p) => p.name === name));

export function locateExplanation(ir: MeshIR, e: Explanation, files: readonly EmittedFile[]): ExplainLocations {
  const caller = proxyNamed(ir, e.source?.proxy ?? null);
  const route = caller && e.route ? locate(files, caller.name, routeSource(e.route, proxySource(caller))) : [];
  const rules = e.destinations.flatMap((d) => {
    const proxy = proxyNamed(ir, d.proxy);
    const rule = d.authorization?.decidedBy;
    if (!proxy || !rule) return [];
    return [{ service: d.service, rule: rule.name, at: locate(files, proxy.name, ruleSource(rule, proxySource(proxy)), rule.name) }];
  });
  return { route, rules };
}

/** `nginx/web.conf:88,120  haproxy/web.cfg:41` (at most `max` lines a file). */
export function formatTargetLines(at: readonly TargetLines[], max = 4): string {
  if (at.length === 0) return "(no emitted proxy file names it)";
  return at.map((t) => `${t.file}:${t.lines.slice(0, max).join(",")}${t.lines.length > max ? ",..." : ""}`).join("  ");
}

/** The config origins formatLocations names: the matched route's and each deciding rule's. */
export function originsOf(e: Explanation): string[] {
  const out = e.route !== null ? [e.route.origin] : [];
  for (const d of e.destinations) if (d.authorization?.decidedBy) out.push(d.authorization.decidedBy.origin);
  return out;
}

/**
 * The text section: each decision with the config line that wrote it (`configLine` maps an
 * IR origin to `file:line:col`, or null) and the emitted blocks that implement it.
 */
export function formatLocations(e: Explanation, where: ExplainLocations, configLine: (origin: string) => string | null): string {
  const lines: string[] = [];
  const at = (origin: string) => { const l = configLine(origin); return l === null ? origin : `${l} (${origin})`; };
  if (e.route !== null) lines.push(`  route ${e.route.name}: ${at(e.route.origin)}`, `    emitted: ${formatTargetLines(where.route)}`);
  for (const r of where.rules) {
    const rule = e.destinations.find((d) => d.service === r.service)?.authorization?.decidedBy;
    if (!rule) continue;
    lines.push(`  ${rule.action} ${rule.name} at ${r.service}: ${at(rule.origin)}`, `    emitted: ${formatTargetLines(r.at)}`);
  }
  return lines.length === 0 ? "" : `where:\n${lines.join("\n")}\n`;
}
