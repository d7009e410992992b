// Retries that cannot all run before the route's deadline, per-try timeouts longer than
// the route timeout, health checks whose timeout outlasts their interval.
import { coreCodes } from "../diagnostics/codes.ts";
import type { CodeInfo } from "../diagnostics/define.ts";
import type { ProxyIR } from "../ir/types.ts";
import type { NService } from "../normalize/model.ts";
import { eachFresh, type IrCheck, type Report } from "./context.ts";

/** Not a finding: marks a route with retries as judged (at `path`), so later proxies skip it. */
const JUDGED: CodeInfo = { code: "", severity: "info", title: "", description: "" };

/** A proxy's routes with retries, in order, each judged (JUDGED) and reported when its retries do not fit. */
function judgeRoutes(proxy: ProxyIR, report: Report): void {
  // Indexed loops: run for every proxy, a for-of step allocates an iterator result in code not yet optimized.
  for (let i = 0; i < proxy.listeners.length; i++) {
    const l = proxy.listeners[i]!;
    if (l.kind !== "http") continue;
    for (let v = 0; v < l.virtualHosts.length; v++) for (let r = 0; r < l.virtualHosts[v]!.routes.length; r++) {
      const route = l.virtualHosts[v]!.routes[r]!;
      const a = route.action;
      if (a.kind !== "forward" || !a.retries || a.timeoutMs === null || a.retries.perTryTimeoutMs === null) continue;
      report(JUDGED, { message: "", path: route.origin });
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
}

function checkHealth(s: NService, report: Report): void {
  if (s.healthCheck && s.healthCheck.timeoutMs > s.healthCheck.intervalMs) {
    report(coreCodes.timeoutOrder, { message: `${s.name}: health check timeout ${s.healthCheck.timeoutMs}ms is longer than its interval ${s.healthCheck.intervalMs}ms`, path: `${s.origin}.healthCheck.timeout`, hint: "make the timeout shorter than the interval" });
  }
}

export const timeouts: IrCheck = {
  name: "timeouts",
  stage: "ir",
  // Each proxy and service on its own; a route (by origin) is judged once, in the first proxy that has it.
  context: () => [],
  run(ir, mesh, report, each = eachFresh) {
    const seen = new Set<string>();
    // A judged route's findings follow its JUDGED mark: they are reported only with the first mark of that route.
    let current = false;
    const once: Report = (code, f) => {
      if (code === JUDGED) {
        current = !seen.has(f.path);
        seen.add(f.path);
      } else if (current) {
        report(code, f);
      }
    };
    for (const proxy of ir.proxies) each(proxy, once, judgeRoutes);
    for (const s of mesh.services) if (s.healthCheck) each(s, report, checkHealth);
  },
};
