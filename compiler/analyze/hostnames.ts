// Hostnames and SNI: lowercase DNS names, at most 253 characters, no port, no userinfo;
// a leading `*.` only where a hostname may be a wildcard (gateway hosts); no IP for SNI.
import { coreCodes } from "../diagnostics/codes.ts";
import { ipVersion, isDnsName } from "../normalize/values.ts";
import type { NRoute } from "../normalize/model.ts";
import { eachFresh, type ModelCheck, type Report } from "./context.ts";
import { hostnamesIntersect } from "../ir/path-prefix.ts";

function check(host: string | null | undefined, where: string, report: Report, opts: { wildcard?: boolean; ip?: boolean } = {}): void {
  if (host === null || host === undefined) return;
  if (ipVersion(host) !== 0) {
    if (!opts.ip) report(coreCodes.badHostname, { message: `${JSON.stringify(host)} is an IP address, but a hostname is needed here (TLS SNI, Host)`, path: where, hint: "use the host's DNS name, and list its IPs under addresses" });
    return;
  }
  const name = opts.wildcard && host.startsWith("*.") ? host.slice(2) : host;
  if (isDnsName(name)) return;
  const why = /[A-Z]/.test(host) ? "must be lowercase" : host.includes(":") ? "must not include a port" : host.includes("@") ? "must not include userinfo"
    : host.includes("*") ? (opts.wildcard ? "may only start with *." : "may not be a wildcard") : ipVersion(host) !== 0 ? "may not be an IP address here" : "is not a DNS name";
  report(coreCodes.badHostname, { message: `hostname ${JSON.stringify(host)} ${why}`, path: where, hint: "write a lowercase DNS name like shop.example.com" });
}

export const hostnames: ModelCheck = {
  name: "hostnames",
  stage: "model",
  // Each route on its own, with the gateways (a gateway route's hostnames must be among its hosts).
  context: (mesh) => [mesh.gateways],
  run(mesh, report, each = eachFresh) {
    check(mesh.trustDomain, "trustDomain", report);
    for (const g of mesh.gateways) g.hosts.forEach((h, i) => check(h, `${g.origin}.hosts[${i}]`, report, { wildcard: true }));
    for (const e of mesh.egress) check(e.host, `${e.origin}.host`, report, { ip: !e.tls });
    const checkRoute = (r: NRoute, report: Report) => {
      if (r.rewrite?.host != null) check(r.rewrite.host, `${r.origin}.rewrite.host`, report);
      if (r.action.kind === "redirect" && r.action.host !== null) check(r.action.host, `${r.origin}.redirect.host`, report);
      if (r.hostnames.length === 0) return; // most routes: no closure for an empty list
      r.hostnames.forEach((h, i) => {
        check(h, `${r.origin}.hostnames[${i}]`, report, { wildcard: true });
        const gateway = r.sources.length === 1 && r.sources[0]!.kind === "gateway" ? mesh.gateways.find((g) => g.name === r.sources[0]!.name) : undefined;
        if (gateway && !hostnamesIntersect([h], gateway.hosts)) {
          report(coreCodes.routeHostnames, { message: `route ${r.name}: hostname ${h} is not served by gateway ${gateway.name} (${gateway.hosts.join(", ")})`, path: `${r.origin}.hostnames[${i}]`, hint: `add ${h} to gateways.${gateway.name}.hosts, or remove it from the route` });
        }
      });
    };
    for (const r of mesh.routes) each(r, report, checkRoute);
  },
};
