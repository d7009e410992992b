// The Gateway API kinds the target emits, typed and validated. @kubernetes-models/gateway-api
// 0.5.1 is the last release whose `engines` admit Node 20 (2.0.0 declares Node >= 22); it
// models Gateway API v1.0: v1 Gateway and HTTPRoute, v1alpha2 GRPCRoute and TCPRoute. What
// meshc emits from later Gateway API releases is added here, typed and checked by meshc's
// own JSON schema (ajv), so nothing the emitter writes goes unvalidated:
// - GRPCRoute v1: the v1alpha2 spec promoted unchanged (v1.1), checked with the v1alpha2 schema;
// - `rules[].name` on every route kind (v1.2): a SectionName;
// - Gateway `spec.tls.backend.clientCertificateRef` (the gateway's client certificate to
//   its backends): a SecretObjectReference, as the listeners' certificateRefs.
import type { IGateway } from "@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1/Gateway";
import type { IHTTPRoute } from "@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1/HTTPRoute";
import type { IGRPCRoute as IGRPCRouteV1alpha2 } from "@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1alpha2/GRPCRoute";
import type { ITCPRoute } from "@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1alpha2/TCPRoute";
import { createRequire } from "node:module";
import type { Ajv as AjvClass, ErrorObject, ValidateFunction } from "ajv";

type Spec<T extends { spec?: unknown }> = NonNullable<T["spec"]>;
type Rule<T extends { spec?: { rules?: readonly unknown[] } }> = NonNullable<Spec<T>["rules"]>[number];
/** A route kind with `rules[].name`; `apiVersion` replaced for GRPCRoute v1. */
type NamedRules<T extends { spec?: { rules?: readonly unknown[] } }, Version extends string> = Omit<T, "apiVersion" | "spec"> & {
  apiVersion: Version;
  spec: Omit<Spec<T>, "rules"> & { rules?: Array<Rule<T> & { name?: string }> };
};
interface ObjectReference { group?: string; kind?: string; name: string; namespace?: string }

export type IGatewayV1 = Omit<IGateway, "spec"> & {
  spec: Spec<IGateway> & { tls?: { backend?: { clientCertificateRef?: ObjectReference } } };
};
export type IHTTPRouteV1 = NamedRules<IHTTPRoute, "gateway.networking.k8s.io/v1">;
export type IGRPCRouteV1 = NamedRules<IGRPCRouteV1alpha2, "gateway.networking.k8s.io/v1">;
export type ITCPRouteV1alpha2 = NamedRules<ITCPRoute, "gateway.networking.k8s.io/v1alpha2">;

// Patterns and bounds as Gateway API declares them (SectionName, Group, Kind, ObjectName, Namespace).
const SECTION_NAME = { type: "string", minLength: 1, maxLength: 253, pattern: "^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$" };
const SECRET_REFERENCE = {
  type: "object",
  required: ["name"],
  properties: {
    group: { type: "string", maxLength: 253, pattern: "^$|^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$" },
    kind: { type: "string", minLength: 1, maxLength: 63, pattern: "^[a-zA-Z]([-a-zA-Z0-9]*[a-zA-Z0-9])?$" },
    name: { type: "string", minLength: 1, maxLength: 253 },
    namespace: { type: "string", minLength: 1, maxLength: 63, pattern: "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$" },
  },
};
const ROUTE_ADDITIONS = {
  type: "object",
  properties: { spec: { type: "object", properties: { rules: { type: "array", items: { type: "object", properties: { name: SECTION_NAME } } } } } },
};
const GATEWAY_ADDITIONS = {
  type: "object",
  properties: {
    spec: {
      type: "object",
      properties: { tls: { type: "object", properties: { backend: { type: "object", properties: { clientCertificateRef: SECRET_REFERENCE } } } } },
    },
  },
};

// ajv's compiler is required on the first validation, not at import: a compile that does not
// verify Kubernetes output (or does not select it) never loads it.
const require = createRequire(import.meta.url);
// The 0.5.1 models too: their validator loads ajv and ajv-formats at import.
type Base = new (data: never) => Validating;
const model = (path: string, name: string): (() => Base) => () => (require(`@kubernetes-models/gateway-api/gateway.networking.k8s.io/${path}`) as Record<string, Base>)[name]!;
const GatewayV1_0 = model("v1/Gateway", "Gateway");
const HTTPRouteV1_0 = model("v1/HTTPRoute", "HTTPRoute");
const GRPCRouteV1alpha2 = model("v1alpha2/GRPCRoute", "GRPCRoute");
const TCPRouteV1_0 = model("v1alpha2/TCPRoute", "TCPRoute");
let ajvInstance: AjvClass | null = null;
const ajv = (): AjvClass => (ajvInstance ??= new (require("ajv") as { Ajv: typeof AjvClass }).Ajv({ allErrors: true, strict: true }));
const compiledLazily = (schema: object): (() => ValidateFunction) => {
  let compiled: ValidateFunction | null = null;
  return () => (compiled ??= ajv().compile(schema));
};
const validateRouteAdditions = compiledLazily(ROUTE_ADDITIONS);
const validateGatewayAdditions = compiledLazily(GATEWAY_ADDITIONS);

interface Validating { validate(): void }
type ModelClass<T> = (new (data?: Omit<T, "apiVersion" | "kind">) => T & Validating & { toJSON(): T }) & { readonly apiVersion: string; readonly kind: string };

/** The ajv errors a kubernetes-models validate() threw, or none. */
function errorsOf(run: () => void): ErrorObject[] {
  try {
    run();
    return [];
  } catch (error) {
    const errors = (error as { errors?: ErrorObject[] }).errors;
    if (!errors) throw error;
    return errors;
  }
}

/**
 * A model: `apiVersion` and `kind` set, undefined members dropped (as kubernetes-models
 * does); validate() runs the 0.5.1 schema (through `Base`, under `baseApiVersion`) and
 * meshc's additions, and throws one error carrying every finding in `errors`.
 */
function defineModel<T>(apiVersion: string, kind: string, Base: () => Base, baseApiVersion: string, additions: () => ValidateFunction): ModelClass<T> {
  return class {
    static readonly apiVersion = apiVersion;
    static readonly kind = kind;
    constructor(data: object) {
      Object.assign(this, JSON.parse(JSON.stringify({ apiVersion, kind, ...data })));
    }
    toJSON(): unknown {
      return { ...this };
    }
    validate(): void {
      const errors = errorsOf(() => new (Base())({ ...this, apiVersion: baseApiVersion } as never).validate());
      const validateAdditions = additions();
      if (!validateAdditions(this)) errors.push(...validateAdditions.errors!);
      if (errors.length > 0) throw Object.assign(new Error(ajv().errorsText(errors)), { errors });
    }
  } as unknown as ModelClass<T>;
}

export const Gateway = defineModel<IGatewayV1>("gateway.networking.k8s.io/v1", "Gateway", GatewayV1_0, "gateway.networking.k8s.io/v1", validateGatewayAdditions);
export type Gateway = InstanceType<typeof Gateway>;
export const HTTPRoute = defineModel<IHTTPRouteV1>("gateway.networking.k8s.io/v1", "HTTPRoute", HTTPRouteV1_0, "gateway.networking.k8s.io/v1", validateRouteAdditions);
export type HTTPRoute = InstanceType<typeof HTTPRoute>;
export const GRPCRoute = defineModel<IGRPCRouteV1>("gateway.networking.k8s.io/v1", "GRPCRoute", GRPCRouteV1alpha2, "gateway.networking.k8s.io/v1alpha2", validateRouteAdditions);
export type GRPCRoute = InstanceType<typeof GRPCRoute>;
export const TCPRoute = defineModel<ITCPRouteV1alpha2>("gateway.networking.k8s.io/v1alpha2", "TCPRoute", TCPRouteV1_0, "gateway.networking.k8s.io/v1alpha2", validateRouteAdditions);
export type TCPRoute = InstanceType<typeof TCPRoute>;
