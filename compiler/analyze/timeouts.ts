// Retries that cannot all run before the route's deadline, per-try timeouts longer than
// the route timeout, health checks whose timeout outlasts their interval.
import { coreCodes } from "../diagnostics/codes.ts";
import type { IrCheck } from "./context.ts";

export const timeouts: IrCheck = {
  name: "timeouts",
  stage: "ir",
  run(ir, mesh, report) {
    const seen = new Set<string>();
    for (const proxy of ir.proxies) for (const l of proxy.listeners) {
      if (l.kind !== "http") continue;
      for (const vh of l.virtualHosts) for (const route of vh.routes) {
        const a = route.action;
        if (a.kind !== "forward" || !a.retries || a.timeoutMs === null || a.retries.perTryTimeoutMs === null || seen.has(route.origin)) continue;
        seen.add(route.origin);
        const { retries, perTryTimeoutMs } = a.retries;
        if (perTryTimeoutMs > a.timeoutMs) {
          report(coreCodes.timeoutOrder, { message: `route ${route.name}: per-try timeout ${perTryTimeoutMs}ms is longer than the route timeout ${a.timeoutMs}ms`, path: `${route.origin}.retries.perTryTimeout`, hint: "make the per-try timeout shorter than the route timeout" });
        } else if ((retries + 1) * perTryTimeoutMs > a.timeoutMs) {
          report(coreCodes.retryBudget, {
            message: `route ${route.name}: ${retries + 1} attempts x ${perTryTimeoutMs}ms = ${(retries + 1) * perTryTimeoutMs}ms exceeds the route timeout ${a.timeoutMs}ms`,
            path: `${route.origin}.retries`, hint: `lower attempts to ${Math.max(0, Math.floor(a.timeoutMs / perTryTimeoutMs) - 1)}, shorten perTryTimeout, or raise the timeout`,
          });
        }
      }
    }
    for (const s of mesh.services) {
      if (s.healthCheck && s.healthCheck.timeoutMs > s.healthCheck.intervalMs) {
        report(coreCodes.timeoutOrder, { message: `${s.name}: health check timeout ${s.healthCheck.timeoutMs}ms is longer than its interval ${s.healthCheck.intervalMs}ms`, path: `${s.origin}.healthCheck.timeout`, hint: "make the timeout shorter than the interval" });
      }
    }
  },
};
