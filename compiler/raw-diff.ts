// Watch mode's comparison of a save's raw config with the last one, once per save: which
// routes, rules and services changed (element by element) and which other top-level fields.
// The watched schema check (schema-partial.ts) and limits walk (analyze/limits-watched.ts)
// look at those parts only. JSON equality (ir/share.ts sameJson): equal parts serialize the
// same, so every check of the raw value finds the same in them.
//
// Safe on any input: sameJson descends only while both sides are objects, and the last
// config passed the limits walk, so the recursion is as deep as that config at most.
import { sameJson } from "./ir/share.ts";

/** One changed part: an element of routes/authorization, a service, or a whole top-level field. */
export interface RawChange {
  /** The collection it belongs to, or null for a top-level field. */
  readonly within: "routes" | "authorization" | "services" | null;
  /** Its index, service name or field name. */
  readonly key: string | number;
  readonly now: unknown;
  readonly before: unknown;
  /** Whether the save added it (it had no `before`) or removed it (no `now`); a value may be present and undefined. */
  readonly added: boolean;
  readonly removed: boolean;
}

const isRecord = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v);

const cache = new WeakMap<object, { readonly before: object; readonly changes: readonly RawChange[] | null }>();

/** The parts of `now` that differ from `before`; null when either is not an object. Remembered for the pair. */
export function rawChanges(now: unknown, before: unknown): readonly RawChange[] | null {
  if (!isRecord(now) || !isRecord(before)) return null;
  const hit = cache.get(now);
  if (hit && hit.before === before) return hit.changes;
  const changes: RawChange[] = [];
  for (const k of Object.keys(now)) {
    const [a, b] = [now[k], before[k]];
    if (!Object.hasOwn(before, k)) { changes.push({ within: null, key: k, now: a, before: undefined, added: true, removed: false }); continue; }
    if (sameJson(a, b)) continue;
    if ((k === "routes" || k === "authorization") && Array.isArray(a) && Array.isArray(b)) {
      for (let i = 0; i < Math.max(a.length, b.length); i++) {
        if (i >= a.length || i >= b.length || !sameJson(a[i], b[i])) changes.push({ within: k, key: i, now: a[i], before: b[i], added: i >= b.length, removed: i >= a.length });
      }
    } else if (k === "services" && isRecord(a) && isRecord(b)) {
      for (const name of Object.keys(a)) {
        const added = !Object.hasOwn(b, name);
        if (added || !sameJson(a[name], b[name])) changes.push({ within: k, key: name, now: a[name], before: b[name], added, removed: false });
      }
      for (const name of Object.keys(b)) if (!Object.hasOwn(a, name)) changes.push({ within: k, key: name, now: undefined, before: b[name], added: false, removed: true });
    } else changes.push({ within: null, key: k, now: a, before: b, added: false, removed: false });
  }
  for (const k of Object.keys(before)) if (!Object.hasOwn(now, k)) changes.push({ within: null, key: k, now: undefined, before: before[k], added: false, removed: true });
  cache.set(now, { before, changes });
  return changes;
}
