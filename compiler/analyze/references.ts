// Unknown references: services, versions, ports, gateways and JWT providers named by
// routes, rules, mirrors, egress and services, each with "did you mean".
import { coreCodes } from "../diagnostics/codes.ts";
import type { NEgress, NMesh, NRoute, NRule, NService } from "../normalize/model.ts";
import { indexMesh } from "../normalize/mesh-index.ts";
import { didYouMean } from "../suggest.ts";
import { eachFresh, type ModelCheck, type Report } from "./context.ts";

function unknownService(mesh: NMesh, name: string, path: string, report: Report): null {
  report(coreCodes.unknownService, { message: `unknown service "${name}"`, path, hint: didYouMean(name, mesh.services.map((s) => s.name)) ?? "declare it under services" });
  return null;
}

export const references: ModelCheck = {
  name: "references",
  stage: "model",
  // Each route, rule, egress and service on its own, against the names the mesh declares.
  context: (mesh) => [mesh.services, mesh.gateways, mesh.jwtProviders],
  run(mesh, report, each = eachFresh) {
    // Each reference builds its path only when the name is unknown: a string per reference
    // was most of this check's cost on a large mesh, where every name is known.
    let services: ReadonlyMap<string, NService> | undefined; // only when some part is checked
    const known = (name: string): NService | null => (services ??= indexMesh(mesh).services).get(name) ?? null;
    const checkRoute = (route: NRoute, report: Report) => {
      const o = route.origin;
      const implicit = route.implicitAuthorization;
      // Indexed loops, not forEach or for-of: in code not yet optimized each costs a closure or iterator results, per route.
      const sources = route.sources;
      if (!implicit) {
        for (let i = 0; i < sources.length; i++) {
          const s = sources[i]!;
          if (s.kind === "service" && !known(s.name)) unknownService(mesh, s.name, `${o}.from${sources.length > 1 ? `[${i}]` : ""}`, report);
        }
      }
      for (let i = 0; i < sources.length; i++) {
        const s = sources[i]!;
        if (s.kind !== "gateway" || mesh.gateways.some((g) => g.name === s.name)) continue;
        report(coreCodes.unknownGateway, { message: `unknown gateway "${s.name}"`, path: `${o}.from.gateway`, hint: didYouMean(s.name, mesh.gateways.map((g) => g.name)) ?? "declare it under gateways" });
      }
      const dest = known(route.to) ?? unknownService(mesh, route.to, `${o}.to`, report);
      if (dest && route.port && !dest.ports.some((p) => p.name === route.port)) {
        report(coreCodes.unknownPort, { message: `service "${dest.name}" has no port "${route.port}"`, path: `${o}.port`, hint: didYouMean(route.port, dest.ports.map((p) => p.name)) ?? `its ports: ${dest.ports.map((p) => p.name).join(", ")}` });
      }
      if (dest && !route.port && dest.ports.length > 1) {
        report(coreCodes.unknownPort, { message: `service "${dest.name}" has several ports; the route must name one`, path: `${o}.to`, hint: `add port: one of ${dest.ports.map((p) => `"${p.name}"`).join(", ")}` });
      }
      if (route.action.kind === "forward") {
        const backends = route.action.backends;
        let viaSplit = true;
        for (let i = 0; i < backends.length; i++) if (backends[i]!.service !== route.to) viaSplit = false;
        for (let i = 0; i < backends.length; i++) {
          const b = backends[i]!;
          const svc = b.service === route.to ? dest : known(b.service) ?? unknownService(mesh, b.service, `${o}.backends[${i}].service`, report);
          if (svc && b.subset && !svc.versions.some((v) => v.name === b.subset)) {
            report(coreCodes.unknownVersion, {
              message: `service "${svc.name}" has no version "${b.subset}"`,
              path: viaSplit ? `${o}.split.${b.subset}` : `${o}.backends[${i}].version`,
              hint: didYouMean(b.subset, svc.versions.map((v) => v.name)) ?? (svc.versions.length ? `its versions: ${svc.versions.map((v) => v.name).join(", ")}` : `${svc.name} declares no versions`),
            });
          }
        }
      }
      if (route.mirror && !known(route.mirror.service)) unknownService(mesh, route.mirror.service, `${o}.mirror.to`, report);
    };
    const checkRule = (rule: NRule, report: Report) => {
      const key = rule.action;
      const from = rule.from;
      if (from) for (let i = 0; i < from.length; i++) if (!known(from[i]!)) unknownService(mesh, from[i]!, `${rule.origin}.${key}.from[${i}]`, report);
      if (!known(rule.to)) unknownService(mesh, rule.to, `${rule.origin}.${key}.to`, report);
    };
    const checkEgress = (e: NEgress, report: Report) => {
      e.from.forEach((f, i) => { if (!known(f)) unknownService(mesh, f, `${e.origin}.from[${i}]`, report); });
    };
    const checkJwt = (s: NService, report: Report) => {
      if (s.jwt && !mesh.jwtProviders.some((p) => p.name === s.jwt!.provider)) {
        report(coreCodes.unknownGateway, { message: `unknown JWT provider "${s.jwt.provider}"`, path: `${s.jwt.origin}.provider`, hint: didYouMean(s.jwt.provider, mesh.jwtProviders.map((p) => p.name)) ?? "declare it under jwtProviders" });
      }
    };
    for (const route of mesh.routes) each(route, report, checkRoute);
    for (const rule of mesh.authorization) each(rule, report, checkRule);
    for (const e of mesh.egress) each(e, report, checkEgress);
    for (const s of mesh.services) if (s.jwt) each(s, report, checkJwt);
  },
};
