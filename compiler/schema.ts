// The schema stage: ajv (JSON Schema 2020-12) against schemas/mesh.schema.json, every
// error mapped to a MESH11xx code at the path of the offending value (for an unknown
// field, the field itself, with "did you mean").
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { ErrorObject, ValidateFunction } from "ajv/dist/2020.js";
import { runScript } from "./cli/script-loader.ts";
import { coreCodes } from "./diagnostics/codes.ts";
import { diagnostic } from "./diagnostics/define.ts";
import type { CodeInfo } from "./diagnostics/define.ts";
import type { Diagnostic } from "./diagnostics/types.ts";
import { formatPath } from "./load/locate.ts";
import type { PathSegment } from "./load/types.ts";
import { branchValidator, resolveUnions, type BranchValidator } from "./schema-unions.ts";
import { didYouMean, suggest } from "./suggest.ts";

export const SCHEMA_PATH = join(dirname(fileURLToPath(import.meta.url)), "..", "schemas", "mesh.schema.json");

const OPTIONS = { allErrors: true, strict: false, verbose: true } as const;
/**
 * The validator compiled to JavaScript by `npm run build` (scripts/build.js), next to this
 * module in dist/. Loading it skips ajv and the schema compilation at start-up (about
 * 0.8 s of CPU, plus 0.5 s to load ajv's compiler); from the sources it does not exist and
 * the schema is compiled on first use.
 */
const PRECOMPILED = join(dirname(fileURLToPath(import.meta.url)), "mesh-schema.validate.cjs");
const require = createRequire(import.meta.url);

function newAjv(extra: object = {}) {
  // Required here, not imported at the top: with the precompiled validator ajv's compiler is never loaded.
  const { Ajv2020 } = require("ajv/dist/2020.js") as typeof import("ajv/dist/2020.js");
  return new Ajv2020({ ...OPTIONS, ...extra });
}

function readSchema(): object {
  return JSON.parse(readFileSync(SCHEMA_PATH, "utf8")) as object;
}

/**
 * Validators of single parts of a mesh, for watch mode's check of only the parts a save
 * changed (schema-partial.ts): a route, an authorization rule, a service, a service's name.
 */
export interface PartValidators {
  readonly route: ValidateFunction;
  readonly rule: ValidateFunction;
  readonly service: ValidateFunction;
  readonly name: ValidateFunction;
}

const PART_REFS: Readonly<Record<keyof PartValidators, string>> = { route: "#/$defs/route", rule: "#/$defs/authorizationRule", service: "#/$defs/service", name: "#/$defs/dnsLabel" };

/** Compiles the schema into `ajv`: the whole mesh's validator and the parts' (the same schema objects). */
function compileAll(ajv: ReturnType<typeof newAjv>): { root: ValidateFunction; parts: PartValidators } {
  const schema = readSchema() as { $id: string };
  ajv.addSchema(schema);
  const get = (ref: string) => ajv.getSchema(`${schema.$id}${ref}`)!;
  return { root: get(""), parts: Object.fromEntries(Object.entries(PART_REFS).map(([k, ref]) => [k, get(ref)])) as unknown as PartValidators };
}

/** The standalone CommonJS module of the validators (`default`, the whole mesh, and the parts), for the build to write next to this module. */
export function standaloneValidatorSource(): string {
  const { default: standaloneCode } = require("ajv/dist/standalone/index.js") as typeof import("ajv/dist/standalone/index.js");
  const ajv = newAjv({ code: { source: true } });
  const { $id } = readSchema() as { $id: string };
  compileAll(ajv);
  return standaloneCode(ajv, { default: $id, ...Object.fromEntries(Object.entries(PART_REFS).map(([k, ref]) => [k, `${$id}${ref}`])) });
}

/**
 * The same schema compiled for a verdict only, written by the build next to this module: no
 * error details (ajv stops at the first error, keeps no schema objects or messages in it) and
 * none of the bookkeeping of JSON Schema 2020's `$dynamicRef` and `unevaluated*` keywords,
 * which the schema does not use (compiled in strict mode, the build fails if it ever does). A
 * valid config, the common case, is checked by it alone; an invalid one is validated again by
 * the full validator above, which every diagnostic comes from. At 1,000 services it spends
 * about a third less CPU than the full validator (no error objects from the failing branches
 * of the path-match and rule unions, no evaluated-property tracking), and its file is smaller.
 */
/**
 * The build writes it as a classic script (the module's code in a function taking `exports`,
 * `module` and `require`) with a V8 code cache made by its warm-up compile, and it runs
 * through the script loader like the compile command: V8 deserializes the compiled validator
 * instead of parsing its 0.3 MB and compiling each function on first call (a node that rejects
 * the cache compiles the script from its source: slower, never different).
 */
const VERDICT_SCRIPT = new URL("./mesh-schema.verdict.script.js", import.meta.url);
const VERDICT_CACHE = new URL("./mesh-schema.verdict.script.cache", import.meta.url);

/** The vocabularies of JSON Schema 2020-12 (ajv's draft2020.js) but `dynamic` and `unevaluated`. */
const VERDICT_VOCABULARIES = ["core/index.js", "validation/index.js", "applicator/index.js", "format/index.js", "metadata.js", "next.js"];

/** The standalone CommonJS module of the verdict validator (`default`), for the build. */
export function verdictValidatorSource(): string {
  const { default: standaloneCode } = require("ajv/dist/standalone/index.js") as typeof import("ajv/dist/standalone/index.js");
  const { default: Core } = require("ajv/dist/core.js") as typeof import("ajv/dist/core.js");
  type Vocabulary = Parameters<InstanceType<typeof Core>["addVocabulary"]>[0];
  const vocabularies = VERDICT_VOCABULARIES.flatMap((file): Vocabulary[] => {
    const m = require(`ajv/dist/vocabularies/${file}`) as { default?: Vocabulary | ((draft2020: boolean) => Vocabulary); metadataVocabulary?: Vocabulary; contentVocabulary?: Vocabulary };
    if (m.metadataVocabulary && m.contentVocabulary) return [m.metadataVocabulary, m.contentVocabulary];
    return [typeof m.default === "function" ? m.default(true) : m.default!];
  });
  class VerdictAjv extends Core {
    override _addVocabularies(): void {
      super._addVocabularies();
      for (const v of vocabularies) this.addVocabulary(v);
    }
  }
  // strict: a keyword of the vocabularies left out (or any unknown one) stops the build instead of being ignored.
  const ajv = new VerdictAjv({ strict: true, allErrors: false, verbose: false, messages: false, next: true, dynamicRef: false, unevaluated: false, meta: false, validateSchema: false, code: { source: true } });
  const schema = readSchema() as { $id: string };
  ajv.addSchema(schema);
  return lengthChecksFirst(standaloneCode(ajv, { default: schema.$id }));
}

/**
 * ajv checks minLength and maxLength on the string's length in code points, counted by a loop
 * over its UTF-16 units (ajv's runtime ucs2length), for every string the schema bounds: in the
 * verdict validator, which mostly runs unoptimized, those loops were ~40 M instructions at
 * 1,000 services. A count in code points is never more than `.length` and never less than
 * half of it, so the UTF-16 length alone decides most comparisons: `count > N` is false when
 * `.length <= N`, and `count < N` is true when `.length < N`. Each comparison asks `.length`
 * first and counts only when that does not decide it: the same answer for every string. A use
 * of the counter in any other form stops the build (`LengthCheckForm`).
 */
export function lengthChecksFirst(source: string): string {
  const declared = /const (func\d+) = require\("ajv\/dist\/runtime\/ucs2length"\)\.default;/.exec(source);
  if (!declared) return source;
  const counter = declared[1]!;
  const uses = source.split(`${counter}(`).length - 1;
  let rewritten = 0;
  const out = source.replace(new RegExp(`\\b${counter}\\(([A-Za-z_$][\\w$]*)\\) ([<>]) (\\d+)\\b`, "g"), (_, data: string, op: string, limit: string) => {
    rewritten++;
    return op === ">"
      ? `(${data}.length > ${limit} && ${counter}(${data}) > ${limit})`
      : `(${data}.length < ${limit} || ${counter}(${data}) < ${limit})`;
  });
  if (rewritten !== uses) throw new LengthCheckForm(`${uses - rewritten} of ${uses} uses of ajv's ucs2length are not "count > N" or "count < N"`);
  return out;
}

export class LengthCheckForm extends Error {}

let fast: { root: ValidateFunction; parts: PartValidators } | null = null;
function validators(): { root: ValidateFunction; parts: PartValidators } {
  // Compiled once per process: a pure function of a file that ships with meshc.
  if (!fast) {
    if (existsSync(PRECOMPILED)) {
      const m = require(PRECOMPILED) as PartValidators & { default: ValidateFunction };
      fast = { root: m.default, parts: m };
    } else fast = compileAll(newAjv());
  }
  return fast;
}
const validator = (): ValidateFunction => validators().root;

/** The verdict validator; null from the sources, where the build has not written it (the full validator alone then). */
let verdict: ((value: unknown) => boolean) | null | undefined;
/** Whether the verdict validator passes `value` (false when there is none: the full validator decides). */
function passes(value: unknown): boolean {
  if (verdict === undefined) verdict = existsSync(VERDICT_SCRIPT) ? (runScript(VERDICT_SCRIPT, VERDICT_CACHE, VERDICT_SCRIPT.href) as { default: (value: unknown) => boolean }).default : null;
  return verdict !== null && verdict(value);
}

/** The part validators (schema-partial.ts). */
export const partValidators = (): PartValidators => validators().parts;

/**
 * Explaining a failed union (schema-unions.ts) validates each branch on its own, which needs
 * ajv's compiler and errors that point into the same schema objects: a config whose errors
 * include a failed union is validated again with this one (compiled on first need only).
 */
let explaining: { validate: ValidateFunction; branch: BranchValidator } | null = null;
function unionExplainer(): { validate: ValidateFunction; branch: BranchValidator } {
  if (!explaining) {
    const ajv = newAjv();
    const root = readSchema() as { $id?: string };
    explaining = { validate: ajv.compile(root), branch: branchValidator(ajv, root) };
  }
  return explaining;
}

/** `prot:` where `port` is required: the unknown field's "did you mean" says it all, so the missing-field error goes. */
function dropRequiredExplainedByTypo(errors: readonly ErrorObject[]): ErrorObject[] {
  const meant = new Set<string>();
  for (const e of errors) {
    if (e.keyword !== "additionalProperties") continue;
    const known = Object.keys((e.parentSchema as { properties?: object } | undefined)?.properties ?? {});
    const s = suggest(String((e.params as { additionalProperty?: unknown }).additionalProperty), known);
    if (s !== null) meant.add(`${e.instancePath}\0${s}`);
  }
  return errors.filter((e) => e.keyword !== "required" || !meant.has(`${e.instancePath}\0${String((e.params as { missingProperty?: unknown }).missingProperty)}`));
}

function pointerToPath(pointer: string): PathSegment[] {
  if (!pointer) return [];
  return pointer.slice(1).split("/").map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~")).map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

function codeFor(keyword: string): CodeInfo {
  switch (keyword) {
    case "additionalProperties": case "unevaluatedProperties": return coreCodes.schemaUnknownField;
    case "type": return coreCodes.schemaType;
    case "required": case "dependentRequired": return coreCodes.schemaRequired;
    case "enum": case "const": return coreCodes.schemaEnum;
    case "minimum": case "maximum": case "exclusiveMinimum": case "exclusiveMaximum": case "multipleOf": return coreCodes.schemaRange;
    case "oneOf": case "anyOf": case "not": case "false schema": return coreCodes.schemaShape;
    default: return coreCodes.schemaPattern;
  }
}

function describe(e: ErrorObject, at: string): { message: string; hint: string | null; path: PathSegment[] } {
  const path = pointerToPath(e.instancePath);
  const params = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case "additionalProperties": case "unevaluatedProperties": {
      const field = String(params.additionalProperty ?? params.unevaluatedProperty);
      const known = Object.keys((e.parentSchema as { properties?: object } | undefined)?.properties ?? {});
      return { message: `unknown field "${field}" in ${at || "the mesh"}`, hint: didYouMean(field, known) ?? (known.length ? `known fields: ${known.join(", ")}` : null), path: [...path, field] };
    }
    case "required":
      return { message: `${at || "the mesh"} needs "${String(params.missingProperty)}"`, hint: `add ${String(params.missingProperty)}`, path };
    case "enum": {
      const allowed = (params.allowedValues as unknown[]).map((v) => JSON.stringify(v));
      const hint = typeof e.data === "string" ? didYouMean(e.data, (params.allowedValues as unknown[]).map(String)) : null;
      return { message: `${at}: ${JSON.stringify(e.data)} is not one of ${allowed.join(", ")}`, hint: hint ?? `use one of ${allowed.join(", ")}`, path };
    }
    case "false schema": {
      const field = path[path.length - 1];
      return { message: `"${String(field)}" cannot be used here${at.includes(".") ? ` (in ${formatPath(path.slice(0, -1))})` : ""}`, hint: "a route does one of split, backends, redirect, directResponse; a rewrite uses prefix or regex", path };
    }
    case "minProperties":
      return { message: `${at}: needs at least ${String(params.limit)} entr${params.limit === 1 ? "y" : "ies"}, has none`, hint: (e.parentSchema as { description?: string } | undefined)?.description ?? null, path };
    case "propertyNames":
      return { message: `${at}: the name ${JSON.stringify(params.propertyName)} is not allowed`, hint: "names are DNS labels: lowercase letters, digits and -, at most 63 characters", path: [...path, String(params.propertyName)] };
    default: {
      const schemaHint = (e.parentSchema as { description?: string } | undefined)?.description ?? null;
      return { message: `${at || "the mesh"}: ${e.message ?? e.keyword}`, hint: schemaHint, path };
    }
  }
}

export function checkSchema(value: unknown, file: string): Diagnostic[] {
  if (passes(value)) return [];
  const fastValidate = validator();
  if (fastValidate(value)) return [];
  let raw = fastValidate.errors ?? [];
  let branch: BranchValidator = () => null;
  if (raw.some((e) => e.keyword === "oneOf" || e.keyword === "anyOf")) {
    const slow = unionExplainer();
    slow.validate(value);
    raw = slow.validate.errors ?? [];
    branch = slow.branch;
  }
  const errors = dropRequiredExplainedByTypo(resolveUnions(raw, branch));
  // A failed union reports one error per branch; the branches' own errors are noise when
  // the union error says the value matches none of the forms. Keep the union error only.
  const unions = errors.filter((e) => e.keyword === "oneOf" || e.keyword === "anyOf").map((e) => e.instancePath);
  const kept = errors.filter((e) => {
    if (e.keyword === "if") return false;
    if (e.keyword === "oneOf" || e.keyword === "anyOf") return !unions.some((u) => u !== e.instancePath && e.instancePath.startsWith(u + "/"));
    return !unions.some((u) => e.instancePath === u || e.instancePath.startsWith(u + "/"));
  });
  const seen = new Set<string>();
  const out: Diagnostic[] = [];
  for (const e of kept) {
    const at = formatPath(pointerToPath(e.instancePath));
    const d = describe(e, at);
    const key = `${e.keyword}|${formatPath(d.path)}|${d.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(diagnostic(codeFor(e.keyword), { message: d.message, file, path: formatPath(d.path), hint: d.hint }));
  }
  return out;
}
