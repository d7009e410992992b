// Composition: a mesh built from team modules (`modules: [payments, storefront]` in the root)
// becomes one flat mesh here, right after loading, so every later stage sees the model it
// always saw. Named parts (services, gateways, egress, JWT providers) merge by name; routes
// and rules concatenate, the root's first, then each module's in module order. A module's
// `owner` becomes the default `owner` of its services (so `diff` names the team).
// The flat value keeps a record of where each part came from: a diagnostic at
// `routes[57].timeout` is placed at `modules[3].routes[2].timeout`, which the locator
// follows into the team's own file. Module data is plain (handles already became names):
// the TypeScript DSL (defineModule) and data files (several files merged) both produce it.
import { coreCodes } from "../diagnostics/codes.ts";
import { diagnostic } from "../diagnostics/define.ts";
import type { Diagnostic } from "../diagnostics/types.ts";
import { didYouMean } from "../suggest.ts";
import { formatPath } from "./locate.ts";
import type { LoadedConfig, PathSegment } from "./types.ts";

export const NAMED_PARTS = ["services", "gateways", "egress", "jwtProviders"] as const;
export const LISTED_PARTS = ["routes", "authorization"] as const;
const MODULE_FIELDS = ["name", "owner", ...NAMED_PARTS, ...LISTED_PARTS] as const;
const SINGULAR = { services: "service", gateways: "gateway", egress: "egress", jwtProviders: "JWT provider" } as const;

/** Where a part of the flat mesh was written: its path in the value as loaded (`modules[3].routes[2]`). */
export interface Origin {
  /** Index in the root's `modules`. */
  readonly module: number;
  readonly path: readonly PathSegment[];
}

export interface ModuleInfo { readonly name: string | null; readonly owner: string | null }

export interface Composition {
  /** The flat mesh (no `modules`); the value itself when it has no `modules`. */
  readonly value: unknown;
  /** Keyed by the flat part's path (`services.payments`, `routes[57]`); parts the root declares itself have none. */
  readonly origins: ReadonlyMap<string, Origin>;
  readonly modules: readonly ModuleInfo[];
  /** Placed by path in the value as loaded (`modules[1].services.payments`). */
  readonly diagnostics: readonly Diagnostic[];
}

type Obj = Record<string, unknown>;
const isObject = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

/** Merges the root's `modules` into the root. Pure: the input is not modified. */
export function flattenModules(value: unknown): Composition {
  if (!isObject(value) || !("modules" in value)) return { value, origins: new Map(), modules: [], diagnostics: [] };
  const { modules, ...root } = value;
  const diagnostics: Diagnostic[] = [];
  const origins = new Map<string, Origin>();
  const infos: ModuleInfo[] = [];
  const report = (code: typeof coreCodes[keyof typeof coreCodes], path: readonly PathSegment[], message: string, hint: string | null) =>
    diagnostics.push(diagnostic(code, { message, path: formatPath(path), hint }));
  if (!Array.isArray(modules)) {
    report(coreCodes.schemaType, ["modules"], "`modules` must be a list of modules", "write `modules: [paymentsModule, storefrontModule]`");
    return { value: root, origins, modules: infos, diagnostics };
  }
  // With modules the root may declare no service itself; the flat mesh always has the field.
  // Copies, filled below: the input is never modified.
  const out: Obj = { ...root, services: root.services ?? {} };
  for (const part of NAMED_PARTS) if (isObject(out[part])) out[part] = { ...out[part] };
  for (const part of LISTED_PARTS) if (Array.isArray(out[part])) out[part] = [...(out[part] as unknown[])];
  // Where each named part was declared first: the root (-1) or a module.
  const declared = new Map<string, number>();
  const where = (m: number) => (m < 0 ? "the root config" : `module ${label(infos[m]!, m)}`);
  for (const part of NAMED_PARTS) {
    if (isObject(root[part])) for (const name of Object.keys(root[part])) declared.set(`${part}\0${name}`, -1);
  }
  modules.forEach((mod, m) => {
    const at: PathSegment[] = ["modules", m];
    if (!isObject(mod)) {
      infos.push({ name: null, owner: null });
      report(coreCodes.schemaType, at, "a module must be an object", "export a module with `defineModule({ owner, services, routes, authorization })`");
      return;
    }
    const info: ModuleInfo = { name: typeof mod.name === "string" ? mod.name : null, owner: typeof mod.owner === "string" ? mod.owner : null };
    infos.push(info);
    for (const key of Object.keys(mod)) {
      if ((MODULE_FIELDS as readonly string[]).includes(key)) continue;
      report(coreCodes.schemaUnknownField, [...at, key], `unknown field "${key}" in a module`, didYouMean(key, MODULE_FIELDS) ?? `a module has ${MODULE_FIELDS.join(", ")}`);
    }
    for (const key of ["name", "owner"] as const) {
      if (key in mod && typeof mod[key] !== "string") report(coreCodes.schemaType, [...at, key], `a module's ${key} must be a string`, null);
    }
    for (const part of NAMED_PARTS) {
      const entries = mod[part];
      if (entries === undefined) continue;
      if (!isObject(entries)) { report(coreCodes.schemaType, [...at, part], `a module's ${part} must be an object of ${SINGULAR[part]}s by name`, null); continue; }
      if (out[part] !== undefined && !isObject(out[part])) continue; // the root's own malformed field: the schema reports it
      const target = (out[part] ??= {}) as Obj;
      for (const [name, entry] of Object.entries(entries)) {
        const first = declared.get(`${part}\0${name}`);
        if (first !== undefined) {
          report(coreCodes.declaredTwice, [...at, part, name],
            `${SINGULAR[part]} "${name}" is declared twice: by ${where(first)} and by ${where(m)}`,
            `one team owns "${name}": remove one declaration, and import the owner's handle where it is used`);
          continue;
        }
        declared.set(`${part}\0${name}`, m);
        const owned = part === "services" && info.owner !== null && isObject(entry) && entry.owner === undefined ? { ...entry, owner: info.owner } : entry;
        // Defined, not assigned: a name like "__proto__" stays a key the schema then refuses, never a prototype.
        Object.defineProperty(target, name, { value: owned, enumerable: true, writable: true, configurable: true });
        origins.set(formatPath([part, name]), { module: m, path: [...at, part, name] });
      }
    }
    for (const part of LISTED_PARTS) {
      const items = mod[part];
      if (items === undefined) continue;
      if (!Array.isArray(items)) { report(coreCodes.schemaType, [...at, part], `a module's ${part} must be a list`, null); continue; }
      if (out[part] !== undefined && !Array.isArray(out[part])) return;
      const target = (out[part] ??= []) as unknown[];
      items.forEach((item, i) => {
        origins.set(formatPath([part, target.length]), { module: m, path: [...at, part, i] });
        target.push(item);
      });
    }
  });
  return { value: out, origins, modules: infos, diagnostics };
}

function label(info: ModuleInfo, m: number): string {
  const name = info.name ?? info.owner;
  return name ? `"${name}" (modules[${m}])` : `modules[${m}]`;
}

/** The path as loaded of a flat path: `routes[57].timeout` -> `modules[3].routes[2].timeout`; other paths unchanged. */
export function originalPath(origins: ReadonlyMap<string, Origin>, path: readonly PathSegment[]): readonly PathSegment[] {
  if (origins.size === 0 || path.length < 2) return path;
  const origin = origins.get(formatPath(path.slice(0, 2)));
  return origin ? [...origin.path, ...path.slice(2)] : path;
}

/** The loaded config with its modules merged (the config itself when it has none). */
export function composeLoaded(config: LoadedConfig): LoadedConfig {
  const c = flattenModules(config.value);
  if (c.value === config.value) return config;
  const diagnostics = c.diagnostics.map((d) => ({ ...d, file: config.file }));
  // The flat value is built from the modules' parts, not the scanned text: plainStrings does not carry over (load/types.ts).
  return { ...config, value: c.value, plainStrings: false, composition: { written: config.value, origins: c.origins, modules: c.modules, diagnostics } };
}

/** A diagnostic's path and message with a merged part's flat path (`routes[57]`) replaced by where it was written. */
export function relocated(origins: ReadonlyMap<string, Origin>, path: readonly PathSegment[], message: string): { path: readonly PathSegment[]; message: string } {
  const original = originalPath(origins, path);
  if (original === path) return { path, message };
  const flat = formatPath(path.slice(0, 2));
  const written = formatPath(original.slice(0, original.length - (path.length - 2)));
  const escaped = flat.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  return { path: original, message: message.replace(new RegExp(`(?<![\\w.\\]])${escaped}(?![\\w\\[])`, "g"), written) };
}
