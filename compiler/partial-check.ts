// Schema errors do not hold back the semantic checks that can still run soundly. When every
// schema error lies inside some route or authorization rule, those elements are set aside
// and the semantic checks run on the rest, so one run reports a bad `retries` in one route
// *and* an unknown service in another. Sound means no diagnostic the full config would not
// also produce: nothing references a route or rule, and only checks whose verdict on one
// element does not depend on which other routes or rules exist report from this run
// (shadowing, duplicates and rule-reachability wait until the schema errors are fixed).
// Errors in services, gateways or top-level fields still hold everything back: routes and
// rules refer to those, so checking around them could report what is not wrong.
import type { Diagnostic } from "./diagnostics/types.ts";
import { parsePath } from "./load/locate.ts";
import type { NMesh } from "./normalize/model.ts";

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
  for (const d of schemaErrors) {
    const [head, index] = parsePath(d.path);
    if (!SET_ASIDE.includes(head as (typeof SET_ASIDE)[number]) || typeof index !== "number") return null;
    bad[head as string]!.add(index);
  }
  const raw = value as Record<string, unknown>;
  const copy: Record<string, unknown> = { ...raw };
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
      return { ...d, path: restoreText(d.path, new Map()), message: restoreText(d.message, names), hint: d.hint === null ? null : restoreText(d.hint, names) };
    },
  };
}
