// A gateway's routes are tried in the user's order (first match wins) by nginx, HAProxy and
// Envoy; the Kubernetes output is an HTTPRoute, which ranks rules by Gateway API
// precedence instead: hostname specificity, then an Exact path, then the longest prefix,
// then a method, then the most header and query matches. When two routes can match one
// request and the two orders disagree, that request would go elsewhere on Kubernetes.
// Conservative in what it calls "can match one request": only an obvious contradiction
// (disjoint paths, hosts or methods, two different exact values for one header or
// parameter) says they cannot.
import { coreCodes } from "../diagnostics/codes.ts";
import type { PathMatchIR, RouteMatchIR, StringMatchIR } from "../ir/types.ts";
import { hostnamesIntersect, matchesPathPrefix, prefixElements } from "../ir/path-prefix.ts";
import type { IrCheck } from "./context.ts";

/** Gateway API precedence as a tuple, larger first. */
function rank(match: RouteMatchIR): number[] {
  const hostnames = match.hostnames ?? [];
  const exactHost = Math.max(0, ...hostnames.filter((h) => !h.startsWith("*.")).map((h) => h.length));
  const wildcardHost = Math.max(0, ...hostnames.map((h) => h.length));
  const path = match.path;
  // No path match is PathPrefix "/" in Gateway API.
  const kind = path === null ? 2 : path.kind === "exact" ? 3 : path.kind === "regex" ? 1 : 2;
  const length = path === null ? 1 : path.kind === "prefix" ? prefixElements(path.value).length || 1 : path.value.length;
  return [exactHost, wildcardHost, kind, kind === 2 ? length : 0, match.methods.length > 0 ? 1 : 0, match.headers.length, match.query.length];
}

function compareRank(a: number[], b: number[]): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return 0;
}

/** A path both matches can accept (regexes: assume so). */
function pathsMeet(a: PathMatchIR | null, b: PathMatchIR | null): boolean {
  if (a === null || b === null || a.kind === "regex" || b.kind === "regex") return true;
  const accepts = (m: PathMatchIR, path: string) =>
    m.kind === "exact" ? path === m.value : m.kind === "prefix" ? matchesPathPrefix(m.value, path) : path.startsWith(m.value);
  const shortest = (m: PathMatchIR) => (m.kind === "prefix" ? [prefixElements(m.value) || "/", prefixElements(m.value) + "/"] : [m.value]);
  return shortest(a).some((p) => accepts(b, p)) || shortest(b).some((p) => accepts(a, p));
}

function conditionsMeet(a: readonly StringMatchIR[], b: readonly StringMatchIR[]): boolean {
  return !a.some((x) => b.some((y) => x.name === y.name && x.kind === "exact" && y.kind === "exact" && !x.invert && !y.invert && x.value !== y.value));
}

function canMatchOneRequest(a: RouteMatchIR, b: RouteMatchIR): boolean {
  return pathsMeet(a.path, b.path)
    && hostnamesIntersect(a.hostnames ?? [], b.hostnames ?? [])
    && (a.methods.length === 0 || b.methods.length === 0 || a.methods.some((m) => b.methods.includes(m)))
    && conditionsMeet(a.headers, b.headers) && conditionsMeet(a.query, b.query);
}

export const gatewayPrecedence: IrCheck = {
  name: "gateway-precedence",
  stage: "ir",
  run(ir, mesh, report) {
    if (mesh.targets !== null && !mesh.targets.includes("kubernetes")) return;
    for (const gateway of ir.infra.gateways) {
      const routes = gateway.routes;
      routes.forEach((later, j) => {
        const earlier = routes.slice(0, j).find((e) => canMatchOneRequest(e.match, later.match) && compareRank(rank(later.match), rank(e.match)) > 0);
        if (!earlier) return;
        report(coreCodes.gatewayPrecedence, {
          message: `gateway ${gateway.name}: route ${later.name} comes after ${earlier.name} (${earlier.origin}) and both can match one request; the proxies try ${earlier.name} first, but the HTTPRoute's Gateway API precedence ranks ${later.name} first (more specific hostname, exact path, longer prefix, method, or more header/query matches)`,
          path: later.origin,
          hint: `move ${later.name} before ${earlier.name}, so every target agrees`,
        });
      });
    }
  },
};
