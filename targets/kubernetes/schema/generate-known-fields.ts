// Generates known-fields.json: for every kind the Kubernetes target emits, the field
// tree its kubernetes-models class declares. The models' validate() accepts unknown
// fields (the OpenAPI schemas have no additionalProperties: false), and the compiled
// validators carry no readable schema, so the field names come from the typed .d.ts.
// Run: node --import tsx targets/kubernetes/schema/generate-known-fields.ts [--check]
// ts-morph costs over a second, so this runs at development time, never in a compile.
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Node, Project, type SourceFile, type Type } from "ts-morph";
import { EMITTED_KINDS } from "./kinds.ts";

const HERE = dirname(fileURLToPath(import.meta.url));
const OUT = join(HERE, "known-fields.json");

/** A field's shape: "" a leaf value, "T" an object of type T, "T[]" a list of them, "{T}" a map to them. */
type FieldRef = string;
type FieldTable = Record<string, Record<string, FieldRef>>;

/**
 * A readable, unique table key: the type's name, suffixed when two modules declare the same
 * name; an anonymous type (an inline object, an Omit<...> of one) is named by where it was
 * first met (`Gateway.spec.listeners`), since its text is the whole type.
 */
function tableName(type: Type, names: Map<string, string>, where: string): string {
  const full = type.getText();
  const known = names.get(full);
  if (known) return known;
  const declared = full.replace(/import\("[^"]*"\)\./g, "");
  const base = (/^[A-Za-z_$][\w$]*$/.test(declared) ? declared : where).replace(/[^A-Za-z0-9_.]/g, "_");
  const taken = new Set(names.values());
  let name = base;
  for (let i = 2; taken.has(name); i++) name = `${base}_${i}`;
  names.set(full, name);
  return name;
}

function isLeaf(type: Type): boolean {
  if (type.isUnion()) return type.getUnionTypes().every((t) => isLeaf(t) || t.isUndefined());
  return type.isString() || type.isNumber() || type.isBoolean() || type.isLiteral() || type.isAny() || type.isUnknown()
    || type.isStringLiteral() || type.isBooleanLiteral() || type.getText() === "object";
}

function collectType(type: Type, where: SourceFile, table: FieldTable, names: Map<string, string>, skipStatus: boolean, path: string): FieldRef {
  const t = type.getNonNullableType();
  if (isLeaf(t)) return "";
  if (t.isArray()) {
    const inner = collectType(t.getArrayElementTypeOrThrow(), where, table, names, false, path);
    return inner === "" ? "" : `${inner}[]`;
  }
  const index = t.getStringIndexType();
  if (index && t.getProperties().length === 0) {
    const inner = collectType(index, where, table, names, false, `${path}.*`);
    return inner === "" ? "" : `{${inner}}`;
  }
  const name = tableName(t, names, path);
  if (table[name]) return name;
  const fields: Record<string, FieldRef> = {};
  table[name] = fields;
  for (const symbol of t.getProperties()) {
    const decl = symbol.getDeclarations()[0];
    if (!decl || !(Node.isPropertySignature(decl) || Node.isPropertyDeclaration(decl))) continue;
    if (skipStatus && symbol.getName() === "status") continue;
    fields[symbol.getName()] = collectType(symbol.getTypeAtLocation(where), where, table, names, false, `${path}.${symbol.getName()}`);
  }
  return name;
}

export function generateKnownFields(): string {
  const project = new Project({ tsConfigFilePath: join(HERE, "..", "..", "..", "tsconfig.json"), skipAddingFilesFromTsConfig: true });
  const source = EMITTED_KINDS.map((k, i) => `import { ${k.kind} as K${i} } from "${k.module}";\nexport type T${i} = K${i};`).join("\n");
  const where = project.createSourceFile(join(HERE, "__known_fields_probe.ts"), source, { overwrite: true });
  const table: FieldTable = {};
  const roots: Record<string, string> = {};
  const names = new Map<string, string>();
  EMITTED_KINDS.forEach((k, i) => {
    roots[`${k.apiVersion}/${k.kind}`] = collectType(where.getTypeAliasOrThrow(`T${i}`).getType(), where, table, names, true, k.kind);
  });
  const sorted = Object.fromEntries(Object.keys(table).sort().map((n) => [n, Object.fromEntries(Object.entries(table[n]).sort())]));
  return JSON.stringify({ roots, types: sorted }, null, 1) + "\n";
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const text = generateKnownFields();
  if (process.argv.includes("--check")) {
    if (readFileSync(OUT, "utf8") !== text) { console.error("known-fields.json is stale: regenerate it"); process.exit(1); }
  } else writeFileSync(OUT, text);
  rmSync(join(HERE, "__known_fields_probe.ts"), { force: true });
}
