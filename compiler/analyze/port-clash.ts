// Port clashes inside one proxy's network namespace: inbound listeners, the applications'
// target ports, the outbound HTTP listener, outbound TCP listeners, admin and metrics.
import { coreCodes } from "../diagnostics/codes.ts";
import type { IrCheck } from "./context.ts";

export const portClash: IrCheck = {
  name: "port-clash",
  stage: "ir",
  run(ir, mesh, report) {
    const services = new Map(mesh.services.map((s) => [s.name, s]));
    for (const proxy of ir.proxies) {
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
      const service = proxy.kind === "sidecar" ? services.get(proxy.owner) : undefined;
      for (const p of service?.ports ?? []) claim(p.targetPort, `the application port of ${p.name}`, `${p.origin}.targetPort`);
    }
  },
};
