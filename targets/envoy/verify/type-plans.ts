// A precomputed, plain-data view of each proto message for the walker: field lookup by proto
// and JSON name, referenced types by full name, merged validate rules, oneof membership.
// Plans come from a table the build precompiles beside the compiled module (`envoy-plans.json`:
// reading it costs a few ms where loading protobufjs and parsing the .proto files cost
// ~0.2 s at every start), else from the protos through protobufjs (the repository, and any
// name the table lacks). Both go through `planData`, so the two cannot disagree.
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type protobuf from "protobufjs";
import { loadEnvoyProtos, protobufjs, type EnvoyProtos } from "./protos.ts";
import { checkAbsent, collectRules, compileScalarRules, isRequiredOneof, itemRules, type Rules, type ValueCheck } from "./validate-rules.ts";

export type FieldKind = "scalar" | "enum" | "message";

/** One field as stored in the table (JSON). */
export interface FieldData {
  readonly name: string;
  readonly kind: FieldKind;
  /** Proto scalar type name ("uint32", "string", ...); for maps, the value type. */
  readonly scalar: string;
  readonly repeated: boolean;
  readonly map: boolean;
  /** Full name (no leading dot) of the enum or message type, for those kinds. */
  readonly ref: string | null;
  /** An enum's values by name (kind "enum"). */
  readonly values: Readonly<Record<string, number>> | null;
  readonly rules: Rules | null;
  readonly oneof: string | null;
  readonly deprecated: boolean;
}

export interface TypeData {
  readonly fields: readonly FieldData[];
  /** Oneofs with `(validate.required)`, with their members. */
  readonly requiredOneofs: readonly { readonly name: string; readonly members: readonly string[] }[];
}

/** How the walker treats a message: most are objects of fields; well-known types have a JSON form of their own. */
export type Special = "wrapper" | "duration" | "any" | "struct" | "value" | "list" | "timestamp" | "fieldmask" | "google" | null;

export interface FieldPlan extends FieldData {
  /** The rules one value meets: a list item's or map value's for those, else the field's. */
  readonly single: Rules | null;
  /** `single` as a scalar check (scalar and wrapper fields), compiled once. */
  readonly check: ValueCheck | null;
  /** The referenced message's plan, resolved on first use (kind "message"). */
  message?: TypePlan | null;
}

/** A field whose absence breaks its rules; what to report when none of its keys holds a value. */
export interface AbsentCheck {
  readonly field: FieldPlan;
  /** The keys that set it: the proto name, and the JSON name where that maps to this field. */
  readonly keys: readonly string[];
  readonly required: boolean;
  readonly message: string;
}

export interface TypePlan {
  readonly fullName: string;
  readonly special: Special;
  /** The scalar of a wrapper type (google.protobuf.UInt32Value -> "uint32"). */
  readonly wrapped: string | null;
  /** Proto names and lowerCamelCase JSON names (Envoy accepts both). */
  readonly fields: ReadonlyMap<string, FieldPlan>;
  readonly protoNames: readonly string[];
  /**
   * Fields outside any oneof whose rules fail when they are absent (computed once here: the
   * outcome depends only on the rules, and most messages have none).
   */
  readonly absentChecked: readonly AbsentCheck[];
  readonly requiredOneofs: TypeData["requiredOneofs"];
}

export const WRAPPERS: Readonly<Record<string, string>> = {
  "google.protobuf.DoubleValue": "double", "google.protobuf.FloatValue": "float", "google.protobuf.Int64Value": "int64",
  "google.protobuf.UInt64Value": "uint64", "google.protobuf.Int32Value": "int32", "google.protobuf.UInt32Value": "uint32",
  "google.protobuf.BoolValue": "bool", "google.protobuf.StringValue": "string", "google.protobuf.BytesValue": "bytes",
};
const SPECIAL: Readonly<Record<string, Special>> = {
  "google.protobuf.Duration": "duration", "google.protobuf.Any": "any", "google.protobuf.Struct": "struct",
  "google.protobuf.Value": "value", "google.protobuf.ListValue": "list", "google.protobuf.Timestamp": "timestamp",
  "google.protobuf.FieldMask": "fieldmask",
};

function jsonName(name: string): string {
  return name.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

function isDeprecated(field: protobuf.Field): boolean {
  return field.options?.deprecated === true
    || ((field.parsedOptions ?? []) as Record<string, unknown>[]).some((o) => o.deprecated === true);
}

/** proto3 `optional` fields live in a synthetic oneof named `_<field>`; it is not a real choice. */
function realOneof(field: protobuf.Field): string | null {
  const oneof = field.partOf;
  if (oneof === null || oneof === undefined) return null;
  return oneof.oneof.length === 1 && oneof.name === `_${field.name}` ? null : oneof.name;
}

function fieldData(field: protobuf.Field): FieldData {
  field.resolve();
  const resolved = field.resolvedType;
  const isEnum = resolved instanceof protobufjs().Enum;
  const isMessage = resolved instanceof protobufjs().Type;
  return {
    name: field.name,
    kind: isEnum ? "enum" : isMessage ? "message" : "scalar",
    scalar: field.type,
    repeated: field.repeated,
    map: field instanceof protobufjs().MapField,
    ref: isEnum || isMessage ? resolved!.fullName.slice(1) : null,
    values: isEnum ? { ...(resolved as protobuf.Enum).values } : null,
    rules: collectRules(field),
    oneof: realOneof(field),
    deprecated: isDeprecated(field),
  };
}

/** The table entry of one message type, read from protobufjs. */
export function planData(type: protobuf.Type): TypeData {
  return {
    fields: type.fieldsArray.map(fieldData),
    requiredOneofs: type.oneofsArray.filter(isRequiredOneof).map((o) => ({ name: o.name, members: [...o.oneof] })),
  };
}

function buildTypePlan(fullName: string, data: TypeData): TypePlan {
  const fields = new Map<string, FieldPlan>();
  const candidates: FieldPlan[] = [];
  for (const field of data.fields) {
    const single = field.repeated || field.map ? itemRules(field.rules) : field.rules;
    // A copy (the `message` slot is filled in at walk time, the table entry stays as read), as
    // a literal in one order rather than a spread of the parsed entry: every plan then has one
    // hidden class and the walk's reads stay monomorphic (with a spread they profiled slower).
    const plan: FieldPlan = {
      name: field.name, kind: field.kind, scalar: field.scalar, repeated: field.repeated, map: field.map, ref: field.ref,
      values: field.values, rules: field.rules, oneof: field.oneof, deprecated: field.deprecated,
      single, check: single !== null && field.kind !== "enum" ? compileScalarRules(single) : null, message: undefined,
    };
    fields.set(plan.name, plan);
    const camel = jsonName(plan.name);
    if (!fields.has(camel)) fields.set(camel, plan);
    if (plan.rules !== null && plan.oneof === null) candidates.push(plan);
  }
  const absentChecked: AbsentCheck[] = [];
  for (const field of candidates) {
    const { required, message } = checkAbsent(field.rules!, field.kind === "scalar" && !field.repeated && !field.map);
    if (message === null) continue;
    const keys = [...fields].filter(([, f]) => f === field).map(([k]) => k);
    absentChecked.push({ field, keys, required, message });
  }
  const special = SPECIAL[fullName] ?? (WRAPPERS[fullName] !== undefined ? "wrapper" : fullName.startsWith("google.protobuf.") && fullName !== "google.protobuf.Empty" ? "google" : null);
  return { fullName, special, wrapped: WRAPPERS[fullName] ?? null, fields, protoNames: data.fields.map((f) => f.name), absentChecked, requiredOneofs: data.requiredOneofs };
}

/** Every message type of the loaded protos, by full name: what the build writes to `envoy-plans.json`. */
export function collectPlanTable(root: protobuf.Root): Record<string, TypeData> {
  const table: Record<string, TypeData> = {};
  const visit = (ns: protobuf.NamespaceBase): void => {
    for (const nested of ns.nestedArray) {
      if (nested instanceof protobufjs().Type) table[nested.fullName.slice(1)] = planData(nested);
      if (nested instanceof protobufjs().Namespace) visit(nested);
    }
  };
  visit(root);
  return Object.fromEntries(Object.keys(table).sort().map((name) => [name, table[name]]));
}

export const PLAN_TABLE_FILE = "envoy-plans.json";

/** The message plans the walker reads, by full name; one set per process (or per table in tests). */
export class PlanSet {
  private readonly plans = new Map<string, TypePlan | null>();

  /** `table`: precompiled entries; `protos`: the fallback for names the table lacks (loaded on first need). */
  constructor(private readonly table: Readonly<Record<string, TypeData>> | null, private readonly protos: () => EnvoyProtos = loadEnvoyProtos) {}

  /** The plan of a message by full name (or any name protobufjs' lookup resolves), or null. Throws if the protos are needed and missing. */
  type(name: string): TypePlan | null {
    let plan = this.plans.get(name);
    if (plan !== undefined) return plan;
    const data = this.table !== null && Object.hasOwn(this.table, name) ? this.table[name] : null;
    if (data !== null) plan = buildTypePlan(name, data);
    else {
      const type = this.protos().resolveType(name);
      const fullName = type === null ? null : type.fullName.slice(1);
      // A name resolved to another full name (a relative lookup) shares that name's plan.
      plan = fullName === null ? null : fullName !== name ? this.type(fullName) : buildTypePlan(fullName, planData(type!));
    }
    this.plans.set(name, plan);
    return plan;
  }

  private readonly byUrl = new Map<string, TypePlan | null>();

  /** The plan named by an `Any`'s `@type` (the name after the last "/"), cached by URL: every typed config has one. */
  typeOfUrl(typeUrl: string): TypePlan | null {
    let plan = this.byUrl.get(typeUrl);
    if (plan === undefined) this.byUrl.set(typeUrl, (plan = this.type(typeUrl.slice(typeUrl.lastIndexOf("/") + 1))));
    return plan;
  }

  /** The plan of a message field's type. */
  messageOf(field: FieldPlan): TypePlan | null {
    if (field.message === undefined) field.message = this.type(field.ref!);
    return field.message;
  }
}

let shared: PlanSet | null = null;

/** The process-wide plans: the precompiled table beside this module when the build wrote one, else the protos. */
export function loadEnvoyPlans(): PlanSet {
  if (shared === null) {
    const file = fileURLToPath(new URL(`./${PLAN_TABLE_FILE}`, import.meta.url));
    shared = new PlanSet(existsSync(file) ? JSON.parse(readFileSync(file, "utf8")) as Record<string, TypeData> : null);
  }
  return shared;
}
