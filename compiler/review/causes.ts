// The semantic diff grouped by cause. A reviewer wants "defaults.timeout 15s -> 4s: 200
// routes on 100 proxies", not 200 lines. What the user changed is found in the
// normalized configs (config-edits.ts); the proxies' changes (`diffIR`) are then attached
// to the edit that produced them:
// - defaults are isolated by construction: the new config is rebuilt with the old
//   defaults, then with each changed default in turn, and each step's IR changes are
//   that default's effects (an inherited value cannot be told apart otherwise);
// - every other change is attached by name to the route, rule, service, gateway or egress
//   it is about; identical edits on several entities (a shared value, a policy module)
//   form one cause; what no edit explains is listed as such.
import { buildIR } from "../ir/index.ts";
import type { MeshIR } from "../ir/types.ts";
import { normalize } from "../normalize/index.ts";
import type { NMesh } from "../normalize/model.ts";
import { collectEdits, describeEdit, entityPlural, type ConfigEdit, type EntityKind } from "./config-edits.ts";
import { indexProxies, type ProxyIndex } from "./proxy-index.ts";
import { diffIR, type Change } from "./semantic-diff.ts";

export interface DiffSide {
  /** The config value as loaded (before normalization): needed to rebuild it with other defaults. */
  readonly raw: unknown;
  readonly mesh: NMesh;
  readonly ir: MeshIR;
}

export type CauseKind = EntityKind | "shared" | "unexplained";

export interface Cause {
  /** Stable: "defaults.timeout", "route:r1", "shared:route:<n>", "unexplained". */
  readonly id: string;
  readonly kind: CauseKind;
  /** For "shared": the kind of the entities that share the edit. */
  readonly entityKind?: EntityKind;
  readonly title: string;
  readonly edits: readonly ConfigEdit[];
  /** The entities the cause edits (one, or several for a shared value). */
  readonly entities: readonly string[];
  readonly effects: readonly Change[];
  /** Route names among the effects, and every proxy an effect lands in; sorted. */
  readonly routes: readonly string[];
  readonly proxies: readonly string[];
  /** Owners of the services the effects touch, most services first; owner null = none named. */
  readonly owners: readonly { readonly owner: string | null; readonly services: number }[];
  /** A few effects in words ("svc-98 -> svc-0 (r98-any)"). */
  readonly examples: readonly string[];
}

export interface CauseDiff {
  readonly causes: readonly Cause[];
  /** Every IR change, once (what `diffIR` says), for `--format json`. */
  readonly changes: readonly Change[];
}

type Raw = Record<string, unknown>;

function withDefaults(raw: Raw, defaults: unknown): Raw {
  const { defaults: _old, ...rest } = raw;
  return defaults === undefined ? rest : { ...rest, defaults };
}

function defaultsOf(raw: Raw): Raw {
  return (raw.defaults ?? {}) as Raw;
}

/** The raw `defaults` key a normalized defaults field comes from: "timeoutMs" -> "timeout", "tls.ciphers" -> "tls". */
function rawDefaultsKey(field: string): string {
  return field.split(".")[0]!.replace(/Ms$/, "");
}

interface Step { readonly key: string; readonly effects: Change[] }

/** The defaults, one changed key at a time, each step's IR changes; null when a rebuild fails (then nothing is isolated). */
function defaultSteps(before: DiffSide, after: DiffSide): { steps: Step[]; mixed: { mesh: NMesh; ir: MeshIR } } | null {
  const rawBefore = before.raw as Raw;
  const rawAfter = after.raw as Raw;
  const old = defaultsOf(rawBefore);
  const now = defaultsOf(rawAfter);
  const keys = [...new Set([...Object.keys(old), ...Object.keys(now)])].filter((k) => JSON.stringify(old[k]) !== JSON.stringify(now[k])).sort();
  if (keys.length === 0) return { steps: [], mixed: { mesh: after.mesh, ir: after.ir } };
  try {
    const build = (defaults: unknown) => {
      const mesh = normalize(withDefaults(rawAfter, defaults) as unknown as Parameters<typeof normalize>[0]);
      return { mesh, ir: buildIR(mesh, after.ir.runtime) };
    };
    const mixed = build(rawBefore.defaults);
    const steps: Step[] = [];
    let current: Raw = { ...old };
    let previous = mixed.ir;
    keys.forEach((key, i) => {
      current = { ...current, [key]: now[key] };
      if (now[key] === undefined) delete current[key];
      const ir = i === keys.length - 1 ? after.ir : build(current).ir;
      steps.push({ key, effects: diffIR(previous, ir) });
      previous = ir;
    });
    return { steps, mixed };
  } catch {
    return null;
  }
}

const entityKey = (kind: EntityKind, name: string) => `${kind}:${name}`;

/** Entities with the same edits form one "shared" cause; the rest one cause each. */
function groupEntityEdits(edits: readonly ConfigEdit[]): { id: string; kind: CauseKind; entityKind?: EntityKind; edits: ConfigEdit[]; entities: string[] }[] {
  const byEntity = new Map<string, ConfigEdit[]>();
  for (const e of edits) byEntity.set(entityKey(e.entity, e.name), [...(byEntity.get(entityKey(e.entity, e.name)) ?? []), e]);
  const bySignature = new Map<string, string[]>();
  for (const [key, list] of byEntity) {
    const signature = JSON.stringify([list[0]!.entity, list.map((e) => [e.field, e.before, e.after])]);
    bySignature.set(signature, [...(bySignature.get(signature) ?? []), key]);
  }
  const out: { id: string; kind: CauseKind; entityKind?: EntityKind; edits: ConfigEdit[]; entities: string[] }[] = [];
  let shared = 0;
  for (const keys of bySignature.values()) {
    const first = byEntity.get(keys[0]!)!;
    const kind = first[0]!.entity;
    // An added or removed entity is news of its own even when it looks like another.
    if (keys.length > 1 && first.every((e) => e.field !== "")) {
      out.push({ id: `shared:${kind}:${shared++}`, kind: "shared", entityKind: kind, edits: keys.flatMap((k) => byEntity.get(k)!), entities: keys.map((k) => byEntity.get(k)![0]!.name) });
    } else {
      for (const key of keys) out.push({ id: key, kind, edits: byEntity.get(key)!, entities: [byEntity.get(key)![0]!.name] });
    }
  }
  return out;
}

/** The entity (as `kind:name`) a change is about, most specific first. */
function candidates(change: Change, routesTo: ReadonlyMap<string, string>, rulesTo: ReadonlyMap<string, readonly string[]>): string[] {
  const out: string[] = [];
  if (change.rule !== undefined) out.push(entityKey("rule", change.rule));
  if (change.route !== undefined) out.push(entityKey("route", change.route));
  // A route the config does not name is a default route, there because a rule lets its caller in.
  if (change.route !== undefined && !routesTo.has(change.route)) for (const rule of rulesTo.get(change.subject) ?? []) out.push(entityKey("rule", rule));
  if (change.kind === "route-order") {
    for (const [route, to] of routesTo) if (to === change.subject) out.push(entityKey("route", route));
  }
  if (change.subject === "mesh") out.push("mesh:mesh");
  if (change.subject.startsWith("gateway-")) out.push(entityKey("gateway", change.subject.slice("gateway-".length)));
  out.push(entityKey("service", change.subject), entityKey("egress", change.subject));
  if (change.kind === "jwt") out.push("jwt-provider:*");
  return out;
}

function titleOf(kind: CauseKind, entityKind: EntityKind | undefined, edits: readonly ConfigEdit[], entities: readonly string[]): string {
  const shown = (list: readonly string[]) => list.length <= 3 ? list.join("; ") : `${list.slice(0, 3).join("; ")}; and ${list.length - 3} more`;
  if (kind === "shared") {
    const perEntity = edits.filter((e) => e.name === entities[0]);
    return `the same change in ${entities.length} ${entityPlural(entityKind!)}: ${shown(perEntity.map((e) => describeEdit(e, false)))}`;
  }
  if (edits.length === 1 || kind === "defaults" || kind === "mesh") return shown(edits.map((e) => describeEdit(e)));
  return `${kind} ${entities[0]}: ${shown(edits.map((e) => describeEdit(e, false)))}`;
}

function finish(partial: { id: string; kind: CauseKind; entityKind?: EntityKind; edits: readonly ConfigEdit[]; entities: readonly string[]; title?: string }, effects: readonly Change[], index: ProxyIndex): Cause {
  const routes = new Set<string>();
  const proxies = new Set<string>();
  const services = new Set<string>();
  const examples: string[] = [];
  for (const change of effects) {
    const where = index.locate(change);
    for (const p of where.proxies) proxies.add(p);
    for (const s of where.services) services.add(s);
    if (change.route !== undefined && change.rule === undefined) routes.add(change.route);
    if (examples.length < 3 && !examples.includes(where.example)) examples.push(where.example);
  }
  const owners = new Map<string | null, number>();
  for (const s of services) owners.set(index.ownerOf(s), (owners.get(index.ownerOf(s)) ?? 0) + 1);
  return {
    id: partial.id, kind: partial.kind, ...(partial.entityKind ? { entityKind: partial.entityKind } : {}),
    title: partial.title ?? titleOf(partial.kind, partial.entityKind, partial.edits, partial.entities),
    edits: partial.edits, entities: partial.entities, effects,
    routes: [...routes].sort(), proxies: [...proxies].sort(),
    owners: [...owners].map(([owner, n]) => ({ owner, services: n }))
      .sort((a, b) => b.services - a.services || String(a.owner ?? "~").localeCompare(String(b.owner ?? "~"))),
    examples,
  };
}

/** Causes in the order a reviewer reads them: defaults, mesh, then by reach (most proxies first), unexplained last. */
export function diffByCause(before: DiffSide, after: DiffSide): CauseDiff {
  const changes = diffIR(before.ir, after.ir);
  const index = indexProxies(before, after);
  const allEdits = collectEdits(before.mesh, after.mesh);
  const isolated = defaultSteps(before, after);
  const causes: Cause[] = [];
  let rest: readonly Change[] = changes;
  let entityEdits = allEdits.filter((e) => e.entity !== "defaults");
  if (isolated !== null) {
    const defaultEdits = allEdits.filter((e) => e.entity === "defaults");
    for (const step of isolated.steps) {
      const edits = defaultEdits.filter((e) => rawDefaultsKey(e.field) === step.key);
      causes.push(finish({ id: `defaults.${step.key}`, kind: "defaults", edits, entities: ["defaults"],
        ...(edits.length === 0 ? { title: `defaults.${step.key} rewritten (same values)` } : {}) }, step.effects, index));
    }
    rest = diffIR(before.ir, isolated.mixed.ir);
    entityEdits = collectEdits(before.mesh, isolated.mixed.mesh).filter((e) => e.entity !== "defaults");
  } else if (allEdits.some((e) => e.entity === "defaults")) {
    entityEdits = allEdits;
  }
  const groups = groupEntityEdits(entityEdits);
  const owner = new Map<string, number>();
  groups.forEach((g, i) => { for (const e of g.edits) owner.set(entityKey(e.entity, e.name), i); });
  const jwtGroup = groups.findIndex((g) => g.edits.some((e) => e.entity === "jwt-provider"));
  if (jwtGroup >= 0) owner.set("jwt-provider:*", jwtGroup);
  const meshGroup = groups.findIndex((g) => g.kind === "mesh");
  const routesTo = new Map<string, string>([...before.mesh.routes, ...after.mesh.routes].map((r) => [r.name, r.to]));
  const rulesTo = new Map<string, string[]>();
  for (const r of [...before.mesh.authorization, ...after.mesh.authorization]) rulesTo.set(r.to, [...(rulesTo.get(r.to) ?? []), r.name]);
  const effects = groups.map(() => [] as Change[]);
  const unexplained: Change[] = [];
  for (const change of rest) {
    const hit = candidates(change, routesTo, rulesTo).map((k) => owner.get(k)).find((i) => i !== undefined) ?? (meshGroup >= 0 ? meshGroup : undefined);
    if (hit === undefined) unexplained.push(change);
    else effects[hit]!.push(change);
  }
  const entityCauses = groups.map((g, i) => finish(g, effects[i]!, index))
    .sort((a, b) => Number(b.kind === "mesh") - Number(a.kind === "mesh") || b.proxies.length - a.proxies.length || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  causes.push(...entityCauses);
  if (unexplained.length > 0) {
    causes.push(finish({ id: "unexplained", kind: "unexplained", edits: [], entities: [], title: "changes with no config-level cause found" }, unexplained, index));
  }
  return { causes, changes };
}

/** A whole mesh added or removed between two revisions: one cause, its reach everything it holds. */
export function meshPresenceCause(side: { mesh: NMesh; ir: MeshIR }, added: boolean, where: string): Cause {
  const owners = new Map<string | null, number>();
  for (const s of side.mesh.services) owners.set(s.owner, (owners.get(s.owner) ?? 0) + 1);
  const m = side.mesh;
  return {
    id: added ? "mesh-added" : "mesh-removed", kind: "mesh",
    title: `mesh ${m.name} ${added ? "added" : "removed"} (${where}): ${m.services.length} services, ${m.routes.length} routes, ${m.authorization.length} authorization rules, ${m.gateways.length} gateways`,
    edits: [], entities: [m.name], effects: [],
    routes: m.routes.map((r) => r.name).sort(), proxies: side.ir.proxies.map((p) => p.name),
    owners: [...owners].map(([owner, services]) => ({ owner, services })).sort((a, b) => b.services - a.services),
    examples: [],
  };
}
