// Authorization rules that cannot matter: an allow that a deny fully covers, a rule that
// repeats another, an allow under default-allow with no deny to override; and L7
// conditions on a TCP-only service, where only the identity can be enforced.
import { coreCodes } from "../diagnostics/codes.ts";
import type { NRule } from "../normalize/model.ts";
import type { ModelCheck } from "./context.ts";
import { indexMesh } from "../normalize/mesh-index.ts";

function covers(a: NRule, b: NRule): boolean {
  const from = a.from === null || (b.from !== null && b.from.every((f) => a.from!.includes(f)));
  const methods = a.methods.length === 0 || (b.methods.length > 0 && b.methods.every((m) => a.methods.includes(m)));
  const paths = a.paths.length === 0 || (b.paths.length > 0 && b.paths.every((p) =>
    a.paths.some((q) => (q.kind === "exact" ? p.kind === "exact" && p.value === q.value : p.value.startsWith(q.value)))));
  const headers = a.headers.every((h) => b.headers.some((c) => c.name === h.name && c.kind === h.kind && c.value === h.value && c.invert === h.invert));
  return from && methods && paths && headers;
}

export const authorizationRules: ModelCheck = {
  name: "authorization",
  stage: "model",
  run(mesh, report) {
    const index = indexMesh(mesh);
    mesh.authorization.forEach((rule) => {
      const service = index.services.get(rule.to);
      if (!service) return;
      const key = rule.action;
      const siblings = index.rulesByTo.get(rule.to) ?? [];
      const earlier = siblings.slice(0, siblings.indexOf(rule));
      const same = earlier.find((r) => r.action === rule.action && covers(r, rule) && covers(rule, r));
      const denier = siblings.find((r) => r !== rule && r.action === "deny" && covers(r, rule));
      if (same) {
        report(coreCodes.authzConflict, { message: `rule ${rule.name} repeats ${same.name} (${same.origin})`, path: rule.origin, hint: "remove one of them" });
      } else if (rule.action === "allow" && denier) {
        report(coreCodes.authzConflict, { message: `allow rule ${rule.name} never applies: deny rule ${denier.name} (${denier.origin}) matches every request it does, and deny wins`, path: rule.origin, hint: `narrow ${denier.name}, or remove ${rule.name}` });
      } else if (rule.action === "allow" && service.authorization === "allow" && !siblings.some((r) => r.action === "deny")) {
        report(coreCodes.authzConflict, { message: `allow rule ${rule.name} has no effect: ${rule.to} allows every request by default and no deny rule applies to it`, path: rule.origin, hint: `set authorization: "deny" on ${rule.to} (or in defaults) to make the allow rules decide` });
      }
      if (service.ports.every((p) => p.protocol === "tcp") && (rule.methods.length > 0 || rule.paths.length > 0 || rule.headers.length > 0)) {
        report(coreCodes.unreachableAuthz, { message: `rule ${rule.name}: ${rule.to} speaks only TCP, so methods, paths and headers cannot be checked`, path: `${rule.origin}.${key}`, hint: "keep only from/to for TCP services" });
      }
    });
  },
};
