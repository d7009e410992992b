// protoc-gen-validate rules, read from `field.parsedOptions` and applied the way Envoy's
// generated validators apply them. Each check returns a message, or null when it passes.
import type protobuf from "protobufjs";

export type Rules = Record<string, any>;

/** All `(validate.rules)` options of a field merged into one object, or null. */
export function collectRules(field: protobuf.Field): Rules | null {
  let merged: Rules | null = null;
  for (const option of (field.parsedOptions ?? []) as Record<string, unknown>[]) {
    const rules = option["(validate.rules)"];
    if (rules !== undefined && typeof rules === "object" && rules !== null) merged = deepMerge(merged ?? {}, rules as Rules);
  }
  return merged;
}

function deepMerge(into: Rules, from: Rules): Rules {
  for (const [key, value] of Object.entries(from)) {
    into[key] = value !== null && typeof value === "object" && !Array.isArray(value) && typeof into[key] === "object"
      ? deepMerge({ ...into[key] }, value as Rules) : value;
  }
  return into;
}

/** True when the oneof carries `(validate.required) = true`. */
export function isRequiredOneof(oneof: protobuf.OneOf): boolean {
  if (oneof.options?.["(validate.required)"] === true) return true;
  return ((oneof.parsedOptions ?? []) as Record<string, unknown>[]).some((o) => o["(validate.required)"] === true);
}

const NUMERIC_KINDS = ["uint32", "int32", "uint64", "int64", "sint32", "sint64", "fixed32", "fixed64", "sfixed32", "sfixed64", "double", "float"];

function toNumber(value: unknown): number {
  return typeof value === "number" ? value : Number(value);
}

function checkBounds(value: number, r: Rules, show: (n: number) => string): string | null {
  if (r.const !== undefined && value !== toNumber(r.const)) return `must equal ${show(toNumber(r.const))}`;
  if (r.gt !== undefined && !(value > toNumber(r.gt))) return `must be greater than ${show(toNumber(r.gt))}`;
  if (r.gte !== undefined && !(value >= toNumber(r.gte))) return `must be at least ${show(toNumber(r.gte))}`;
  if (r.lt !== undefined && !(value < toNumber(r.lt))) return `must be less than ${show(toNumber(r.lt))}`;
  if (r.lte !== undefined && !(value <= toNumber(r.lte))) return `must be at most ${show(toNumber(r.lte))}`;
  if (Array.isArray(r.in) && !r.in.map(toNumber).includes(value)) return `must be one of ${r.in.join(", ")}`;
  if (Array.isArray(r.not_in) && r.not_in.map(toNumber).includes(value)) return `must not be one of ${r.not_in.join(", ")}`;
  return null;
}

// Envoy's HTTP_HEADER_NAME / HTTP_HEADER_VALUE regexes, strict and non-strict.
const HEADER_NAME_STRICT = /^:?[0-9a-zA-Z!#$%&'*+\-.^_|~`]+$/;
const HEADER_VALUE_STRICT = /^[^\u0000-\u0008\u000A-\u001F\u007F]*$/;
const NO_NUL_CR_LF = /^[^\u0000\n\r]*$/;

function checkWellKnown(value: string, r: Rules): string | null {
  const strict = r.strict !== false;
  if (r.well_known_regex === "HTTP_HEADER_NAME" && !(strict ? HEADER_NAME_STRICT : NO_NUL_CR_LF).test(value)) return "is not a valid HTTP header name";
  if (r.well_known_regex === "HTTP_HEADER_VALUE" && !(strict ? HEADER_VALUE_STRICT : NO_NUL_CR_LF).test(value)) return "is not a valid HTTP header value";
  if (r.address === true && !/^[0-9A-Fa-f:.]+$/.test(value)) return "is not an IP address";
  return null;
}

// Compiled once per pattern: the walk checks every string of every bootstrap.
const patterns = new Map<string, RegExp | null>();
function patternOf(source: string): RegExp | null {
  let re = patterns.get(source);
  if (re === undefined) {
    // PGV patterns are RE2; the ones in Envoy's API are also valid JavaScript regexes.
    try { re = new RegExp(source, "u"); } catch { re = null; /* pattern outside JS syntax: not checked */ }
    patterns.set(source, re);
  }
  return re;
}

/** Code points, as `[...value].length` counts them, without the array (most strings have a length rule). */
function codePoints(value: string): number {
  let count = value.length;
  for (let i = 0; i < value.length - 1; i++) {
    const c = value.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = value.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) { count--; i++; }
    }
  }
  return count;
}

function checkString(value: string, r: Rules): string | null {
  if (r.ignore_empty === true && value === "") return null;
  // Code points and UTF-8 bytes are counted only for the rules that need them (most strings have none).
  const counted = r.len !== undefined || r.min_len !== undefined || r.max_len !== undefined;
  const chars = counted ? codePoints(value) : 0;
  const bytes = r.min_bytes !== undefined || r.max_bytes !== undefined ? Buffer.byteLength(value) : 0;
  if (r.const !== undefined && value !== r.const) return `must equal ${JSON.stringify(r.const)}`;
  if (r.len !== undefined && chars !== toNumber(r.len)) return `must be ${r.len} characters long`;
  if (r.min_len !== undefined && chars < toNumber(r.min_len)) return `must be at least ${r.min_len} characters long`;
  if (r.max_len !== undefined && chars > toNumber(r.max_len)) return `must be at most ${r.max_len} characters long`;
  if (r.min_bytes !== undefined && bytes < toNumber(r.min_bytes)) return `must be at least ${r.min_bytes} bytes long`;
  if (r.max_bytes !== undefined && bytes > toNumber(r.max_bytes)) return `must be at most ${r.max_bytes} bytes long`;
  if (r.prefix !== undefined && !value.startsWith(r.prefix)) return `must start with ${JSON.stringify(r.prefix)}`;
  if (r.suffix !== undefined && !value.endsWith(r.suffix)) return `must end with ${JSON.stringify(r.suffix)}`;
  if (r.contains !== undefined && !value.includes(r.contains)) return `must contain ${JSON.stringify(r.contains)}`;
  if (Array.isArray(r.in) && !r.in.includes(value)) return `must be one of ${r.in.join(", ")}`;
  if (Array.isArray(r.not_in) && r.not_in.includes(value)) return `must not be one of ${r.not_in.join(", ")}`;
  if (typeof r.pattern === "string") {
    const re = patternOf(r.pattern);
    if (re !== null && !re.test(value)) return `must match ${r.pattern}`;
  }
  return checkWellKnown(value, r);
}

/** A check of one value against fixed rules: the message of the first rule it breaks, or null. */
export type ValueCheck = (value: unknown) => string | null;

type StringCheck = (value: string) => string | null;

/**
 * checkString for fixed rules, as a closure holding only the rules present, in checkString's
 * order (the first broken rule's message is the one reported): the walk checks every string
 * of every bootstrap, and most rules hold only a minimum length.
 */
function compileString(r: Rules): StringCheck {
  const steps: StringCheck[] = [];
  if (r.const !== undefined) steps.push((v) => (v !== r.const ? `must equal ${JSON.stringify(r.const)}` : null));
  if (r.len !== undefined || r.min_len !== undefined || r.max_len !== undefined) steps.push(compileLength(r));
  if (r.min_bytes !== undefined || r.max_bytes !== undefined) {
    steps.push((v) => {
      const bytes = Buffer.byteLength(v);
      if (r.min_bytes !== undefined && bytes < toNumber(r.min_bytes)) return `must be at least ${r.min_bytes} bytes long`;
      if (r.max_bytes !== undefined && bytes > toNumber(r.max_bytes)) return `must be at most ${r.max_bytes} bytes long`;
      return null;
    });
  }
  const rest = r.prefix !== undefined || r.suffix !== undefined || r.contains !== undefined || Array.isArray(r.in) || Array.isArray(r.not_in)
    || typeof r.pattern === "string" || r.well_known_regex !== undefined || r.address === true;
  // The remaining rules are rare: checkString itself, whose earlier checks these steps already passed.
  if (rest) steps.push((v) => checkString(v, r));
  const ignoreEmpty = r.ignore_empty === true;
  if (steps.length === 0) return () => null;
  // One step (most rules hold only a minimum length) is the check itself, with no loop around it.
  if (steps.length === 1) {
    const only = steps[0]!;
    return ignoreEmpty ? (v) => (v === "" ? null : only(v)) : only;
  }
  // Indexed: the walk runs cold once per compile, where a for-of allocates its iterator on every call.
  return (v) => {
    if (ignoreEmpty && v === "") return null;
    for (let i = 0; i < steps.length; i++) {
      const message = steps[i]!(v);
      if (message !== null) return message;
    }
    return null;
  };
}

/**
 * The length rules (len, min_len, max_len, counted in code points as checkString does). A
 * string of n UTF-16 units has between ceil(n / 2) and n code points, so the count is made
 * only when those bounds do not settle every rule: a name checked against `min_len: 1` is
 * never scanned.
 */
function compileLength(r: Rules): StringCheck {
  const len = r.len !== undefined ? toNumber(r.len) : undefined;
  const min = r.min_len !== undefined ? toNumber(r.min_len) : undefined;
  const max = r.max_len !== undefined ? toNumber(r.max_len) : undefined;
  return (v) => {
    const n = v.length;
    if (len === undefined && (min === undefined || (n + 1) >> 1 >= min) && (max === undefined || n <= max)) return null;
    const chars = codePoints(v);
    if (len !== undefined && chars !== len) return `must be ${r.len} characters long`;
    if (min !== undefined && chars < min) return `must be at least ${r.min_len} characters long`;
    if (max !== undefined && chars > max) return `must be at most ${r.max_len} characters long`;
    return null;
  };
}

/** checkScalarRules for fixed rules (a field's), as a closure (a string's rules alone, the usual case, as the string check). */
export function compileScalarRules(rules: Rules): ValueCheck {
  const string = rules.string !== undefined ? compileString(rules.string) : null;
  const boolConst = rules.bool?.const;
  const kind = NUMERIC_KINDS.find((k) => rules[k] !== undefined);
  const bounds = kind !== undefined ? rules[kind] as Rules : null;
  if (string !== null && boolConst === undefined && bounds === null) return (value) => (typeof value === "string" ? string(value) : null);
  return (value) => {
    if (string !== null && typeof value === "string") return string(value);
    if (boolConst !== undefined && value !== boolConst) return `must be ${boolConst}`;
    return bounds !== null ? checkBounds(toNumber(value), bounds, String) : null;
  };
}

/** Nanoseconds of a PGV duration bound (`{ seconds, nanos }`, either may be missing). */
function boundNanos(bound: Rules): number {
  return toNumber(bound.seconds ?? 0) * 1e9 + toNumber(bound.nanos ?? 0);
}

const showDuration = (n: number) => `${n / 1e9}s`;
const DURATION_BOUND_KEYS = ["const", "gt", "gte", "lt", "lte"];

/**
 * A duration field's rules as nanosecond bounds, converted once per rules object (they come
 * from the loaded plans and never change): converting on every duration walked was a
 * measurable share of the walk's garbage.
 */
const DURATION_BOUNDS = new WeakMap<Rules, Rules>();

function durationBounds(r: Rules): Rules {
  let bounds = DURATION_BOUNDS.get(r);
  if (bounds === undefined) {
    bounds = {};
    for (const key of DURATION_BOUND_KEYS) if (r[key] !== undefined) bounds[key] = boundNanos(r[key]);
    DURATION_BOUNDS.set(r, bounds);
  }
  return bounds;
}

export function checkDurationRules(nanos: number, r: Rules): string | null {
  return checkBounds(nanos, durationBounds(r), showDuration);
}

/** Checks a scalar value (already type-checked) against the rules of its kind. */
export function checkScalarRules(value: unknown, rules: Rules): string | null {
  if (rules.string !== undefined && typeof value === "string") return checkString(value, rules.string);
  if (rules.bool?.const !== undefined && value !== rules.bool.const) return `must be ${rules.bool.const}`;
  for (const kind of NUMERIC_KINDS) {
    if (rules[kind] !== undefined) return checkBounds(toNumber(value), rules[kind], String);
  }
  return null;
}

export function checkEnumRules(number: number, defined: boolean, rules: Rules): string | null {
  const r = rules.enum;
  if (r === undefined) return null;
  if (r.defined_only === true && !defined) return `${number} is not a defined value of the enum`;
  return checkBounds(number, { const: r.const, in: r.in, not_in: r.not_in }, String);
}

export function checkCountRules(count: number, rules: Rules): string | null {
  const r = rules.repeated ?? rules.map;
  if (r === undefined) return null;
  if (r.ignore_empty === true && count === 0) return null;
  const min = r.min_items ?? r.min_pairs;
  const max = r.max_items ?? r.max_pairs;
  if (min !== undefined && count < toNumber(min)) return `needs at least ${min} entries, has ${count}`;
  if (max !== undefined && count > toNumber(max)) return `allows at most ${max} entries, has ${count}`;
  return null;
}

/** The rules an element of a repeated field (or a map value) must meet. */
export function itemRules(rules: Rules | null): Rules | null {
  return rules?.repeated?.items ?? rules?.map?.values ?? null;
}

/** What an absent field is checked as: proto3 scalars are present as their default. */
export function checkAbsent(rules: Rules, isScalar: boolean): { required: boolean; message: string | null } {
  if (rules.message?.required === true || rules.duration?.required === true || rules.any?.required === true || rules.timestamp?.required === true) {
    return { required: true, message: "is required" };
  }
  if (rules.repeated !== undefined || rules.map !== undefined) return { required: false, message: checkCountRules(0, rules) };
  if (!isScalar) return { required: false, message: null };
  if (rules.string !== undefined) return { required: false, message: checkString("", rules.string) };
  for (const kind of NUMERIC_KINDS) if (rules[kind] !== undefined) return { required: false, message: checkBounds(0, rules[kind], String) };
  return { required: false, message: null };
}
