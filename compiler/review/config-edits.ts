// What the user changed, said at the level they wrote it: two normalized meshes compared
// entity by entity (the defaults, the mesh's own fields, each service, route, rule,
// gateway, egress and JWT provider, matched by name). The semantic diff attaches the
// proxies' changes to these edits (see causes.ts); an edit is the cause, a `Change` its effect.
import type { NMesh } from "../normalize/model.ts";
import { compareValues, formatValue } from "./diff-values.ts";

export type EntityKind = "defaults" | "mesh" | "service" | "route" | "rule" | "gateway" | "egress" | "jwt-provider";

export interface ConfigEdit {
  readonly entity: EntityKind;
  /** The entity's name ("defaults" and "mesh" for those two). */
  readonly name: string;
  /** Dotted path inside the entity, in the normalized model ("timeoutMs", "retries.retries"); "" = the entity itself was added or removed. */
  readonly field: string;
  readonly before: unknown;
  readonly after: unknown;
}

/** Where the model keeps an entity's place in the file: it moves when an earlier entry is inserted, which changes nothing. */
function withoutOrigins(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutOrigins);
  if (value === null || typeof value !== "object") return value;
  return Object.fromEntries(Object.entries(value).filter(([k]) => k !== "origin").map(([k, v]) => [k, withoutOrigins(v)]));
}

function compareNamed<T extends { readonly name: string }>(entity: EntityKind, before: readonly T[], after: readonly T[], out: ConfigEdit[]): void {
  const old = new Map(before.map((e) => [e.name, e]));
  const now = new Map(after.map((e) => [e.name, e]));
  for (const [name, e] of old) if (!now.has(name)) out.push({ entity, name, field: "", before: withoutOrigins(e), after: null });
  for (const [name, e] of now) {
    const was = old.get(name);
    if (was === undefined) { out.push({ entity, name, field: "", before: null, after: withoutOrigins(e) }); continue; }
    const { name: _a, ...x } = withoutOrigins(was) as T;
    const { name: _b, ...y } = withoutOrigins(e) as T;
    const edits: ConfigEdit[] = [];
    compareValues("", x, y, (field, b, a) => edits.push({ entity, name, field, before: b, after: a }));
    // A route's `timeout` is kept twice (request timeout, and idle timeout for TCP): one edit, said once.
    const timeoutChanged = edits.some((e) => e.field === "timeoutMs");
    out.push(...edits.filter((e) => !(e.field === "idleTimeoutMs" && timeoutChanged)));
  }
}

/** Every edit, in a stable order: defaults, mesh, then entities by kind and name. */
export function collectEdits(before: NMesh, after: NMesh): ConfigEdit[] {
  const out: ConfigEdit[] = [];
  compareValues("", before.defaults, after.defaults, (field, b, a) => out.push({ entity: "defaults", name: "defaults", field, before: b, after: a }));
  const meshFields = (m: NMesh) => ({ name: m.name, trustDomain: m.trustDomain, namespace: m.namespace, targets: m.targets, observability: m.observability });
  compareValues("", meshFields(before), meshFields(after), (field, b, a) => out.push({ entity: "mesh", name: "mesh", field, before: b, after: a }));
  compareNamed("service", before.services, after.services, out);
  compareNamed("route", before.routes, after.routes, out);
  compareNamed("rule", before.authorization, after.authorization, out);
  compareNamed("gateway", before.gateways, after.gateways, out);
  compareNamed("egress", before.egress, after.egress, out);
  compareNamed("jwt-provider", before.jwtProviders, after.jwtProviders, out);
  return out;
}

/** The user's spelling of a normalized field: durations lose their `Ms`, retries count attempts. */
export function userField(field: string): string {
  return field.replace(/(^|\.)retries\.retries$/, "$1retries.attempts").replace(/Ms(?=\.|$)/g, "");
}

const PLURAL: Readonly<Record<EntityKind, string>> = {
  defaults: "defaults", mesh: "mesh", service: "services", route: "routes", rule: "authorization rules",
  gateway: "gateways", egress: "egress", "jwt-provider": "JWT providers",
};

export function entityPlural(kind: EntityKind): string {
  return PLURAL[kind];
}

/** "defaults.timeout 15s -> 4s", "route r1 added", "service payments: outlierDetection.consecutive5xx 5 -> 3". */
export function describeEdit(edit: ConfigEdit, withEntity = true): string {
  const who = edit.entity === "defaults" || edit.entity === "mesh" ? edit.entity : `${edit.entity} ${edit.name}`;
  if (edit.field === "") return `${who} ${edit.before === null ? "added" : "removed"}`;
  const field = userField(edit.field);
  const values = `${formatValue(edit.field, edit.before)} -> ${formatValue(edit.field, edit.after)}`;
  if (!withEntity) return `${field} ${values}`;
  return edit.entity === "defaults" || edit.entity === "mesh" ? `${who}.${field} ${values}` : `${who}: ${field} ${values}`;
}
