// Renders a semantic diff: text for terminals, markdown for a pull-request comment, JSON
// for tools. Changes are grouped by subject, then by route.
import type { Change } from "./diff-values.ts";

export type ChangeFormat = "text" | "markdown" | "json";

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of items) out.set(key(item), [...(out.get(key(item)) ?? []), item]);
  return out;
}

/** A route change's text ends with " on <from> -> <to> (<route>)"; under a route heading that is said once. */
function routeContext(change: Change): RegExpMatchArray | null {
  if (change.route === undefined) return null;
  const route = change.route.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  return change.text.match(new RegExp(` on (\\S+ -> \\S+) \\(${route}\\)$`));
}

/** The change's text without what its headings already say: the subject, and under a route heading the route. */
function line(change: Change, nested: boolean): string {
  let text = change.text;
  for (const prefix of [`${change.subject}: `, `${change.subject} `]) {
    if (text.startsWith(prefix)) { text = text.slice(prefix.length); break; }
  }
  const context = nested ? routeContext(change) : null;
  return context === null ? text : text.slice(0, text.length - context[0].length);
}

function routeHeading(changes: readonly Change[], name: string): string {
  const context = routeContext(changes[0]);
  return context === null ? name : `${name} (${context[1]})`;
}

type Render = (changes: readonly Change[], heading: (s: string) => string, route: (r: string) => string, item: (c: Change, nested: boolean) => string) => string;

const render: Render = (changes, heading, route, item) => {
  const lines: string[] = [];
  for (const [subject, group] of groupBy(changes, (c) => c.subject)) {
    lines.push(heading(subject));
    for (const [name, routeChanges] of groupBy(group, (c) => c.route ?? "")) {
      if (name !== "" && routeChanges.length > 1) {
        lines.push(route(routeHeading(routeChanges, name)));
        for (const c of routeChanges) lines.push(item(c, true));
      } else {
        for (const c of routeChanges) lines.push(item(c, false));
      }
    }
  }
  return lines.join("\n") + "\n";
};

export function formatChanges(changes: readonly Change[], format: ChangeFormat): string {
  if (format === "json") return JSON.stringify(changes, null, 2) + "\n";
  if (changes.length === 0) return format === "markdown" ? "_No semantic changes._\n" : "No semantic changes.\n";
  if (format === "markdown") {
    const escape = (s: string) => s.replace(/([\\`*_[\]<|])/g, "\\$1");
    return render(changes, (s) => `\n#### ${escape(s)}`, (r) => `- route ${escape(r)}`,
      (c, nested) => `${nested ? "  " : ""}- ${escape(line(c, nested))}`).trimStart();
  }
  return render(changes, (s) => `${s}:`, (r) => `  route ${r}:`, (c, nested) => `${nested ? "    " : "  "}- ${line(c, nested)}`);
}
