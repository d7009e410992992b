// The schema walk's first question, "does this bootstrap have any finding?", answered by one
// loop over an explicit stack of messages instead of SchemaWalker's recursion through eight
// small methods: a cold compile runs those in V8's baseline tier for most of the emit (the
// CLI delays optimization, compiler/cli/tiering.ts), where each call and property read is a
// stub call; one function with one loop is optimized after a few bootstraps. It keeps no
// path and no findings and stops at the first finding: a bootstrap it calls clean has none,
// any other is walked by SchemaWalker, which reports them (verify.ts). What is rare (enums or
// durations with rules, an `Any` of a well-known type, timestamps...) is handed to
// SchemaWalker itself for that one value (`singleClean`), so no rule is written twice.
// test/envoy/quick-walk.test.ts compares the two on hostile values.
import { isSharedSubtree } from "../../../compiler/serialize.ts";
import { SchemaWalker } from "./schema-walk.ts";
import type { PlanSet, TypePlan } from "./type-plans.ts";
import { checkCountRules } from "./validate-rules.ts";

const INT_RANGES: Readonly<Record<string, readonly [number, number]>> = {
  int32: [-(2 ** 31), 2 ** 31 - 1], sint32: [-(2 ** 31), 2 ** 31 - 1], sfixed32: [-(2 ** 31), 2 ** 31 - 1],
  uint32: [0, 2 ** 32 - 1], fixed32: [0, 2 ** 32 - 1],
  // Bounds past 2^53 as numbers: a safe integer compares with them exactly.
  int64: [-(2 ** 63), 2 ** 63], sint64: [-(2 ** 63), 2 ** 63], sfixed64: [-(2 ** 63), 2 ** 63],
  uint64: [0, 2 ** 64], fixed64: [0, 2 ** 64],
};
const INT_TEXT_RANGES: Readonly<Record<string, readonly [bigint, bigint]>> = {
  int32: [-(2n ** 31n), 2n ** 31n - 1n], sint32: [-(2n ** 31n), 2n ** 31n - 1n], sfixed32: [-(2n ** 31n), 2n ** 31n - 1n],
  uint32: [0n, 2n ** 32n - 1n], fixed32: [0n, 2n ** 32n - 1n],
  int64: [-(2n ** 63n), 2n ** 63n - 1n], sint64: [-(2n ** 63n), 2n ** 63n - 1n], sfixed64: [-(2n ** 63n), 2n ** 63n - 1n],
  uint64: [0n, 2n ** 64n - 1n], fixed64: [0n, 2n ** 64n - 1n],
};
const INTEGER_TEXT = /^-?[0-9]+$/;
const DURATION = /^(-)?([0-9]+)(?:\.([0-9]{1,9}))?s$/;
const MAX_DURATION_SECONDS = 315_576_000_000;
const BASE64 = /^[A-Za-z0-9+/_-]*={0,2}$/;
const FLOAT_WORDS = /^(NaN|-?Infinity)$/;

/** SchemaWalker.walkScalar's answer for scalars other than strings. */
function scalarClean(value: unknown, scalar: string): boolean {
  const range = INT_RANGES[scalar];
  if (range !== undefined) {
    if (typeof value === "number") return Number.isSafeInteger(value) && value >= range[0] && value <= range[1];
    if (typeof value !== "string" || !INTEGER_TEXT.test(value)) return false;
    const bounds = INT_TEXT_RANGES[scalar]!;
    const n = BigInt(value);
    return n >= bounds[0] && n <= bounds[1];
  }
  return scalar === "double" || scalar === "float"
    ? typeof value === "number" || (typeof value === "string" && (FLOAT_WORDS.test(value) || Number.isFinite(Number(value))))
    : scalar === "bool" ? typeof value === "boolean"
    : scalar === "bytes" ? typeof value === "string" && BASE64.test(value)
    : typeof value === "string";
}

/** SchemaWalker.walkDuration's answer without duration rules. */
function durationClean(value: unknown): boolean {
  if (typeof value !== "string") return false;
  if (value.length <= 11) return DURATION.test(value);
  const match = DURATION.exec(value);
  return match !== null && !(Number(match[2]) > MAX_DURATION_SECONDS);
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v);

/** Shared subtrees found clean as a message (as schema-walk.ts keeps them: the walk reads nothing but the value and the plan). */
const CLEAN = new WeakMap<object, TypePlan>();
const CLEAN_ANY = new WeakMap<object, TypePlan>();

/**
 * Whether SchemaWalker walking `value` as the message `fullName` from the document root finds
 * nothing (false: it finds something; walk it to learn what).
 */
export function quickClean(plans: PlanSet, value: unknown, fullName: string): boolean {
  const root = plans.type(fullName);
  const walker = new SchemaWalker(plans, false);
  if (root === null || root.special !== null || !isObject(value)) {
    walker.walkRoot(value, fullName);
    return walker.found === 0;
  }
  // The messages still to walk, with their plans and whether `@type` is skipped (an Any's body).
  const values: Record<string, unknown>[] = [value];
  const types: TypePlan[] = [root];
  const skips: boolean[] = [false];
  // Shared subtrees met: marked clean once the whole bootstrap is (then each of them is).
  const shared: { readonly value: object; readonly plan: TypePlan; readonly any: boolean }[] = [];
  while (values.length > 0) {
    const v = values.pop()!;
    const plan = types.pop()!;
    const any = skips.pop()!;
    if (Object.isFrozen(v) && isSharedSubtree(v)) {
      if ((any ? CLEAN_ANY : CLEAN).get(v) === plan) continue;
      shared.push({ value: v, plan, any });
    }
    let firstOneof: string | null = null;
    let moreOneofs: Set<string> | null = null;
    for (const key in v) {
      if (any && key === "@type") continue;
      const field = plan.fields.get(key);
      if (field === undefined) return false;
      const member = v[key];
      if (member === null || member === undefined) continue;
      const oneof = field.oneof;
      if (oneof !== null) {
        if (firstOneof === null) firstOneof = oneof;
        else if (firstOneof === oneof) return false;
        else {
          moreOneofs ??= new Set();
          if (moreOneofs.has(oneof)) return false;
          moreOneofs.add(oneof);
        }
      }
      if (field.deprecated) return false;
      // A list, a map's values, or the one value: each checked as walkSingle does.
      let list: readonly unknown[] | null = null;
      if (field.map) {
        if (!isObject(member)) return false;
        list = Object.values(member);
        if (field.rules !== null && checkCountRules(list.length, field.rules) !== null) return false;
      } else if (field.repeated) {
        if (!Array.isArray(member)) return false;
        list = member;
        if (field.rules !== null && checkCountRules(list.length, field.rules) !== null) return false;
      }
      const rules = list === null ? field.rules : field.single;
      const count = list === null ? 1 : list.length;
      for (let i = 0; i < count; i++) {
        const x = list === null ? member : list[i];
        const kind = field.kind;
        if (kind === "scalar") {
          if (field.scalar === "string" ? typeof x !== "string" : !scalarClean(x, field.scalar)) return false;
          if (field.check !== null && field.check(x) !== null) return false;
          continue;
        }
        if (kind === "enum") {
          if (rules !== null) { if (!walker.singleClean(x, field, rules)) return false; continue; }
          if (typeof x === "string" ? field.values![x] === undefined : !(typeof x === "number" && Number.isInteger(x))) return false;
          continue;
        }
        const type = field.message !== undefined ? field.message : plans.messageOf(field);
        if (type === null) return false;
        const special = type.special;
        if (special === null) {
          if (!isObject(x)) return false;
          values.push(x); types.push(type); skips.push(false);
          continue;
        }
        if (special === "duration" && rules?.duration === undefined) { if (!durationClean(x)) return false; continue; }
        // walkSingle's wrapper case, and walkMessage's Struct (every metadata's values), Value and ListValue.
        if (special === "wrapper") {
          const wrapped = type.wrapped!;
          if (wrapped === "string" ? typeof x !== "string" : !scalarClean(x, wrapped)) return false;
          if (field.check !== null && field.check(x) !== null) return false;
          continue;
        }
        if (special === "struct") { if (!isObject(x)) return false; continue; }
        if (special === "value") continue;
        if (special === "list") { if (!Array.isArray(x)) return false; continue; }
        if (special === "any" && rules === null) {
          if (!isObject(x)) return false;
          const typeUrl = x["@type"];
          if (typeof typeUrl !== "string") return false;
          const body = plans.typeOfUrl(typeUrl);
          if (body === null) return false;
          if (body.special === null) { values.push(x); types.push(body); skips.push(true); continue; }
        }
        if (!walker.singleClean(x, field, rules)) return false;
      }
    }
    for (let c = 0; c < plan.absentChecked.length; c++) {
      const keys = plan.absentChecked[c]!.keys;
      let set = false;
      for (let k = 0; k < keys.length && !set; k++) set = v[keys[k]!] !== null && v[keys[k]!] !== undefined;
      if (!set) return false;
    }
    for (let o = 0; o < plan.requiredOneofs.length; o++) {
      const name = plan.requiredOneofs[o]!.name;
      if (firstOneof !== name && (moreOneofs === null || !moreOneofs.has(name))) return false;
    }
  }
  for (const s of shared) (s.any ? CLEAN_ANY : CLEAN).set(s.value, s.plan);
  return true;
}
