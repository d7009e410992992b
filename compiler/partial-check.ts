// Schema errors do not hold back the semantic checks that can still run soundly. The
// elements the schema refused are set aside (a route or authorization rule by index, a
// service or gateway by name) and the semantic checks run on the rest, so one run reports
// a bad `retries` in one route, a bad field in a service *and* an unknown service in another
// route. Sound means no diagnostic the full config would not also produce:
// - whatever mentions a set-aside service or gateway by name is set aside too (to a fixed
//   point), so no reference to it is reported as unknown;
// - only checks whose verdict on one element does not depend on which other routes or rules
//   exist report from this run (shadowing, duplicates and rule-reachability wait until the
//   schema errors are fixed).
// Errors in other top-level fields (name, defaults, egress, jwtProviders, ...), or a
// top-level field that mentions a set-aside name, still hold everything back.
import type { Diagnostic } from "./diagnostics/types.ts";
import { parsePath } from "./load/locate.ts";
import type { NMesh } from "./normalize/model.ts";

const SET_ASIDE = ["routes", "authorization"] as const;
const SET_ASIDE_BY_NAME = ["services", "gateways"] as const;
type ListField = (typeof SET_ASIDE)[number];
type MapField = (typeof SET_ASIDE_BY_NAME)[number];
const isListField = (k: unknown): k is ListField => SET_ASIDE.includes(k as ListField);
const isMapField = (k: unknown): k is MapField => SET_ASIDE_BY_NAME.includes(k as MapField);
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

/** Whether any string or key inside `value` names one of `names` (as a whole word: `api.v2` names `api`). */
function mentionsAny(value: unknown, names: ReadonlySet<string>): boolean {
  if (names.size === 0) return false;
  const escaped = [...names].map((n) => n.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
  const word = new RegExp(`(?<![\\w-])(?:${escaped.join("|")})(?![\\w-])`);
  const visit = (v: unknown): boolean => typeof v === "string" ? word.test(v)
    : Array.isArray(v) ? v.some(visit)
    : typeof v === "object" && v !== null ? Object.entries(v).some(([k, x]) => word.test(k) || visit(x)) : false;
  return visit(value);
}

const entriesOf = (v: unknown): [string, unknown][] => (typeof v === "object" && v !== null && !Array.isArray(v) ? Object.entries(v) : []);

export function setAsideInvalid(value: unknown, schemaErrors: readonly Diagnostic[]): SetAside | null {
  if (typeof value !== "object" || value === null || schemaErrors.length === 0) return null;
  const bad: Record<ListField, Set<number>> = { routes: new Set(), authorization: new Set() };
  const badNames: Record<MapField, Set<string>> = { services: new Set(), gateways: new Set() };
  for (const d of schemaErrors) {
    const [head, key] = parsePath(d.path);
    if (isListField(head) && typeof key === "number") bad[head].add(key);
    else if (isMapField(head) && typeof key === "string") badNames[head].add(key);
    else return null;
  }
  const raw = value as Record<string, unknown>;
  const named = () => new Set([...badNames.services, ...badNames.gateways]);
  // Set aside what mentions a set-aside name, until nothing more does.
  for (let grew = true; grew;) {
    grew = false;
    const names = named();
    for (const field of SET_ASIDE_BY_NAME) {
      for (const [name, item] of entriesOf(raw[field])) {
        if (!badNames[field].has(name) && mentionsAny(item, names)) { badNames[field].add(name); grew = true; }
      }
    }
    for (const field of SET_ASIDE) {
      (Array.isArray(raw[field]) ? (raw[field] as unknown[]) : []).forEach((item, i) => {
        if (!bad[field].has(i) && mentionsAny(item, names)) { bad[field].add(i); grew = true; }
      });
    }
  }
  const names = named();
  if (Object.entries(raw).some(([k, v]) => !isListField(k) && !isMapField(k) && mentionsAny(v, names))) return null;
  const copy: Record<string, unknown> = { ...raw };
  for (const field of SET_ASIDE_BY_NAME) {
    if (badNames[field].size > 0) copy[field] = Object.fromEntries(entriesOf(raw[field]).filter(([name]) => !badNames[field].has(name)));
  }
  // kept[list][j] = the index in the full config of element j of the pruned list.
  const kept: Record<string, number[]> = {};
  for (const list of SET_ASIDE) {
    const items = Array.isArray(raw[list]) ? (raw[list] as unknown[]) : [];
    kept[list] = items.map((_, i) => i).filter((i) => !bad[list].has(i));
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
