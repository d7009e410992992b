// Settings that decide how the mesh meets the user's own Kubernetes objects and network
// namespace: an adopted ServiceAccount is the identity (a different `identity` contradicts
// it), and with traffic capture the app keeps its port (a different targetPort contradicts it).
import { coreCodes } from "../diagnostics/codes.ts";
import type { NService } from "../normalize/model.ts";
import { eachFresh, type ModelCheck, type Report } from "./context.ts";

export const kubernetesAdoption: ModelCheck = {
  name: "kubernetes-adoption",
  stage: "model",
  // Each service on its own, with whether traffic capture is on.
  context: (mesh) => [mesh.defaults.capture],
  run(mesh, report, each = eachFresh) {
    const capture = mesh.defaults.capture !== null;
    const checkService = (s: NService, report: Report) => {
      const { declaredIdentity, serviceAccount, declaredTargetPorts } = s.kubernetes;
      if (serviceAccount !== null && declaredIdentity !== null && declaredIdentity !== serviceAccount) {
        report(coreCodes.identityConflict, {
          message: `service ${s.name}: identity "${declaredIdentity}" differs from the adopted ServiceAccount "${serviceAccount}", which is the workload's identity`,
          path: `${s.origin}.identity`, hint: `remove identity (the SPIFFE ID follows kubernetes.serviceAccount: .../sa/${serviceAccount})`,
        });
      }
      if (!capture) return;
      for (const port of s.ports) {
        const declared = declaredTargetPorts[port.name];
        if (declared === undefined || declared === port.port) continue;
        report(coreCodes.captureTargetPort, {
          message: `service ${s.name}: port ${port.name} has targetPort ${declared}, but with traffic capture the app listens on the service port ${port.port}`,
          path: `${port.origin}.targetPort`, hint: "remove targetPort: the capture rules redirect the port to the sidecar and the sidecar forwards to the app on it",
        });
      }
    };
    for (const s of mesh.services) each(s, report, checkService);
  },
};
