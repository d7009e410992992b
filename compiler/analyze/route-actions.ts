// A route does one thing: forward (optionally split), redirect, or answer directly. TCP
// destinations take no HTTP features. A prefix rewrite needs a prefix match to replace.
import { coreCodes } from "../diagnostics/codes.ts";
import type { NRoute, NService } from "../normalize/model.ts";
import { indexMesh } from "../normalize/mesh-index.ts";
import { destinationPort } from "../ir/routes.ts";
import { eachFresh, type ModelCheck, type Report } from "./context.ts";

const HTTP_ONLY: readonly (keyof NRoute)[] = ["rewrite", "mirror", "fault"];

export const routeActions: ModelCheck = {
  name: "route-actions",
  stage: "model",
  // Each route on its own, with the services (its destination's port protocols).
  context: (mesh) => [mesh.services],
  run(mesh, report, each = eachFresh) {
    let services: ReadonlyMap<string, NService> | undefined; // only when some route is checked
    const checkRoute = (r: NRoute, report: Report) => {
      const dest = (services ??= indexMesh(mesh).services).get(r.to);
      const port = dest && destinationPort(dest, r.port);
      if (port?.protocol === "tcp") {
        const used = [
          ...HTTP_ONLY.filter((k) => r[k] !== null),
          ...(r.match.path || r.match.methods.length || r.match.headers.length || r.match.query.length ? ["match"] : []),
          ...(r.action.kind !== "forward" ? [r.action.kind === "redirect" ? "redirect" : "directResponse"] : []),
          ...(r.requestHeaders.set.length + r.requestHeaders.add.length + r.requestHeaders.remove.length > 0 ? ["requestHeaders"] : []),
          ...(r.responseHeaders.set.length + r.responseHeaders.add.length + r.responseHeaders.remove.length > 0 ? ["responseHeaders"] : []),
        ];
        for (const field of used) {
          report(coreCodes.conflictingActions, { message: `route ${r.name} goes to TCP port ${port.name} of ${dest!.name}; ${field} is an HTTP feature`, path: `${r.origin}.${field}`, hint: "remove it, or route to an HTTP port" });
        }
      }
      const prefixMatch = r.match.path?.kind === "prefix" || r.match.path?.kind === "string-prefix";
      if (r.rewrite?.prefix && !prefixMatch) {
        report(coreCodes.conflictingActions, { message: `route ${r.name} rewrites a path prefix but does not match on one`, path: `${r.origin}.rewrite.prefix`, hint: "add match.path.prefix, or use rewrite.path or rewrite.regex" });
      }
      if (r.action.kind === "redirect" && r.action.prefix !== null && !prefixMatch) {
        report(coreCodes.conflictingActions, { message: `route ${r.name} redirects with a prefix replacement but does not match on a prefix`, path: `${r.origin}.redirect.prefix`, hint: "add match.path.prefix, or use redirect.path" });
      }
      if (r.hostnames.length > 0 && !r.sources.every((s) => s.kind === "gateway")) {
        report(coreCodes.routeHostnames, { message: `route ${r.name} has hostnames but is not a gateway route: a sidecar picks the destination by its own name`, path: `${r.origin}.hostnames`, hint: "remove hostnames, or route from a gateway" });
      }
    };
    for (const r of mesh.routes) each(r, report, checkRoute);
  },
};

/** More than one action in the user's text: the normalized route keeps only one, so this reads the raw route. */
export function conflictingActionKeys(route: Record<string, unknown>): string[] {
  const actions = ["split", "backends", "redirect", "directResponse"].filter((k) => route[k] !== undefined);
  const forwarding = actions.filter((k) => k === "split" || k === "backends");
  return actions.length > 1 || forwarding.length > 1 ? actions : [];
}
