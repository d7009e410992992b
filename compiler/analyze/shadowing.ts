// Route shadowing: a route that can never match because an earlier route of the same
// caller and destination matches every request it would. The top complaint of Gateway
// API, Istio and Kuma users; here it is an error with both routes named.
import { coreCodes } from "../diagnostics/codes.ts";
import type { PathMatchIR, ProxyIR, RouteMatchIR, StringMatchIR } from "../ir/types.ts";
import { eachFresh, type IrCheck, type Report } from "./context.ts";
import { matchesPathPrefix, prefixElements } from "../ir/path-prefix.ts";

/** Every path `b` accepts, `a` accepts. A prefix is element-wise (Gateway API), a string prefix is not. */
function pathCovers(a: PathMatchIR | null, b: PathMatchIR | null): boolean {
  if (a === null) return true;
  if (b === null) return (a.kind === "prefix" && prefixElements(a.value) === "") || (a.kind === "string-prefix" && a.value === "/");
  if (a.kind === "regex") return b.kind === "regex" && a.value === b.value;
  if (a.kind === "exact") return b.kind === "exact" && a.value === b.value;
  if (b.kind === "regex") return false;
  // The shortest path of an element-wise prefix is the prefix itself ("/" for the root).
  const shortestOfB = b.kind === "prefix" ? prefixElements(b.value) || "/" : b.value;
  if (a.kind === "string-prefix") return shortestOfB.startsWith(a.value);
  const qa = prefixElements(a.value);
  if (b.kind === "string-prefix") return qa === "" || b.value.startsWith(qa + "/");
  return matchesPathPrefix(a.value, b.kind === "prefix" ? prefixElements(b.value) || "/" : b.value);
}

/** Every host `b` answers, `a` answers (empty = any host). */
function hostnamesCover(a: readonly string[] | undefined, b: readonly string[] | undefined): boolean {
  if (!a || a.length === 0) return true;
  if (!b || b.length === 0) return false;
  return b.every((h) => a.some((x) => x === h || (x.startsWith("*.") && h.endsWith(x.slice(1)) && h.length > x.length - 1)));
}

/** Every request satisfying `b`'s conditions satisfies `a`'s condition on the same name. */
function conditionImplied(a: StringMatchIR, b: readonly StringMatchIR[]): boolean {
  return b.some((c) => c.name === a.name && (
    (c.kind === a.kind && c.value === a.value && c.invert === a.invert) ||
    (a.kind === "present" && !a.invert && !c.invert) ||
    (a.kind === "prefix" && !a.invert && !c.invert && c.kind === "exact" && c.value.startsWith(a.value))
  ));
}

export function matchCovers(a: RouteMatchIR, b: RouteMatchIR): boolean {
  if (!pathCovers(a.path, b.path) || !hostnamesCover(a.hostnames, b.hostnames)) return false;
  if (a.methods.length > 0 && (b.methods.length === 0 || !b.methods.every((m) => a.methods.includes(m)))) return false;
  return a.headers.every((h) => conditionImplied(h, b.headers)) && a.query.every((q) => conditionImplied(q, b.query));
}

/** The shadowed routes of one proxy, each at its origin (a route of several callers may repeat). */
function shadowedRoutes(proxy: ProxyIR, report: Report): void {
  for (const listener of proxy.listeners) {
    if (listener.kind !== "http") continue;
    for (const vhost of listener.virtualHosts) {
      vhost.routes.forEach((route, i) => {
        const earlier = vhost.routes.slice(0, i).find((e) => matchCovers(e.match, route.match));
        if (!earlier) return;
        report(coreCodes.shadowedRoute, {
          message: `route ${route.name} can never match: route ${earlier.name} (${earlier.origin}) comes first and matches every request it does`,
          path: route.origin,
          hint: `move ${route.name} before ${earlier.name}, or narrow ${earlier.name}'s match`,
        });
      });
    }
  }
}

export const shadowing: IrCheck = {
  name: "shadowing",
  stage: "ir",
  // Each proxy on its own; a route is reported once, from the first proxy where it is shadowed.
  context: () => [],
  run(ir, _mesh, report, each = eachFresh) {
    const reported = new Set<string>();
    const once: Report = (code, f) => {
      if (reported.has(f.path)) return;
      reported.add(f.path);
      report(code, f);
    };
    for (const proxy of ir.proxies) each(proxy, once, shadowedRoutes);
  },
};
