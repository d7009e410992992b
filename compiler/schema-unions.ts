// A failed union (oneOf/anyOf) tells ajv's user only "must match exactly one schema", which
// hides the typo that made it fail: `prefx:` in a path match, `alow:` in a rule, `methdos:`
// inside `allow`. Here each failed union is looked at branch by branch (each branch
// validated alone against the same data), and replaced by what the user meant:
// - the one branch the value is closest to (right type, its discriminating fields present)
//   reports its own errors, so `allow.methdos` is an unknown field with "did you mean";
// - or, when no branch is closest, a field that every branch rejects is an unknown field,
//   with "did you mean" over the fields of all branches (`prefx` -> `prefix`).
// When neither applies (a path match with both `prefix` and `exact`), the union error stays.
import type { Ajv2020, ErrorObject, ValidateFunction } from "ajv/dist/2020.js";

const UNION = new Set(["oneOf", "anyOf"]);
/** A branch whose root value is the wrong type is far from it; a wrong constant less so. */
const TYPE_MISS = 1000;
const CONST_MISS = 100;

export interface BranchValidator {
  /** Validates `data` against branch `index` of the union schema `branches`; null when the branch cannot be found. */
  (branches: unknown, index: number, data: unknown): ErrorObject[] | null;
}

/** Branch validators keyed by the branch's JSON pointer in the root schema, compiled on first use. */
export function branchValidator(ajv: InstanceType<typeof Ajv2020>, root: { $id?: string }): BranchValidator {
  const pointers = new WeakMap<object, string>();
  const walk = (node: unknown, pointer: string) => {
    if (node === null || typeof node !== "object") return;
    if (!Array.isArray(node)) pointers.set(node, pointer);
    for (const [k, v] of Object.entries(node)) walk(v, `${pointer}/${k.replace(/~/g, "~0").replace(/\//g, "~1")}`);
  };
  walk(root, "");
  const compiled = new Map<string, ValidateFunction>();
  return (branches, index, data) => {
    const branch = Array.isArray(branches) ? branches[index] : undefined;
    const pointer = branch !== null && typeof branch === "object" ? pointers.get(branch) : undefined;
    if (pointer === undefined) return null;
    let validate = compiled.get(pointer);
    if (!validate) compiled.set(pointer, (validate = ajv.compile({ $ref: `${root.$id ?? ""}#${pointer}` })));
    return validate(data) ? [] : (validate.errors ?? []).map((e) => ({ ...e }));
  };
}

function distance(errors: readonly ErrorObject[]): number {
  let score = 0;
  for (const e of errors) {
    if (e.instancePath !== "") continue;
    score += e.keyword === "type" ? TYPE_MISS : e.keyword === "const" || e.keyword === "enum" ? CONST_MISS : 1;
  }
  return score;
}

const knownFields = (e: ErrorObject) => Object.keys((e.parentSchema as { properties?: object } | undefined)?.properties ?? {});

/** The errors of one failed union, rewritten as described above; null to keep the union error as it is. */
function explainUnion(union: ErrorObject, validateBranch: BranchValidator, depth: number): ErrorObject[] | null {
  const branches = union.schema;
  if (!Array.isArray(branches) || depth > 8) return null;
  const results: ErrorObject[][] = [];
  for (let i = 0; i < branches.length; i++) {
    const errors = validateBranch(branches, i, union.data);
    if (errors === null) return null;
    results.push(errors);
  }
  const prefix = (errors: readonly ErrorObject[]) => errors.map((e) => ({ ...e, instancePath: union.instancePath + e.instancePath }));
  const ranked = results.map((errors, i) => ({ errors, i, score: distance(errors) })).sort((a, b) => a.score - b.score || a.errors.length - b.errors.length);
  const [best, next] = ranked;
  const enumOnString = best !== undefined && typeof union.data === "string" && best.errors.some((e) => e.instancePath === "" && e.keyword === "enum");
  if (best && best.errors.length > 0 && (next === undefined || best.score < next.score) && (best.score < CONST_MISS || (enumOnString && best.score < TYPE_MISS))) {
    return resolveUnions(prefix(best.errors), validateBranch, depth + 1);
  }
  // No closest branch: a field every branch of the right type rejects is a plain unknown field.
  const typed = results.filter((errors) => !errors.some((e) => e.instancePath === "" && e.keyword === "type"));
  if (typed.length === 0) return null;
  const unknownIn = (errors: readonly ErrorObject[]) =>
    new Set(errors.filter((e) => e.instancePath === "" && e.keyword === "additionalProperties").map((e) => String((e.params as { additionalProperty: unknown }).additionalProperty)));
  const sets = typed.map(unknownIn);
  const everywhere = [...sets[0]!].filter((f) => sets.every((s) => s.has(f)));
  if (everywhere.length === 0) return null;
  const known = [...new Set(typed.flatMap((errors) => errors.filter((e) => e.instancePath === "").flatMap(knownFields)))];
  return everywhere.map((field) => ({
    ...union, keyword: "additionalProperties", params: { additionalProperty: field }, parentSchema: { properties: Object.fromEntries(known.map((k) => [k, true])) },
  }));
}

/** Replaces each outermost failed union the branches can explain; branch errors of the unions kept are left to the caller to drop. */
export function resolveUnions(errors: readonly ErrorObject[], validateBranch: BranchValidator, depth = 0): ErrorObject[] {
  const unions = errors.filter((e) => UNION.has(e.keyword));
  const outermost = unions.filter((u) => !unions.some((o) => o !== u && u.instancePath.startsWith(o.instancePath + "/")));
  if (outermost.length === 0) return [...errors];
  const replaced = new Map<ErrorObject, ErrorObject[]>();
  for (const u of outermost) {
    const explained = explainUnion(u, validateBranch, depth);
    if (explained) replaced.set(u, explained);
  }
  const under = (e: ErrorObject, u: ErrorObject) => e.instancePath === u.instancePath || e.instancePath.startsWith(u.instancePath + "/");
  const out: ErrorObject[] = [];
  for (const e of errors) {
    const owner = [...replaced.keys()].find((u) => under(e, u));
    if (owner === undefined) out.push(e);
    else if (e === owner) out.push(...replaced.get(owner)!);
    // other errors under a replaced union are its branches' raw errors: the explanation replaces them
  }
  return out;
}
