// Watch mode's schema check of only what a save changed. The mesh schema constrains routes,
// authorization rules and services one element at a time: `routes` and `authorization` are
// arrays of `items` (no count, order or uniqueness rule), `services` a map whose names and
// values are each checked alone (`propertyNames`, `additionalProperties`), and the root reads
// no more of them than whether `services` is present. So when the last save's config was
// valid and the new one differs from it only in some of those elements (every other part
// JSON-equal), the new config is valid exactly when each changed element is valid against its
// own definition. Only that case is shortcut: a config with any error, or any other change,
// gets the whole check, so every diagnostic is the whole check's, union explanations included.
// A schema whose root no longer has that shape turns the shortcut off (schemaAllowsParts).
import { readFileSync } from "node:fs";
import { sameJson } from "./ir/share.ts";
import { rawChanges } from "./raw-diff.ts";
import { checkSchema, partValidators, SCHEMA_PATH, type PartValidators } from "./schema.ts";
import type { Diagnostic } from "./diagnostics/types.ts";

/** The last checked config and whether it passed the schema (kept between saves in the emit memo). */
export interface SchemaMemo { last: { readonly raw: unknown; readonly valid: boolean } | null }

export const createSchemaMemo = (): SchemaMemo => ({ last: null });

/** Past this many changed elements (a rename or an insertion shifts every later one), the whole check is as cheap. */
const MOST_PARTS = 200;

type Part = readonly [keyof PartValidators, unknown];

const isRecord = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v);

/** The root shapes the shortcut relies on, descriptions aside. */
const EXPECTED: Record<string, unknown> = {
  routes: { type: "array", items: { $ref: "#/$defs/route" } },
  authorization: { type: "array", items: { $ref: "#/$defs/authorizationRule" } },
  services: { type: "object", propertyNames: { $ref: "#/$defs/dnsLabel" }, additionalProperties: { $ref: "#/$defs/service" } },
};
const ROOT_KEYWORDS = ["$schema", "$id", "title", "description", "type", "additionalProperties", "required", "if", "else", "properties", "$defs"];

let allowed: boolean | null = null;
/** Whether the shipped schema still has the root shape above (read once per process). */
export function schemaAllowsParts(schema: Record<string, unknown> = JSON.parse(readFileSync(SCHEMA_PATH, "utf8")) as Record<string, unknown>): boolean {
  const strip = (v: unknown) => (isRecord(v) ? Object.fromEntries(Object.entries(v).filter(([k]) => k !== "description")) : v);
  const properties = isRecord(schema.properties) ? schema.properties : {};
  const root = Object.keys(schema).every((k) => ROOT_KEYWORDS.includes(k))
    // The root's if/else reads only whether `modules` or `services` is present.
    && sameJson(schema.if, { properties: { modules: true }, required: ["modules"] }) && sameJson(schema.else, { properties: { services: true }, required: ["services"] });
  return root && Object.entries(EXPECTED).every(([k, shape]) => sameJson(strip(properties[k]), shape));
}

/** The elements of `now` that differ from `before`, each with the validator it needs; null when anything else differs. */
export function changedParts(now: unknown, before: unknown): Part[] | null {
  const changes = rawChanges(now, before);
  if (changes === null || changes.length > MOST_PARTS) return null;
  const parts: Part[] = [];
  for (const c of changes) {
    if (c.within === null) return null;
    if (c.removed) continue; // routes, rules and services have no count to keep
    if (c.within === "services") {
      if (c.added) parts.push(["name", c.key]);
      parts.push(["service", c.now]);
    } else parts.push([c.within === "routes" ? "route" : "rule", c.now]);
  }
  return parts;
}

/** checkSchema, through the memo: a save that changed only some valid routes, rules or services of a valid config is valid. */
export function checkSchemaWatched(value: unknown, file: string, memo: SchemaMemo): Diagnostic[] {
  const last = memo.last;
  allowed ??= schemaAllowsParts();
  const parts = allowed && last?.valid ? changedParts(value, last.raw) : null;
  let result: Diagnostic[] | null = null;
  if (parts) {
    const validators = partValidators();
    if (parts.every(([v, part]) => validators[v](part))) {
      result = [];
      if (process.env.MESHC_CHECK_INCREMENTAL_IR === "1" && checkSchema(value, file).length > 0) {
        throw new Error("the schema check of the changed parts passed a config the whole check refuses");
      }
    }
  }
  result ??= checkSchema(value, file);
  memo.last = { raw: value, valid: result.length === 0 };
  return result;
}
