// The verifier's per-object work once per template and strings it reads. An object written
// from a template of manifest-text.ts has the template's keys (in order), list lengths,
// numbers, booleans and nulls, and strings at the template's slots. The checks read it so:
// - the schema (kubernetes-models validate()) gives every object of one structure the same
//   verdict when its strings at non-free slots are the same (schema-memo.ts: the free paths,
//   where the schemas take any string, probed by test/kubernetes/schema-memo.test.ts);
// - the strict pass (strict.ts) reads keys, numbers and the root type, which the structure and
//   the non-free apiVersion and kind fix, and the strings strictStringCheck names: an object's
//   name and namespace and a port's name (tested per object with the pass's own predicates),
//   a Certificate's durations (non-free, so fixed).
// So once an object of a template passed every check with no finding, another object of that
// template and verdict context (a patch skips `required`) with the same strings at the
// non-free slots passes when its names pass the strict predicates: a few map lookups instead of
// a schema walk and two strict walks per object. Any other object goes through the whole
// check, which gives the diagnostics; nothing here reports, it only skips a check proven to pass.
//
// The verdicts are keyed by the non-free strings themselves (a trie of maps, one level per
// such slot), not kept as a few recent ones: every object of a mesh whose non-free strings
// were seen once passes by lookup however large the mesh grows (a bounded list of recent
// verdicts covered fewer objects past 1,000 services). Bounded per template by MAX_VERDICTS
// key tuples; past that new tuples are checked in full, and nothing is evicted.
import type { Filled, Template } from "./manifest-text.ts";
import { isFreeString } from "./schema-memo.ts";
import { namespaceOk, objectNameOk, portNameOk, rootTypeOf, strictStringCheck } from "./strict.ts";
import type { Segment } from "./yaml-locate.ts";

const NAME = 1;
const NAMESPACE = 2;
const PORT_NAME = 3;

/** A trie level: the next non-free slot's string to the next level; the last level's values are `true`. */
type Trie = Map<string, Trie | true>;

interface Plan {
  /** Slots (indexes into the strings, visiting order) whose strings key the verdicts: the non-free ones, and any a strict check has no predicate for. */
  readonly keySlots: readonly number[];
  /** Slots tested per object, and how: checkSlots[i] by rules[i]. */
  readonly checkSlots: readonly number[];
  readonly rules: readonly number[];
  /** The kind the plan was made for (objectNameOk reads it; the kind is a key slot, so equal for every object that passes). */
  readonly kind: string;
  readonly paths: readonly (readonly Segment[])[];
  /** The verdicts: key tuples of objects that passed (`true` when there are no key slots). */
  readonly passed: Trie;
  none: boolean;
  size: number;
}

/** Per template, the plan by verdict context (0: resources, 1: patches), made when an object of it first passed. */
const plans = new WeakMap<Template, (Plan | undefined)[]>();
/** Key tuples kept per template and context: far more than a mesh has (a generated 4,000-service mesh has a handful). */
const MAX_VERDICTS = 10_000;

function makePlan(template: Template, rootType: string, kind: string): Plan {
  const keySlots: number[] = [];
  const checkSlots: number[] = [];
  const rules: number[] = [];
  template.paths.forEach((path, i) => {
    const check = strictStringCheck(path);
    // A string the schema constrains, or a strict check has no predicate for, keys the verdict; so do
    // apiVersion and kind, which pick the schema, the known fields and the name rules.
    if (!isFreeString(rootType, path) || check === "fixed" || (path.length === 1 && (path[0] === "apiVersion" || path[0] === "kind"))) keySlots.push(i);
    if (check === "name") { checkSlots.push(i); rules.push(NAME); }
    else if (check === "namespace") { checkSlots.push(i); rules.push(NAMESPACE); }
    else if (check === "portName") { checkSlots.push(i); rules.push(PORT_NAME); }
  });
  return { keySlots, checkSlots, rules, kind, paths: template.paths, passed: new Map(), none: false, size: 0 };
}

function namesPass(plan: Plan, strings: readonly string[]): boolean {
  const { checkSlots, rules } = plan;
  for (let j = 0; j < checkSlots.length; j++) {
    const i = checkSlots[j]!;
    const s = strings[i]!;
    switch (rules[j]) {
      case NAME: if (!objectNameOk(plan.kind, s)) return false; break;
      case NAMESPACE: if (!namespaceOk(s)) return false; break;
      default: if (!portNameOk(s, plan.paths[i]!)) return false;
    }
  }
  return true;
}

/** Whether an object filled from `filled` provably has no finding under `patch`'s rules, by a verdict of its template (see above). */
export function templatePassed(filled: Filled, patch: boolean): boolean {
  const plan = plans.get(filled.template)?.[patch ? 1 : 0];
  if (plan === undefined) return false;
  const { keySlots } = plan;
  const { strings } = filled;
  if (keySlots.length === 0) { if (!plan.none) return false; }
  else {
    let level: Trie | true | undefined = plan.passed;
    for (let j = 0; j < keySlots.length; j++) {
      level = (level as Trie).get(strings[keySlots[j]!]!);
      if (level === undefined) return false;
    }
  }
  return namesPass(plan, strings);
}

/**
 * Records that the object filled from `filled` (of `apiVersion`/`kind`) passed every check with
 * no finding under `patch`'s rules. The strings arrays are the emitter's, never changed after.
 */
export function recordTemplatePassed(filled: Filled, patch: boolean, apiVersion: unknown, kind: unknown): void {
  const rootType = rootTypeOf(apiVersion, kind);
  if (rootType === null || typeof kind !== "string") return;
  let byContext = plans.get(filled.template);
  if (byContext === undefined) plans.set(filled.template, (byContext = [undefined, undefined]));
  const context = patch ? 1 : 0;
  let plan = byContext[context];
  if (plan === undefined) byContext[context] = plan = makePlan(filled.template, rootType, kind);
  // The kind keys the verdict (a non-free slot), so a plan's kind is every passing object's; never another's.
  if (plan.kind !== kind) return;
  const { keySlots } = plan;
  if (keySlots.length === 0) { plan.none = true; return; }
  if (plan.size >= MAX_VERDICTS) return;
  let level: Trie = plan.passed;
  for (let j = 0; j < keySlots.length - 1; j++) {
    const s = filled.strings[keySlots[j]!]!;
    let next = level.get(s);
    if (next === undefined || next === true) level.set(s, (next = new Map()));
    level = next;
  }
  const last = filled.strings[keySlots[keySlots.length - 1]!]!;
  if (!level.has(last)) { level.set(last, true); plan.size++; }
}
