// Diagnostic codes of the Kubernetes target. Bands owned here: MESH3250-3299 (what the
// target cannot express, found while emitting) and MESH4400-4499 (findings of the
// verifier on emitted files). A retired code is commented out, never reused.
import { defineCodes } from "../../compiler/diagnostics/define.ts";

export const kubernetesCodes = defineCodes({
  proxyConfigErrors: {
    code: "MESH3250", severity: "error", title: "sidecar proxy config has errors",
    description: "The proxy target whose config goes into the sidecar ConfigMaps reported errors; the ConfigMaps would carry a broken config.",
  },
  proxyConfigMissing: {
    code: "MESH3251", severity: "error", title: "no proxy config for a workload",
    description: "The proxy target emitted no file for a workload's sidecar, so its ConfigMap would be empty.",
  },
  certPathOutsideCertDir: {
    code: "MESH3252", severity: "error", title: "certificate file outside the cert directory",
    description: "An identity's certificate, key or CA file is not under runtime.certDir, so the Secret volume mounted there cannot provide it.",
  },
  endpointPortUnmatched: {
    code: "MESH3253", severity: "error", title: "static endpoint port matches no service port",
    description: "An EndpointSlice port must name a Service port; a VM endpoint's port matches none of a multi-port workload's ports.",
  },
  networkPolicyOnVm: {
    code: "MESH3254", severity: "info", title: "NetworkPolicy cannot protect a VM",
    description: "NetworkPolicies select pods; a workload outside Kubernetes is protected only by its proxy's mTLS and authorization.",
  },
  gatewayMatchInverted: {
    code: "MESH3255", severity: "error", title: "inverted match on a gateway route",
    description: "Gateway API header and query matches cannot be negated.",
  },
  // MESH3256 (gateway path prefix is segment-aware) is retired: meshc's `prefix` is now element-wise everywhere.
  gatewayTcpPortClash: {
    code: "MESH3257", severity: "error", title: "TCP and HTTP routes on one gateway port",
    description: "A Gateway listener has one protocol; TCP backends need a gateway (or port) of their own.",
  },
  grpcRouteUnsupported: {
    code: "MESH3258", severity: "error", title: "gRPC gateway route feature not expressible",
    description: "GRPCRoute matches gRPC service/method and headers only, and has no timeouts or URL rewrites.",
  },
  gatewayMethodOnTcp: {
    code: "MESH3259", severity: "error", title: "HTTP match on a TCP gateway route",
    description: "A TCPRoute forwards whole connections; path, method, header and query matches, timeouts, rewrites and header changes cannot apply.",
  },
  gatewayStringPrefix: {
    code: "MESH3285", severity: "info", title: "string prefix as a gateway regex",
    description: "Gateway API has no string prefix: a `stringPrefix` path match becomes a RegularExpression path match (`^<prefix>.*`), whose support is implementation-specific.",
  },
  gatewayActionUnsupported: {
    code: "MESH3287", severity: "error", title: "gateway route action Gateway API cannot express",
    description: "An HTTPRoute has no direct response and no regex path rewrite; route such requests to a service that answers, or rewrite by prefix or full path.",
  },
  certFileNotMounted: {
    code: "MESH3260", severity: "error", title: "sidecar reads a certificate file the pod does not mount",
    description: "The sidecar's proxy config reads a file under runtime.certDir that no key of the identity Secret is mounted at; the Secret volume hides everything else there, so the proxy would not start.",
  },
  adoptedVmService: {
    code: "MESH3261", severity: "warning", title: "a VM workload's Service cannot be adopted",
    description: "kubernetes.emitService is false on a service with static endpoints: its Service must be meshc's selector-less one, fed by the EndpointSlices meshc emits, so meshc emits it anyway.",
  },
  dnsWorkloadNoService: {
    code: "MESH3263", severity: "info", title: "no Service for a workload known by DNS name",
    description: "A service whose endpoints are DNS names runs outside Kubernetes, and an EndpointSlice lists IP addresses: meshc emits no Service for it (the mesh's proxies reach it by name). Give its IP addresses as endpoints for a selector-less Service.",
  },
  dnsPeerUnadmitted: {
    code: "MESH3264", severity: "warning", title: "NetworkPolicy cannot admit a source known by DNS name",
    description: "A NetworkPolicy admits sources by pod labels or IP blocks; a caller outside Kubernetes whose endpoints are DNS names cannot be named, so the policy refuses its connections although the mesh's authorization allows them. Give the caller's IP addresses as endpoints.",
  },
  gatewayBackendWithoutService: {
    code: "MESH3265", severity: "error", title: "gateway route to a service known by DNS name",
    description: "A Gateway API route's backendRef names a Service, and a service (or version) whose endpoints are DNS names has none (an EndpointSlice lists IP addresses). Give it IP addresses as endpoints, or route to it through a mesh service.",
  },
  workloadLabelsOverlap: {
    code: "MESH3262", severity: "error", title: "two services inject into the same workloads",
    description: "The workload labels (kubernetes.workloadLabels, default the selector) of two pod services can match the same Deployment, StatefulSet or DaemonSet: it would receive both sidecar patches and keep only one proxy.",
  },

  yamlInvalid: {
    code: "MESH4400", severity: "error", title: "emitted YAML does not parse",
    description: "A file of the kubernetes bundle is not exactly one valid YAML document.",
  },
  kindUnknown: {
    code: "MESH4401", severity: "error", title: "unknown apiVersion/kind",
    description: "The object's apiVersion and kind are not among those the Kubernetes target emits and checks.",
  },
  schemaViolation: {
    code: "MESH4402", severity: "error", title: "object violates its schema",
    description: "kubernetes-models validate(): a type, enum, pattern, minimum or required field is wrong.",
  },
  fieldUnknown: {
    code: "MESH4403", severity: "error", title: "unknown field",
    description: "The field is not in the object's schema; the API server would drop or reject it.",
  },
  portOutOfRange: {
    code: "MESH4404", severity: "error", title: "port out of range",
    description: "Ports are integers from 1 to 65535.",
  },
  nameInvalid: {
    code: "MESH4405", severity: "error", title: "invalid object or port name",
    description: "Object names are DNS-1123 subdomains (labels for Namespaces and Services); port names are DNS-1123 labels (IANA service names, 15 characters at most, for containers).",
  },
  durationInvalid: {
    code: "MESH4406", severity: "error", title: "invalid cert-manager duration",
    description: "cert-manager durations are Go durations (\"2160h0m0s\"); renewBefore must be shorter than duration.",
  },
  kustomizationResourceMissing: {
    code: "MESH4407", severity: "error", title: "kustomization names a missing file",
    description: "A resource or patch listed in kustomization.yaml is not in the bundle, or lies outside the kustomization root.",
  },
  kustomizationFileUnlisted: {
    code: "MESH4408", severity: "error", title: "file not listed in a kustomization",
    description: "Every emitted manifest is listed by a kustomization, or `kubectl apply -k` silently skips it.",
  },
  kustomizationPatchTarget: {
    code: "MESH4409", severity: "error", title: "patch targets no workload",
    description: "Each sidecar patch is in the sidecars Component (a plain Kustomization's patches never reach the user's workloads) and selects Deployments, StatefulSets and DaemonSets by the workload labels of the pod workload it is for.",
  },
});
