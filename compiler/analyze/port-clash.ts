// Port clashes inside one proxy's network namespace: inbound listeners, the applications'
// target ports, the outbound HTTP listener, outbound TCP listeners, admin and metrics.
import { coreCodes } from "../diagnostics/codes.ts";
import type { NService } from "../normalize/model.ts";
import type { ProxyIR } from "../ir/types.ts";
import { indexMesh } from "../normalize/mesh-index.ts";
import { eachFresh, type IrCheck, type Report } from "./context.ts";

export const portClash: IrCheck = {
  name: "port-clash",
  stage: "ir",
  // Each proxy on its own, with the services (a sidecar's application ports).
  context: (_ir, mesh) => [mesh.services],
  run(ir, mesh, report, each = eachFresh) {
    let services: ReadonlyMap<string, NService> | undefined; // only when some proxy is checked
    const checkProxy = (proxy: ProxyIR, report: Report) => {
      const taken = new Map<number, string>();
      const claim = (port: number, what: string, path: string) => {
        const other = taken.get(port);
        if (other) report(coreCodes.portClash, { message: `proxy ${proxy.name}: port ${port} is used by ${other} and by ${what}`, path, hint: "change one of the ports (defaults.outboundPort, defaults.adminPort, observability.metricsPort, targetPort)" });
        else taken.set(port, what);
      };
      claim(proxy.admin.port, "the admin endpoint", "defaults.adminPort");
      if (proxy.observability.metricsPort !== null) claim(proxy.observability.metricsPort, "the metrics endpoint", "observability.metricsPort");
      for (const l of proxy.listeners) {
        const what = l.direction === "inbound" ? `inbound listener ${l.name}` : l.kind === "tcp" ? `the outbound TCP listener for ${l.origin}` : "the outbound HTTP listener";
        claim(l.port, what, l.direction === "outbound" && l.kind === "http" ? "defaults.outboundPort" : l.origin);
      }
      const service = proxy.kind === "sidecar" ? (services ??= indexMesh(mesh).services).get(proxy.owner) : undefined;
      for (const p of service?.ports ?? []) claim(p.targetPort, `the application port of ${p.name}`, `${p.origin}.targetPort`);
    };
    for (const proxy of ir.proxies) each(proxy, report, checkProxy);
  },
};
