// Walks a parsed Envoy document as a proto message, the way Envoy's strict JSON/YAML
// loader reads it: unknown fields, JSON types, integer ranges, enums, durations, `Any`
// resolved by `@type`, oneofs, and the validate rules of every field met on the way.
import type { CodeInfo } from "../../../compiler/diagnostics/define.ts";
import { isSharedSubtree } from "../../../compiler/serialize.ts";
import { ENVOY_CODES } from "../codes.ts";
import type { Finding, PathSegment } from "./findings.ts";
import { suggestName } from "./findings.ts";
import type { FieldPlan, PlanSet, TypePlan } from "./type-plans.ts";
import {
  checkCountRules, checkDurationRules, checkEnumRules, type Rules,
} from "./validate-rules.ts";

const INT_RANGES: Record<string, readonly [bigint, bigint]> = {
  int32: [-(2n ** 31n), 2n ** 31n - 1n], sint32: [-(2n ** 31n), 2n ** 31n - 1n], sfixed32: [-(2n ** 31n), 2n ** 31n - 1n],
  uint32: [0n, 2n ** 32n - 1n], fixed32: [0n, 2n ** 32n - 1n],
  int64: [-(2n ** 63n), 2n ** 63n - 1n], sint64: [-(2n ** 63n), 2n ** 63n - 1n], sfixed64: [-(2n ** 63n), 2n ** 63n - 1n],
  uint64: [0n, 2n ** 64n - 1n], fixed64: [0n, 2n ** 64n - 1n],
};
/** Seconds, up to nine decimals, `s` suffix; range of google.protobuf.Duration. */
const DURATION = /^(-)?([0-9]+)(?:\.([0-9]{1,9}))?s$/;
const MAX_DURATION_SECONDS = 315_576_000_000;
const BASE64 = /^[A-Za-z0-9+/_-]*={0,2}$/;
const TIMESTAMP = /^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,9})?(Z|[+-][0-9]{2}:[0-9]{2})$/;

/**
 * Shared subtrees (compiler/serialize.ts `shareSubtree`: deeply frozen, the same object in
 * many bootstraps) already walked without a finding, with the message they were walked as:
 * walking one again as the same message can only give the same (no) findings, since a walk
 * reads nothing but the value and the plan. Separate for `Any` members, walked without their
 * `@type`. Keyed by the object: an entry lives as long as the subtree and cannot be another's.
 */
const CLEAN = new WeakMap<object, TypePlan>();
const CLEAN_ANY = new WeakMap<object, TypePlan>();

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v);
const jsonTypeOf = (v: unknown) => (v === null ? "null" : Array.isArray(v) ? "list" : typeof v === "object" ? "object" : typeof v);

/** Whether one of `keys` holds a value (null is "not set", undefined is dropped). */
function isSet(value: Record<string, unknown>, keys: readonly string[]): boolean {
  for (let i = 0; i < keys.length; i++) if (value[keys[i]!] !== null && value[keys[i]!] !== undefined) return true;
  return false;
}

export class SchemaWalker {
  readonly findings: Finding[] = [];
  /** Findings met so far (counted whether or not they are kept). */
  found = 0;
  private readonly path: PathSegment[] = [];

  /**
   * `track: false` walks without keeping the path or the findings, counting them only: a
   * bootstrap nearly always has none, and then the path of every member walked (a push and a
   * pop each) is never read. The caller walks again with `track` when `found` is not 0.
   */
  constructor(private readonly plans: PlanSet, private readonly track = true) {}

  private report(info: CodeInfo, message: string, hint: string | null = null, atKey = false): void {
    this.found++;
    if (this.track) this.findings.push({ info, path: [...this.path], message, hint, atKey });
  }

  private at(segment: PathSegment, visit: () => void): void {
    this.path.push(segment);
    visit();
    this.path.pop();
  }

  /** Walks `value` as the message `fullName` (e.g. the Bootstrap) from the document root. */
  walkRoot(value: unknown, fullName: string): void {
    const plan = this.plans.type(fullName);
    if (plan === null) { this.report(ENVOY_CODES.protosUnavailable, `message ${fullName} is not in the loaded protos`); return; }
    this.walkMessage(value, plan);
  }

  private walkMessage(value: unknown, plan: TypePlan): void {
    switch (plan.special) {
      case "wrapper": this.walkScalar(value, plan.wrapped!); return;
      case "duration": this.walkDuration(value, null); return;
      case "any": this.walkAny(value, null); return;
      case "struct": if (!isObject(value)) this.report(ENVOY_CODES.wrongType, `expected an object, got ${jsonTypeOf(value)}`); return;
      case "value": return;
      case "list": if (!Array.isArray(value)) this.report(ENVOY_CODES.wrongType, `expected a list, got ${jsonTypeOf(value)}`); return;
      case "timestamp": if (typeof value !== "string" || !TIMESTAMP.test(value)) this.report(ENVOY_CODES.wrongType, "expected an RFC 3339 timestamp string"); return;
      case "fieldmask": if (typeof value !== "string") this.report(ENVOY_CODES.wrongType, "expected a field mask string"); return;
    }
    if (!isObject(value)) { this.report(ENVOY_CODES.wrongType, `expected an object (${plan.fullName}), got ${jsonTypeOf(value)}`); return; }
    this.walkFields(value, plan, null);
  }

  // The two reports below are methods, not closures in the member loop: a closure there made
  // every iteration allocate a context for the variables it captured, found or not (measured:
  // the largest allocator of the walk, ~20 MB over a 1,000-service bundle).
  private reportUnknownField(key: string, plan: TypePlan): void {
    const suggestion = suggestName(key, plan.protoNames);
    this.path.push(key);
    this.report(ENVOY_CODES.unknownField, `unknown field "${key}" in ${plan.fullName}`, suggestion !== null ? `did you mean "${suggestion}"?` : null, true);
    this.path.pop();
  }

  private reportOneofConflict(key: string, other: string, oneof: string, plan: TypePlan): void {
    this.path.push(key);
    this.report(ENVOY_CODES.oneofConflict, `"${key}" and "${other}" are both members of oneof ${oneof} in ${plan.fullName}`, `keep only one of them`, true);
    this.path.pop();
  }

  /** Walks an object's members against a message; `skip` is a key already handled (`@type`). */
  private walkFields(value: Record<string, unknown>, plan: TypePlan, skip: string | null): void {
    const clean = !isSharedSubtree(value) ? null : skip === null ? CLEAN : skip === "@type" ? CLEAN_ANY : null;
    if (clean !== null && clean.get(value) === plan) return;
    const before = this.found;
    this.walkMembers(value, plan, skip);
    if (clean !== null && this.found === before) clean.set(value, plan);
  }

  private walkMembers(value: Record<string, unknown>, plan: TypePlan, skip: string | null): void {
    // The first oneof set (and the key that set it) in locals, a map only from a second oneof
    // on: the walk visits millions of messages, and most set one oneof at most.
    let firstOneof: string | null = null;
    let firstKey = "";
    let moreOneofs: Map<string, string> | null = null;
    const track = this.track;
    // for-in, not Object.keys: the same keys in the same order on the plain objects walked here,
    // without an array per message (Object.keys was the walk's largest allocation left).
    for (const key in value) {
      if (key === skip) continue;
      const field = plan.fields.get(key);
      if (field === undefined) {
        this.reportUnknownField(key, plan);
        continue;
      }
      const member = value[key];
      // proto3 JSON: null means "not set"; undefined is what the serializer drops (the
      // pipeline walks the emitter's objects, not parsed YAML).
      if (member === null || member === undefined) continue;
      if (field.oneof !== null) {
        let other: string | undefined;
        if (firstOneof === null) { firstOneof = field.oneof; firstKey = key; }
        else if (firstOneof === field.oneof) other = firstKey;
        else {
          moreOneofs ??= new Map();
          other = moreOneofs.get(field.oneof);
          if (other === undefined) moreOneofs.set(field.oneof, key);
        }
        if (other !== undefined) this.reportOneofConflict(key, other, field.oneof, plan);
      }
      // at(), inlined: a closure per member was a visible share of the walk's garbage.
      if (track) this.path.push(key);
      if (field.deprecated) this.report(ENVOY_CODES.deprecatedField, `field "${key}" of ${plan.fullName} is deprecated`, null, true);
      // A plain field (most) goes straight to walkSingle: one call less per member.
      if (field.map || field.repeated) this.walkField(member, field);
      else this.walkSingle(member, field, field.rules);
      if (track) this.path.pop();
    }
    // Present: a key of the field holding a value (null is "not set", undefined is dropped).
    // Indexed loops: the walk runs cold once per compile, where a for-of still allocates its iterator.
    for (let c = 0; c < plan.absentChecked.length; c++) {
      const check = plan.absentChecked[c]!;
      if (isSet(value, check.keys)) continue;
      this.report(check.required ? ENVOY_CODES.requiredMissing : ENVOY_CODES.validateRule,
        `${plan.fullName}.${check.field.name} ${check.message}${check.required ? "" : " (it is absent)"}`);
    }
    for (let o = 0; o < plan.requiredOneofs.length; o++) {
      const oneof = plan.requiredOneofs[o]!;
      if (firstOneof !== oneof.name && (moreOneofs === null || !moreOneofs.has(oneof.name))) {
        this.report(ENVOY_CODES.requiredMissing, `${plan.fullName} needs one of ${oneof.members.join(", ")} (oneof ${oneof.name})`);
      }
    }
  }

  private walkField(value: unknown, field: FieldPlan): void {
    if (field.map) {
      if (!isObject(value)) { this.report(ENVOY_CODES.wrongType, `expected an object (map), got ${jsonTypeOf(value)}`); return; }
      const keys = Object.keys(value);
      if (field.rules !== null) this.checkRule(checkCountRules(keys.length, field.rules));
      for (const key of keys) {
        if (this.track) this.path.push(key);
        this.walkSingle(value[key], field, field.single);
        if (this.track) this.path.pop();
      }
      return;
    }
    if (field.repeated) {
      if (!Array.isArray(value)) { this.report(ENVOY_CODES.wrongType, `expected a list, got ${jsonTypeOf(value)}`); return; }
      if (field.rules !== null) this.checkRule(checkCountRules(value.length, field.rules));
      const track = this.track;
      for (let i = 0; i < value.length; i++) {
        if (track) this.path.push(i);
        this.walkSingle(value[i], field, field.single);
        if (track) this.path.pop();
      }
      return;
    }
    this.walkSingle(value, field, field.rules);
  }

  /**
   * Whether one value found nothing walked as `field` with `rules`, as walkSingle walks it (a
   * field's value, a list item or a map value): quick-walk.ts hands over what it does not check itself.
   */
  singleClean(value: unknown, field: FieldPlan, rules: Rules | null): boolean {
    const before = this.found;
    this.walkSingle(value, field, rules);
    return this.found === before;
  }

  private checkRule(message: string | null): void {
    if (message !== null) this.report(ENVOY_CODES.validateRule, message);
  }

  /** One value (a non-repeated field, a list item or a map value) with the rules that apply to it. */
  private walkSingle(value: unknown, field: FieldPlan, rules: Rules | null): void {
    const kind = field.kind;
    if (kind === "scalar") {
      if (this.walkScalar(value, field.scalar) && field.check !== null) {
        const message = field.check(value);
        if (message !== null) this.report(ENVOY_CODES.validateRule, message);
      }
      return;
    }
    if (kind === "enum") { this.walkEnum(value, field, rules); return; }
    const plan = field.message !== undefined ? field.message : this.plans.messageOf(field);
    if (plan === null) { this.report(ENVOY_CODES.protosUnavailable, `message ${field.ref} is not in the loaded protos`); return; }
    switch (plan.special) {
      // An ordinary message (most): walkMessage's last case, without the call.
      case null:
        if (!isObject(value)) this.report(ENVOY_CODES.wrongType, `expected an object (${plan.fullName}), got ${jsonTypeOf(value)}`);
        else this.walkFields(value, plan, null);
        return;
      case "duration": this.walkDuration(value, rules); return;
      case "any": this.walkAny(value, rules); return;
      case "wrapper": if (this.walkScalar(value, plan.wrapped!) && field.check !== null) this.checkRule(field.check(value)); return;
    }
    this.walkMessage(value, plan);
  }

  /** Returns true when the value has the right JSON type (so rules may be checked). */
  private walkScalar(value: unknown, scalar: string): boolean {
    // Strings first (most scalars walked): what the general case below decides for them, without the range lookup.
    if (scalar === "string") {
      if (typeof value === "string") return true;
      this.report(ENVOY_CODES.wrongType, `expected a string, got ${jsonTypeOf(value)}`);
      return false;
    }
    const range = INT_RANGES[scalar];
    if (range !== undefined) {
      if (typeof value === "number") {
        // Numbers (nearly every integer the emitter writes) are compared as they are: a safe
        // integer against the bigint bounds is exact, and no string or bigint is made.
        if (!Number.isSafeInteger(value)) { this.report(ENVOY_CODES.integerOutOfRange, `${JSON.stringify(value)} is not an integer (${scalar})`); return false; }
        if (value < range[0] || value > range[1]) { this.report(ENVOY_CODES.integerOutOfRange, `${value} is out of range for ${scalar} [${range[0]}, ${range[1]}]`); return false; }
        return true;
      }
      const text = typeof value === "string" ? value : null;
      if (text === null) { this.report(ENVOY_CODES.wrongType, `expected an integer (${scalar}), got ${jsonTypeOf(value)}`); return false; }
      if (!/^-?[0-9]+$/.test(text)) {
        this.report(ENVOY_CODES.integerOutOfRange, `${JSON.stringify(value)} is not an integer (${scalar})`); return false;
      }
      const n = BigInt(text);
      if (n < range[0] || n > range[1]) { this.report(ENVOY_CODES.integerOutOfRange, `${text} is out of range for ${scalar} [${range[0]}, ${range[1]}]`); return false; }
      return true;
    }
    const ok = scalar === "double" || scalar === "float"
      ? typeof value === "number" || (typeof value === "string" && (/^(NaN|-?Infinity)$/.test(value) || Number.isFinite(Number(value))))
      : scalar === "bool" ? typeof value === "boolean"
      : scalar === "bytes" ? typeof value === "string" && BASE64.test(value)
      : typeof value === "string";
    if (!ok) this.report(ENVOY_CODES.wrongType, `expected ${scalar === "bytes" ? "base64 bytes" : `a ${scalar}`}, got ${jsonTypeOf(value)}`);
    return ok;
  }

  private walkEnum(value: unknown, field: FieldPlan, rules: Rules | null): void {
    const values = field.values!;
    let number: number | undefined;
    if (typeof value === "string") number = values[value];
    else if (typeof value === "number" && Number.isInteger(value)) number = value;
    if (number === undefined) {
      const suggestion = typeof value === "string" ? suggestName(value, Object.keys(values)) : null;
      this.report(ENVOY_CODES.invalidEnum, `${JSON.stringify(value)} is not a value of ${field.ref}`,
        suggestion !== null ? `did you mean ${suggestion}?` : `one of ${Object.keys(values).join(", ")}`);
      return;
    }
    // A name that maps to a number is a defined value; only a number given as such needs the search.
    const defined = typeof value === "string" && typeof number === "number" ? true : Object.values(values).includes(number);
    if (rules !== null) this.checkRule(checkEnumRules(number, defined, rules));
  }

  private walkDuration(value: unknown, rules: Rules | null): void {
    // Without duration rules a short duration needs no match groups: at most 10 digits of
    // seconds ("s" included, 11 characters) cannot exceed the maximum of 12 digits.
    if (rules?.duration === undefined && typeof value === "string" && value.length <= 11 && DURATION.test(value)) return;
    const match = typeof value === "string" ? DURATION.exec(value) : null;
    if (match === null || Number(match[2]) > MAX_DURATION_SECONDS) {
      this.report(ENVOY_CODES.invalidDuration, `${JSON.stringify(value)} is not a duration`, `write seconds with an "s" suffix, e.g. "0.25s" for 250 ms`);
      return;
    }
    const nanos = (match[1] ? -1 : 1) * (Number(match[2]) * 1e9 + Number((match[3] ?? "").padEnd(9, "0")));
    if (rules?.duration !== undefined) this.checkRule(checkDurationRules(nanos, rules.duration));
  }

  private walkAny(value: unknown, rules: Rules | null): void {
    if (!isObject(value)) { this.report(ENVOY_CODES.wrongType, `expected an object with @type, got ${jsonTypeOf(value)}`); return; }
    const typeUrl = value["@type"];
    if (typeof typeUrl !== "string") { this.report(ENVOY_CODES.unknownTypeUrl, "typed config without @type"); return; }
    if (Array.isArray(rules?.any?.in) && !rules!.any.in.includes(typeUrl)) this.checkRule(`@type must be one of ${rules!.any.in.join(", ")}`);
    const plan = this.plans.typeOfUrl(typeUrl);
    if (plan === null) { this.at("@type", () => this.report(ENVOY_CODES.unknownTypeUrl, `unknown @type ${typeUrl}`)); return; }
    // Types with a special JSON form (Duration, Struct, wrappers) carry it in "value".
    if (plan.special !== null) {
      if (this.track) this.at("value", () => this.walkMessage(value.value, plan));
      else this.walkMessage(value.value, plan);
      return;
    }
    this.walkFields(value, plan, "@type");
  }
}
