// Where a service runs: outside Kubernetes when the config gives it addresses (its own
// `endpoints`, or its versions'), on Kubernetes when it gives none (proxies reach it, and each
// version, through the Services the Kubernetes target emits). A service cannot be both: a
// version without endpoints of a service that has some would be looked up as a Kubernetes
// Service `<service>-<version>` that no target emits, and the service's own cluster would
// hold only the addresses, never that version's pods.
import { coreCodes } from "../diagnostics/codes.ts";
import type { NService } from "../normalize/model.ts";
import { eachFresh, type ModelCheck, type Report } from "./context.ts";

export const placement: ModelCheck = {
  name: "placement",
  stage: "model",
  // Each service on its own.
  context: () => [],
  run(mesh, report, each = eachFresh) {
    const checkService = (s: NService, report: Report) => {
      if (s.versions.length === 0) return;
      const addressed = s.versions.filter((v) => v.endpoints.length > 0);
      if (s.endpoints.length === 0 && addressed.length === 0) return;
      const unaddressed = s.versions.filter((v) => v.endpoints.length === 0);
      if (unaddressed.length === 0) return;
      const names = unaddressed.map((v) => v.name).join(", ");
      const outside = s.endpoints.length > 0 ? "the service lists endpoints" : `version ${addressed.map((v) => v.name).join(", ")} lists endpoints`;
      report(coreCodes.mixedPlacement, {
        message: `service ${s.name} runs both outside Kubernetes (${outside}) and on it (version ${names} has none): no Kubernetes Service would reach ${unaddressed.length === 1 ? "that version" : "those versions"}`,
        path: `${s.origin}.versions.${unaddressed[0]!.name}`,
        hint: `give version ${names} its endpoints, or remove every endpoint of ${s.name} so all its versions run on Kubernetes`,
      });
    };
    for (const s of mesh.services) each(s, report, checkService);
  },
};
