// Whose problem a diagnostic is: the owner (team) of the service it concerns, read from the
// config value by the diagnostic's path, so CI output and annotations can be routed to the
// team that must fix it. A service's own `owner` wins; inside a module, the module's
// `owner` is the default for its services and owns the routes and rules written there
// (the module's file is that team's). A route or rule outside modules concerns its
// destination (`to`): the service whose traffic it configures. No owner is guessed: a
// path that names no owned service gets none.
import { parsePath } from "../load/locate.ts";
import type { PathSegment } from "../load/types.ts";
import type { Diagnostic } from "./types.ts";

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === "object" && !Array.isArray(v);
const str = (v: unknown): string | null => (typeof v === "string" && v !== "" ? v : null);

/** The owner of every service the value declares, top level and in modules. */
export function serviceOwners(value: unknown): Map<string, string> {
  const owners = new Map<string, string>();
  const collect = (services: unknown, fallback: string | null) => {
    if (!isObj(services)) return;
    for (const [name, s] of Object.entries(services)) {
      const owner = (isObj(s) ? str(s.owner) : null) ?? fallback;
      if (owner !== null && !owners.has(name)) owners.set(name, owner);
    }
  };
  if (!isObj(value)) return owners;
  collect(value.services, null);
  if (Array.isArray(value.modules)) for (const m of value.modules) if (isObj(m)) collect(m.services, str(m.owner));
  return owners;
}

/** The service a route or rule sends traffic to (`to`, or an authorization rule's `allow.to` / `deny.to`). */
function destinationOf(item: unknown): string | null {
  if (!isObj(item)) return null;
  return str(item.to) ?? (isObj(item.allow) ? str(item.allow.to) : null) ?? (isObj(item.deny) ? str(item.deny.to) : null);
}

function ownerIn(scope: Obj, path: readonly PathSegment[], owners: ReadonlyMap<string, string>, moduleOwner: string | null): string | null {
  const [head, key] = path;
  if (head === "services" && typeof key === "string") return owners.get(key) ?? moduleOwner;
  if (moduleOwner !== null) return moduleOwner;
  if ((head === "routes" || head === "authorization") && typeof key === "number" && Array.isArray(scope[head])) {
    const to = destinationOf((scope[head] as unknown[])[key]);
    return to === null ? null : owners.get(to) ?? null;
  }
  if (head === "gateways" && typeof key === "string" && path[2] === "routes" && typeof path[3] === "number") {
    const gateway = scope.gateways;
    const routes = isObj(gateway) && isObj(gateway[key]) ? (gateway[key] as Obj).routes : null;
    const to = Array.isArray(routes) ? destinationOf(routes[path[3]]) : null;
    return to === null ? null : owners.get(to) ?? null;
  }
  return null;
}

/** The owner a diagnostic at `path` of the config value concerns, or null. */
export function ownerAt(value: unknown, path: readonly PathSegment[], owners: ReadonlyMap<string, string>): string | null {
  if (!isObj(value)) return null;
  if (path[0] === "modules" && typeof path[1] === "number" && Array.isArray(value.modules)) {
    const m = value.modules[path[1]];
    return isObj(m) ? ownerIn(m, path.slice(2), owners, str(m.owner)) : null;
  }
  return ownerIn(value, path, owners, null);
}

/** Adds `owner` to the diagnostics about the config (`configFiles`: the config and its module files) that concern an owned service. */
export function attributeOwners(ds: readonly Diagnostic[], value: unknown, configFiles: ReadonlySet<string>): Diagnostic[] {
  const owners = serviceOwners(value);
  const anyModuleOwner = isObj(value) && Array.isArray(value.modules) && value.modules.some((m) => isObj(m) && str(m.owner) !== null);
  if (owners.size === 0 && !anyModuleOwner) return [...ds];
  return ds.map((d) => {
    if (d.file === null || !configFiles.has(d.file) || d.path === "" || d.owner !== undefined) return d;
    const owner = ownerAt(value, parsePath(d.path), owners);
    return owner === null ? d : { ...d, owner };
  });
}
