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
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import type { Ajv as AjvClass, ErrorObject, ValidateFunction } from "ajv";
import { runScript } from "../../../compiler/cli/script-loader.ts";

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
export const ROUTE_ADDITIONS = {
  type: "object",
  properties: { spec: { type: "object", properties: { rules: { type: "array", items: { type: "object", properties: { name: SECTION_NAME } } } } } },
};
export const GATEWAY_ADDITIONS = {
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
/** The models' files, by what the precompiled validators are exported as. */
const MODEL_FILES = { gateway: "v1/Gateway", httpRoute: "v1/HTTPRoute", grpcRoute: "v1alpha2/GRPCRoute", tcpRoute: "v1alpha2/TCPRoute" } as const;
export type ModelName = keyof typeof MODEL_FILES;
const modelName = (file: string): string => file.slice(file.lastIndexOf("/") + 1);
const model = (name: ModelName): (() => Base) => () => (require(`@kubernetes-models/gateway-api/gateway.networking.k8s.io/${MODEL_FILES[name]}`) as Record<string, Base>)[modelName(MODEL_FILES[name])]!;
let ajvInstance: AjvClass | null = null;
const ajv = (): AjvClass => (ajvInstance ??= new (require("ajv") as { Ajv: typeof AjvClass }).Ajv({ allErrors: true, strict: true }));
const compiledLazily = (schema: object, name: "route" | "gateway"): (() => ValidateFunction) => {
  let compiled: ValidateFunction | null = null;
  return () => (compiled ??= precompiledAdditions()?.[name] ?? ajv().compile(schema));
};
const validateRouteAdditions = compiledLazily(ROUTE_ADDITIONS, "route");
const validateGatewayAdditions = compiledLazily(GATEWAY_ADDITIONS, "gateway");

/**
 * The models' schemas and meshc's additions compiled to JavaScript by `npm run build`
 * (ajv standalone, standaloneGatewaySources below), next to this module in dist/. The 0.5.1
 * models compile their schemas with ajv at run time, on each one's first validate(): loading
 * ajv, ajv-formats and compiling the schemas cost ~0.15-0.2 s of CPU at every compile that
 * verifies Kubernetes output. The precompiled validators are the code ajv generates from the
 * same schemas with the same options, so they find the same errors; from the sources they do
 * not exist and the models validate as before.
 */
/**
 * The models' validators (0.8 MB of code, mostly their schemas as the error objects name them)
 * run as a classic script from the V8 code cache the build's warm-up makes, as the mesh
 * schema's verdict validator does (compiler/schema.ts): ~45 ms of CPU to compile it otherwise.
 */
const MODELS_SCRIPT = new URL("./gateway-api.models.script.js", import.meta.url);
const MODELS_CACHE = new URL("./gateway-api.models.script.cache", import.meta.url);
const PRECOMPILED_ADDITIONS = fileURLToPath(new URL("./gateway-api.additions.validate.cjs", import.meta.url));
let precompiledModelValidators: Record<ModelName, ValidateFunction> | null | undefined;
let precompiledAdditionValidators: Record<"route" | "gateway", ValidateFunction> | null | undefined;
const precompiledModels = () => (precompiledModelValidators === undefined
  ? (precompiledModelValidators = existsSync(MODELS_SCRIPT) ? runScript(MODELS_SCRIPT, MODELS_CACHE, MODELS_SCRIPT.href) as Record<ModelName, ValidateFunction> : null)
  : precompiledModelValidators);
const precompiledAdditions = () => (precompiledAdditionValidators === undefined ? (precompiledAdditionValidators = existsSync(PRECOMPILED_ADDITIONS) ? require(PRECOMPILED_ADDITIONS) : null) : precompiledAdditionValidators);

/** @kubernetes-models/base's copy of a model's data (undefined members dropped, plain objects copied), which its validate() checks. */
function definedProps(src: Record<string, unknown>, dst: Record<string, unknown>): Record<string, unknown> {
  for (const key of Object.keys(src)) if (src[key] !== undefined) dst[key] = withoutUndefined(src[key]);
  return dst;
}
function withoutUndefined(data: unknown): unknown {
  if (Array.isArray(data)) return data.map(withoutUndefined);
  return isPlainObject(data) ? definedProps(data, {}) : data;
}
/** is-plain-object 5, as @kubernetes-models/base uses it. */
function isPlainObject(o: unknown): o is Record<string, unknown> {
  if (Object.prototype.toString.call(o) !== "[object Object]") return false;
  const ctor = (o as { constructor?: { prototype?: unknown } }).constructor;
  if (ctor === undefined) return true;
  const prot = ctor.prototype;
  return Object.prototype.toString.call(prot) === "[object Object]" && Object.prototype.hasOwnProperty.call(prot, "isPrototypeOf");
}
/** @kubernetes-models/validate's filter of its ajv errors: a `oneOf` with a `null` branch (a nullable $ref) and that branch's type error are dropped. */
function excludeNullableRefErrors(errors: readonly ErrorObject[]): ErrorObject[] {
  const result: ErrorObject[] = [];
  const schemaPathsToExclude = new Set<string>();
  for (const err of errors) {
    if (err.keyword === "oneOf") {
      const nullTypeIndex = (err.schema as { type?: string }[] | undefined)?.findIndex((x) => x.type === "null");
      if (nullTypeIndex !== undefined && nullTypeIndex > -1) {
        schemaPathsToExclude.add(`${err.schemaPath}/${nullTypeIndex}/type`);
        continue;
      }
    }
    result.push(err);
  }
  return result.filter((x) => !schemaPathsToExclude.has(x.schemaPath));
}

/**
 * The errors the 0.5.1 model `name` (of `apiVersion` and `kind`) finds in `data`: from the
 * precompiled validator, or the model's own validate(). The model validates its copy of
 * `{ apiVersion, kind, ...data }` (its constructor's), so the precompiled one checks that.
 */
export function modelErrors(name: ModelName, apiVersion: string, kind: string, data: Record<string, unknown>, precompiled = precompiledModels()): ErrorObject[] {
  if (!precompiled) return errorsOf(() => new (model(name)())(data as never).validate());
  const validate = precompiled[name];
  return validate(definedProps({ apiVersion, kind, ...data }, {})) ? [] : excludeNullableRefErrors(validate.errors ?? []);
}

/**
 * Build time: the standalone CommonJS modules of the 0.5.1 models' validators (as their
 * @kubernetes-models/validate compiles them: its ajv, options, formats and registered schemas)
 * and of meshc's additions, for scripts/build.js to write next to this module.
 */
export function standaloneGatewaySources(): { models: string; additions: string } {
  const gatewayApi = dirname(require.resolve("@kubernetes-models/gateway-api/package.json"));
  const validatePath = require.resolve("@kubernetes-models/validate", { paths: [gatewayApi] });
  const fromValidate = createRequire(validatePath);
  type AjvModule = { default: new (options: object) => AjvClass; _: (s: TemplateStringsArray, ...v: unknown[]) => unknown };
  const { default: ValidateAjv, _ } = fromValidate("ajv") as AjvModule;
  const interop = <T>(m: T | { default: T }): T => ((m as { __esModule?: boolean }).__esModule ? (m as { default: T }).default : (m as T));
  const addFormats = interop(fromValidate("ajv-formats") as (ajv: AjvClass) => void);
  const addDraft2019Formats = interop(fromValidate("ajv-formats-draft2019") as (ajv: AjvClass) => void);
  const fullFormats = (fromValidate("ajv-formats/dist/formats") as { fullFormats: Record<string, unknown> }).fullFormats;
  // The schemas each model registers with its validator (its own and those it refers to), caught on their way.
  const validateModule = require(validatePath) as { register: (id: string, schema: object) => void };
  const register = validateModule.register;
  const schemas = new Map<string, object>();
  const ids = {} as Record<ModelName, string>;
  validateModule.register = (id, schema) => {
    schemas.set(id, schema);
    register(id, schema);
  };
  try {
    for (const name of Object.keys(MODEL_FILES) as ModelName[]) {
      const Model = model(name)() as unknown as { prototype: object };
      const idSymbol = Object.getOwnPropertySymbols(Object.getPrototypeOf(Model.prototype)).find((s) => s.description === "SCHEMA_ID")
        ?? Object.getOwnPropertySymbols(Model.prototype).find((s) => s.description === "SCHEMA_ID");
      const id = idSymbol && (Model.prototype as Record<symbol, unknown>)[idSymbol];
      if (typeof id !== "string") throw new Error(`no schema id on the ${name} model`);
      ids[name] = id;
      errorsOf(() => new (model(name)())({} as never).validate());
    }
  } finally {
    validateModule.register = register;
  }
  // @kubernetes-models/validate's ajv: the same options (code.source and the formats' code added for standalone), the same formats.
  const ajvModels = new ValidateAjv({ strictTypes: false, allErrors: true, verbose: true, code: { source: true, formats: _`formats` } });
  addFormats(ajvModels);
  addDraft2019Formats(ajvModels);
  for (const [id, schema] of schemas) ajvModels.addSchema(schema, id);
  const { default: standaloneCode } = fromValidate("ajv/dist/standalone/index.js") as { default: (ajv: AjvClass, refs: Record<string, string>) => string };
  let models = standaloneCode(ajvModels, ids);
  // Every format the code names must be ajv-formats' own (which the generated code reads from
  // its module, as resolved by the models' validator): a format of another package stops the build.
  for (const m of models.matchAll(/\bformats(?:\.([A-Za-z_$][\w$]*)|\["([^"]+)"\])/g)) {
    const name = m[1] ?? m[2]!;
    if ((ajvModels as unknown as { formats: Record<string, unknown> }).formats[name] !== fullFormats[name]) throw new Error(`the format ${name} is not ajv-formats' own`);
  }
  const formatsModule = `require(require("node:module").createRequire(require.resolve("@kubernetes-models/validate", { paths: [require("node:path").dirname(require.resolve("@kubernetes-models/gateway-api/package.json"))] })).resolve("ajv-formats/dist/formats")).fullFormats`;
  if (!models.startsWith('"use strict";')) throw new Error("ajv's standalone code does not start with its directive");
  models = `"use strict";const formats = ${formatsModule};${models.slice('"use strict";'.length)}`;
  // meshc's additions, with the options of ajv() above.
  const { Ajv } = require("ajv") as { Ajv: new (options: object) => AjvClass };
  const ajvAdditions = new Ajv({ allErrors: true, strict: true, code: { source: true } });
  ajvAdditions.addSchema(ROUTE_ADDITIONS, "route");
  ajvAdditions.addSchema(GATEWAY_ADDITIONS, "gateway");
  const { default: additionsCode } = require("ajv/dist/standalone/index.js") as { default: (ajv: AjvClass, refs: Record<string, string>) => string };
  return { models, additions: additionsCode(ajvAdditions, { route: "route", gateway: "gateway" }) };
}

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
function defineModel<T>(apiVersion: string, kind: string, base: ModelName, baseApiVersion: string, additions: () => ValidateFunction): ModelClass<T> {
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
      const errors = modelErrors(base, baseApiVersion, kind, { ...this, apiVersion: baseApiVersion } as unknown as Record<string, unknown>);
      const validateAdditions = additions();
      if (!validateAdditions(this)) errors.push(...validateAdditions.errors!);
      if (errors.length > 0) throw Object.assign(new Error(ajv().errorsText(errors)), { errors });
    }
  } as unknown as ModelClass<T>;
}

export const Gateway = defineModel<IGatewayV1>("gateway.networking.k8s.io/v1", "Gateway", "gateway", "gateway.networking.k8s.io/v1", validateGatewayAdditions);
export type Gateway = InstanceType<typeof Gateway>;
export const HTTPRoute = defineModel<IHTTPRouteV1>("gateway.networking.k8s.io/v1", "HTTPRoute", "httpRoute", "gateway.networking.k8s.io/v1", validateRouteAdditions);
export type HTTPRoute = InstanceType<typeof HTTPRoute>;
export const GRPCRoute = defineModel<IGRPCRouteV1>("gateway.networking.k8s.io/v1", "GRPCRoute", "grpcRoute", "gateway.networking.k8s.io/v1alpha2", validateRouteAdditions);
export type GRPCRoute = InstanceType<typeof GRPCRoute>;
export const TCPRoute = defineModel<ITCPRouteV1alpha2>("gateway.networking.k8s.io/v1alpha2", "TCPRoute", "tcpRoute", "gateway.networking.k8s.io/v1alpha2", validateRouteAdditions);
export type TCPRoute = InstanceType<typeof TCPRoute>;
