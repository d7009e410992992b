// The verifier's per-object work once per template. An object written from a template of
// manifest-text.ts has the template's keys (in order), list lengths, numbers, booleans and
// nulls, and strings at the template's slots. The checks read it as follows:
// - the schema (kubernetes-models validate()) gives every object of that structure the same
//   verdict when the strings at non-free slots are the same (schema-memo.ts: the free paths,
//   which the schemas take any string at, probed by test/kubernetes/schema-memo.test.ts);
// - the strict pass (strict.ts) reads keys and numbers, which the template fixes, and the
//   strings strictStringCheck names, which are tested per object with its own predicates.
// So once one object of a template passed every check with no finding (its strings are kept),
// another object of the template and verdict context (a patch skips `required`) passes when
// its strings at non-free slots equal the kept ones and its names pass the strict predicates:
// a few string comparisons instead of a schema walk and two strict walks per object. Any
// other object (a string that differs, a name that fails) goes through the whole check, which
// gives the diagnostics; nothing here ever reports, it only skips a check proven to pass.
import type { Template } from "./manifest-text.ts";
import { isFreeString } from "./schema-memo.ts";
import { namespaceOk, objectNameOk, portNameOk, rootTypeOf, strictStringCheck } from "./strict.ts";
import type { Segment } from "./yaml-locate.ts";

/** An object's template and its strings in the template's visiting order (manifest-text.ts). */
export interface Filled {
  readonly template: Template;
  readonly strings: readonly string[];
}

const FIXED = 0;
const NAME = 1;
const NAMESPACE = 2;
const PORT_NAME = 3;

interface Verdict {
  /** The strings of the object that passed. */
  readonly strings: readonly string[];
  /** The kind that passed (objectNameOk depends on it), and the slots' paths (portNameOk does). */
  readonly kind: string;
  readonly paths: readonly (readonly Segment[])[];
  /** The slots tested per object and how: slots[i] with rules[i]. */
  readonly slots: readonly number[];
  readonly rules: readonly number[];
}

/** Per template, the verdicts by context (0 resources, 1 patches); a template holds a few, made by the first passing objects. */
const verdicts = new WeakMap<Template, Verdict[][]>();
const MAX_VERDICTS = 4;

function passesVerdict(v: Verdict, strings: readonly string[]): boolean {
  const { slots, rules } = v;
  for (let j = 0; j < slots.length; j++) {
    const i = slots[j]!;
    const s = strings[i]!;
    switch (rules[j]) {
      case FIXED: if (s !== v.strings[i]) return false; break;
      case NAME: if (!objectNameOk(v.kind, s)) return false; break;
      case NAMESPACE: if (!namespaceOk(s)) return false; break;
      default: if (!portNameOk(s, v.paths[i]!)) return false;
    }
  }
  return true;
}

/** Whether an object filled from `filled` provably has no finding, by a verdict its template holds for `patch` (see above). */
export function templatePassed(filled: Filled, patch: boolean): boolean {
  const list = verdicts.get(filled.template)?.[patch ? 1 : 0];
  if (list === undefined) return false;
  for (const v of list) if (passesVerdict(v, filled.strings)) return true;
  return false;
}

/**
 * Records that the object filled from `filled` (of kind `apiVersion`/`kind`) passed every
 * check with no finding under `patch`'s rules. The strings arrays are the emitter's, never changed after.
 */
export function recordTemplatePassed(filled: Filled, patch: boolean, apiVersion: unknown, kind: unknown): void {
  const rootType = rootTypeOf(apiVersion, kind);
  if (rootType === null) return;
  const { template, strings } = filled;
  const slots: number[] = [];
  const rules: number[] = [];
  template.paths.forEach((path: readonly Segment[], i) => {
    const free = isFreeString(rootType, path);
    const check = strictStringCheck(path);
    // A string the schema constrains, or a strict check has no predicate for, must be the one that passed.
    if (!free || check === "fixed") { slots.push(i); rules.push(FIXED); }
    else if (check === "name") { slots.push(i); rules.push(NAME); }
    else if (check === "namespace") { slots.push(i); rules.push(NAMESPACE); }
    else if (check === "portName") { slots.push(i); rules.push(PORT_NAME); }
  });
  let byContext = verdicts.get(template);
  if (byContext === undefined) verdicts.set(template, (byContext = [[], []]));
  const list = byContext[patch ? 1 : 0]!;
  if (list.length >= MAX_VERDICTS) list.shift();
  list.push({ strings, kind: String(kind), paths: template.paths, slots, rules });
}
