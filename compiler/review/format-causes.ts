// The semantic diff by cause, in words: terminal text (effects listed with `verbose`) and
// the pull-request comment, which must fit GitHub's 65,536-character limit. The comment
// is assembled by priority: the causes' one-line summaries first, then the graph, then
// each cause's effects (folded), then the file diffs; what does not fit is replaced by a
// note saying what was left out and the command that shows it.
import type { Cause } from "./causes.ts";
import type { Change } from "./diff-values.ts";

export const DEFAULT_MARKDOWN_BUDGET = 60_000;
/** Effects listed per cause in the comment before "and N more". */
const EFFECTS_PER_CAUSE = 50;
/** Room kept for the truncation note. */
const NOTE_RESERVE = 700;

const plural = (n: number, one: string, many = `${one}s`) => `${n.toLocaleString("en-US")} ${n === 1 ? one : many}`;

export function reach(cause: Cause): string {
  const proxies = plural(cause.proxies.length, "proxy", "proxies");
  if (cause.routes.length > 0) return `${plural(cause.routes.length, "route")} on ${proxies}`;
  if (cause.effects.length === 0) return "no effect on the proxies";
  return `${plural(cause.effects.length, "change")} on ${proxies}`;
}

function ownerList(owners: Cause["owners"], limit = 5): string {
  const named = owners.map((o) => `${o.owner ?? "no owner"} (${plural(o.services, "service")})`);
  return named.length <= limit ? named.join(", ") : `${named.slice(0, limit).join(", ")} and ${named.length - limit} more`;
}

function mergeOwners(causes: readonly Cause[]): Cause["owners"] {
  const m = new Map<string | null, number>();
  for (const c of causes) for (const o of c.owners) m.set(o.owner, Math.max(m.get(o.owner) ?? 0, o.services));
  return [...m].map(([owner, services]) => ({ owner, services })).sort((a, b) => b.services - a.services);
}

/** One line a cause: "200 routes on 100 proxies; owners: ...; e.g. a, b, c". */
export function causeSummary(cause: Cause): string {
  const parts = [reach(cause)];
  if (cause.owners.length > 0) parts.push(`owners: ${ownerList(cause.owners)}`);
  const more = cause.effects.length > cause.examples.length;
  if (cause.examples.length > 0 && (cause.effects.length > 1 || cause.examples[0] !== cause.title)) parts.push(`e.g. ${cause.examples.join(", ")}${more ? ", ..." : ""}`);
  return parts.join("; ");
}

export function formatCausesText(causes: readonly Cause[], verbose: boolean): string {
  if (causes.length === 0) return "No semantic changes.\n";
  const lines: string[] = [];
  for (const c of causes) {
    lines.push(c.title, `  ${causeSummary(c)}`);
    if (verbose) for (const e of c.effects) lines.push(`    - ${effectLine(e)}`);
  }
  if (!verbose && causes.some((c) => c.effects.length > c.examples.length)) lines.push("(each change: --verbose, or --format json)");
  return lines.join("\n") + "\n";
}

export function escapeMarkdown(s: string): string {
  return s.replace(/([\\`*_[\]<|])/g, "\\$1");
}

export interface MarkdownParts {
  readonly title: string;
  readonly causes: readonly Cause[];
  /** A Mermaid block (or "" for none), or smaller and smaller versions of it: the first that fits is shown. */
  readonly graph: string | readonly string[];
  /** File diffs, one markdown block per target, with a one-line stand-in used when the block does not fit. */
  readonly files: readonly { readonly target: string; readonly block: string; readonly stub: string }[];
  /** The command that prints everything: "meshc diff --base main". */
  readonly rerun: string;
  readonly budget: number;
  readonly verbose: boolean;
}

function causeHeading(c: Cause): string {
  return `#### ${escapeMarkdown(c.title)}\n${escapeMarkdown(causeSummary(c))}\n`;
}

/** An effect under its cause: "svc-98 -> svc-0 (r98-any): timeout 15s -> 4s", the route first so a long list scans. */
export function effectLine(change: Change): string {
  let text = change.text;
  for (const prefix of [`${change.subject}: `, `${change.subject} `]) {
    if (text.startsWith(prefix)) { text = text.slice(prefix.length); break; }
  }
  if (change.route === undefined) return `${change.subject}: ${text}`;
  const route = change.route.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const m = text.match(new RegExp(` on (\\S+ -> \\S+) \\(${route}\\)$`));
  return m === null ? `${change.subject}: ${text}` : `${m[1]} (${change.route}): ${text.slice(0, text.length - m[0].length)}`;
}

function effectsBlock(c: Cause, limit: number, room: number): { text: string; shown: number } {
  if (c.effects.length === 0) return { text: "", shown: 0 };
  const head = `<details><summary>${plural(c.effects.length, "change")}</summary>\n\n`;
  const tail = "\n</details>\n";
  let body = "";
  let shown = 0;
  for (const e of c.effects.slice(0, limit)) {
    const line = `- ${escapeMarkdown(effectLine(e))}\n`;
    if (head.length + body.length + line.length + tail.length + 60 > room) break;
    body += line;
    shown++;
  }
  if (shown === 0) return { text: "", shown: 0 };
  if (shown < c.effects.length) body += `- ... and ${plural(c.effects.length - shown, "more change")}\n`;
  return { text: head + body + tail, shown };
}

export function formatCausesMarkdown(p: MarkdownParts): string {
  const proxies = new Set(p.causes.flatMap((c) => c.proxies));
  const routes = new Set(p.causes.flatMap((c) => c.routes));
  const owners = mergeOwners(p.causes);
  const header = [`### ${escapeMarkdown(p.title)}`, "",
    p.causes.length === 0 ? "_No semantic changes._"
      : `**${plural(p.causes.length, "cause")}**, reaching ${plural(routes.size, "route")} on ${plural(proxies.size, "proxy", "proxies")}` +
        (owners.length > 0 ? `. Owners touched: ${escapeMarkdown(ownerList(owners, 8))}.` : "."),
    ""].join("\n");
  let room = p.budget - header.length - NOTE_RESERVE;
  const left: string[] = [];
  // 1. Every cause's heading and summary, in order, while they fit.
  const headings: string[] = [];
  for (const c of p.causes) {
    const h = causeHeading(c);
    if (h.length > room) break;
    headings.push(h);
    room -= h.length;
  }
  if (headings.length < p.causes.length) left.push(`${plural(p.causes.length - headings.length, "cause")} (of ${p.causes.length})`);
  // 2. The graph: the largest version that fits, or none.
  const versions = (typeof p.graph === "string" ? [p.graph] : p.graph).filter((g) => g !== "");
  const graph = versions.find((g) => g.length + 2 <= room) ?? "";
  room -= graph.length === 0 ? 0 : graph.length + 2;
  if (versions.length > 0 && graph === "") left.push("the mesh graph (`meshc graph`)");
  // 3. Each shown cause's effects, folded, cut at what fits.
  const details: string[] = [];
  let cut = 0;
  for (const c of p.causes.slice(0, headings.length)) {
    const { text, shown } = effectsBlock(c, p.verbose ? Infinity : EFFECTS_PER_CAUSE, room);
    details.push(text);
    room -= text.length;
    cut += c.effects.length - shown;
  }
  if (cut > 0) left.push(`${plural(cut, "listed change")} (the summaries above count them)`);
  // 4. File diffs, a target whole or as its one-line stand-in.
  const files: string[] = [];
  let stubbed = 0;
  for (const f of p.files) {
    if (f.block.length <= room) { files.push(f.block); room -= f.block.length; }
    else if (f.stub.length <= room) { files.push(f.stub); room -= f.stub.length; stubbed++; }
    else stubbed++;
  }
  if (stubbed > 0) left.push(`the file diffs of ${plural(stubbed, "target")}`);
  const out = [header, ...headings.map((h, i) => `${h}\n${details[i] ?? ""}`)];
  if (graph) out.push(graph, "");
  if (files.length > 0) out.push("#### Files", "", ...files);
  if (left.length > 0) {
    out.push(`> **Left out to stay under ${p.budget.toLocaleString("en-US")} characters:** ${left.join("; ")}. ` +
      `Everything: \`${p.rerun} --format json\` (every change), \`${p.rerun} --verbose\` (text), or a larger \`--max-chars\`.`, "");
  }
  return out.join("\n");
}
