// A precomputed view of each proto message for the walker: field lookup by proto and JSON
// name, resolved types, merged validate rules, oneof membership. Built once per type.
import type protobuf from "protobufjs";
import { protobufjs } from "./protos.ts";
import { collectRules, isRequiredOneof, type Rules } from "./validate-rules.ts";

export type FieldKind = "scalar" | "enum" | "message";

export interface FieldPlan {
  readonly name: string;
  readonly kind: FieldKind;
  /** Proto scalar type name ("uint32", "string", ...); for maps, the value type. */
  readonly scalar: string;
  readonly repeated: boolean;
  readonly map: boolean;
  readonly enumType: protobuf.Enum | null;
  readonly messageType: protobuf.Type | null;
  readonly rules: Rules | null;
  readonly oneof: string | null;
  readonly deprecated: boolean;
}

export interface TypePlan {
  readonly fullName: string;
  /** Proto names and lowerCamelCase JSON names (Envoy accepts both). */
  readonly fields: ReadonlyMap<string, FieldPlan>;
  readonly protoNames: readonly string[];
  /** Fields outside any oneof whose rules must hold when they are absent. */
  readonly absentChecked: readonly FieldPlan[];
  readonly requiredOneofs: readonly string[];
}

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

function planField(field: protobuf.Field): FieldPlan {
  field.resolve();
  const resolved = field.resolvedType;
  const map = field instanceof protobufjs().MapField;
  const kind: FieldKind = resolved instanceof protobufjs().Enum ? "enum" : resolved instanceof protobufjs().Type ? "message" : "scalar";
  return {
    name: field.name,
    kind,
    scalar: field.type,
    repeated: field.repeated,
    map,
    enumType: resolved instanceof protobufjs().Enum ? resolved : null,
    messageType: resolved instanceof protobufjs().Type ? resolved : null,
    rules: collectRules(field),
    oneof: realOneof(field),
    deprecated: isDeprecated(field),
  };
}

function buildTypePlan(type: protobuf.Type): TypePlan {
  const fields = new Map<string, FieldPlan>();
  const absentChecked: FieldPlan[] = [];
  for (const field of type.fieldsArray) {
    const plan = planField(field);
    fields.set(plan.name, plan);
    const camel = jsonName(plan.name);
    if (!fields.has(camel)) fields.set(camel, plan);
    if (plan.rules !== null && plan.oneof === null) absentChecked.push(plan);
  }
  const requiredOneofs = type.oneofsArray.filter(isRequiredOneof).map((o) => o.name);
  return { fullName: type.fullName.replace(/^\./, ""), fields, protoNames: type.fieldsArray.map((f) => f.name), absentChecked, requiredOneofs };
}

/** Plans are cached per Type object, so the cost is paid once per message type per process. */
const plans = new WeakMap<protobuf.Type, TypePlan>();

export function planOf(type: protobuf.Type): TypePlan {
  let plan = plans.get(type);
  if (plan === undefined) {
    plan = buildTypePlan(type);
    plans.set(type, plan);
  }
  return plan;
}
