// Schema errors do not hold back the semantic checks that can still run soundly. When every
// schema error lies inside some route or authorization rule, those elements are set aside
// and the semantic checks run on the rest, so one run reports a bad `retries` in one route
// *and* an unknown service in another. Sound means no diagnostic the full config would not
// also produce: nothing references a route or rule, and only checks whose verdict on one
// element does not depend on which other routes or rules exist report from this run
// (shadowing, duplicates and rule-reachability wait until the schema errors are fixed).
// A service with schema errors is set aside too, with the routes and rules naming it, when
// nothing else names it (setAsideServices). Errors in gateways or top-level fields still hold
// everything back: routes and rules refer to those, so checking around them could report
// what is not wrong.
import type { Diagnostic } from "./diagnostics/types.ts";
import { parsePath } from "./load/locate.ts";
import type { NMesh } from "./normalize/model.ts";
import { didYouMean } from "./suggest.ts";

const SET_ASIDE = ["routes", "authorization"] as const;
// Per-element checks: references, port clashes, weights, retry budgets, regexes, unsafe
// paths, headers, hostnames, durations, conflicting actions, endpoints, timeout order.
const ELEMENT_LOCAL = new Set(["MESH2001", "MESH2002", "MESH2003", "MESH2004", "MESH2006", "MESH2007", "MESH2010",
  "MESH2011", "MESH2013", "MESH2014", "MESH2015", "MESH2016", "MESH2017", "MESH2018", "MESH2020"]);

export interface SetAside {
  /** The config without the elements that failed the schema. */
  readonly value: unknown;
  /** Maps a diagnostic of the run on `value` back to the full config; null to drop it. */
  readonly restore: (d: Diagnostic, mesh: NMesh | null) => Diagnostic | null;
}

export function setAsideInvalid(value: unknown, schemaErrors: readonly Diagnostic[]): SetAside | null {
  if (typeof value !== "object" || value === null || schemaErrors.length === 0) return null;
  const bad: Record<string, Set<number>> = { routes: new Set(), authorization: new Set() };
  const badServices = new Set<string>();
  for (const d of schemaErrors) {
    const [head, index] = parsePath(d.path);
    if (head === "services" && typeof index === "string") { badServices.add(index); continue; }
    if (!SET_ASIDE.includes(head as (typeof SET_ASIDE)[number]) || typeof index !== "number") return null;
    bad[head as string]!.add(index);
  }
  const raw = value as Record<string, unknown>;
  const copy: Record<string, unknown> = { ...raw };
  if (badServices.size > 0 && !setAsideServices(raw, copy, badServices, bad)) return null;
  const allServices = Object.keys((raw.services ?? {}) as object);
  // kept[list][j] = the index in the full config of element j of the pruned list.
  const kept: Record<string, number[]> = {};
  for (const list of SET_ASIDE) {
    const items = Array.isArray(raw[list]) ? (raw[list] as unknown[]) : [];
    kept[list] = items.map((_, i) => i).filter((i) => !bad[list]!.has(i));
    if (Array.isArray(raw[list])) copy[list] = kept[list]!.map((i) => items[i]);
  }
  const restoreText = (text: string, names: ReadonlyMap<string, string>) => {
    const out = text.replace(/\b(routes|authorization)\[(\d+)\]/g, (_, list: string, j: string) => `${list}[${kept[list]![Number(j)]}]`);
    if (names.size === 0) return out;
    // One pass, longest first, so `web-api-1` -> `web-api-3` is never renamed again.
    const escaped = [...names.keys()].sort((a, b) => b.length - a.length).map((n) => n.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
    return out.replace(new RegExp(`(?<![\\w-])(?:${escaped.join("|")})(?![\\w-])`, "g"), (n) => names.get(n) ?? n);
  };
  return {
    value: copy,
    restore(d, mesh) {
      if (d.severity !== "error" || !ELEMENT_LOCAL.has(d.code)) return null;
      // Default names carry the element's index (`web-api-3`): name them as the full config does.
      const names = new Map<string, string>();
      for (const r of [...(mesh?.routes ?? []), ...(mesh?.authorization ?? [])]) {
        const m = /^(routes|authorization)\[(\d+)\]$/.exec(r.origin);
        const item = (copy[m?.[1] ?? ""] as { name?: unknown }[] | undefined)?.[Number(m?.[2])];
        if (!m || item?.name !== undefined || !r.name.endsWith(`-${m[2]}`)) continue;
        const original = kept[m[1]!]![Number(m[2])]!;
        if (original !== Number(m[2])) names.set(r.name, `${r.name.slice(0, -m[2]!.length)}${original}`);
      }
      // With services set aside, "did you mean" must still look among all of them.
      const unknown = badServices.size > 0 && d.code === "MESH2001" ? /^unknown service "([^"]+)"/.exec(d.message) : null;
      const hint = unknown ? didYouMean(unknown[1]!, allServices) ?? d.hint : d.hint;
      return { ...d, path: restoreText(d.path, new Map()), message: restoreText(d.message, names), hint: hint === null ? null : restoreText(hint, names) };
    },
  };
}

/**
 * A service that failed the schema (one team's typo) is set aside with every route and rule
 * that names it, so the other teams' mistakes are still reported. Only when nothing else
 * names it (no other service, gateway, egress, default): otherwise checking around it could
 * report what is not wrong, and everything waits as before. Names are matched as whole JSON
 * strings, which can only set aside more than needed, never less.
 */
function setAsideServices(raw: Record<string, unknown>, copy: Record<string, unknown>, names: ReadonlySet<string>, bad: Record<string, Set<number>>): boolean {
  const quoted = [...names].map((n) => JSON.stringify(n));
  const mentions = (v: unknown) => { const text = JSON.stringify(v) ?? ""; return quoted.some((q) => text.includes(q)); };
  const services = raw.services;
  if (typeof services !== "object" || services === null || Array.isArray(services)) return false;
  for (const [name, service] of Object.entries(services)) if (!names.has(name) && mentions(service)) return false;
  for (const [key, v] of Object.entries(raw)) {
    if (key !== "services" && !SET_ASIDE.includes(key as (typeof SET_ASIDE)[number]) && mentions(v)) return false;
  }
  for (const list of SET_ASIDE) {
    const items = raw[list];
    if (Array.isArray(items)) items.forEach((item, i) => { if (mentions(item)) bad[list]!.add(i); });
  }
  copy.services = Object.fromEntries(Object.entries(services).filter(([name]) => !names.has(name)));
  return true;
}
