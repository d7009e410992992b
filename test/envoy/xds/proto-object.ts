// Envoy's JSON mapping writes Durations as "1.5s" and wrappers as bare scalars; the
// protobufjs objects @grpc/proto-loader serializes want `{ seconds, nanos }` and
// `{ value }`. This converts one into the other, guided by the same protos the verifier uses.
import { loadEnvoyPlans, type TypePlan } from "../../../targets/envoy/verify/type-plans.ts";

type Obj = Record<string, any>;

function convertDuration(text: string): Obj {
  const match = /^(-?)([0-9]+)(?:\.([0-9]{1,9}))?s$/.exec(text);
  if (match === null) throw new Error(`not a duration: ${text}`);
  const sign = match[1] === "-" ? -1 : 1;
  return { seconds: String(sign * Number(match[2])), nanos: sign * Number((match[3] ?? "").padEnd(9, "0")) };
}

function convertValue(value: unknown, type: TypePlan): unknown {
  const name = type.fullName;
  if (name === "google.protobuf.Duration") return convertDuration(String(value));
  if (/^google\.protobuf\.[A-Za-z0-9]+Value$/.test(name) && name !== "google.protobuf.Value") return { value };
  if (name === "google.protobuf.Any") return convertAny(value as Obj);
  return convertMessage(value as Obj, type);
}

function convertMessage(value: Obj, plan: TypePlan): Obj {
  const out: Obj = {};
  for (const [key, member] of Object.entries(value)) {
    const field = plan.fields.get(key);
    const nested = field?.kind === "message" ? loadEnvoyPlans().messageOf(field) : null;
    if (field === undefined || nested === null) { out[key] = member; continue; }
    if (field.map) out[key] = Object.fromEntries(Object.entries(member as Obj).map(([k, v]) => [k, convertValue(v, nested)]));
    else if (field.repeated) out[key] = (member as unknown[]).map((v) => convertValue(v, nested));
    else out[key] = convertValue(member, nested);
  }
  return out;
}

/** Converts an `{ "@type": ..., fields }` Any, keeping the @type for proto-loader's json mode. */
export function convertAny(value: Obj): Obj {
  const typeUrl: string = value["@type"];
  const type = loadEnvoyPlans().type(typeUrl.slice(typeUrl.lastIndexOf("/") + 1));
  if (type === null) throw new Error(`unknown @type ${typeUrl}`);
  const { ["@type"]: _, ...fields } = value;
  return { "@type": typeUrl, ...convertMessage(fields, type) };
}
