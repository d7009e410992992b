// The kinds the Kubernetes target emits, with the module declaring each (kubernetes-models, or
// meshc's own ./gateway-api.ts for the Gateway API kinds).
// One list feeds both the known-fields generator and the verifier's validator lookup.
export interface EmittedKind {
  readonly apiVersion: string;
  readonly kind: string;
  readonly module: string;
}

export const EMITTED_KINDS: readonly EmittedKind[] = [
  { apiVersion: "v1", kind: "Namespace", module: "kubernetes-models/v1/Namespace" },
  { apiVersion: "v1", kind: "ServiceAccount", module: "kubernetes-models/v1/ServiceAccount" },
  { apiVersion: "v1", kind: "Service", module: "kubernetes-models/v1/Service" },
  { apiVersion: "v1", kind: "ConfigMap", module: "kubernetes-models/v1/ConfigMap" },
  { apiVersion: "apps/v1", kind: "Deployment", module: "kubernetes-models/apps/v1/Deployment" },
  { apiVersion: "discovery.k8s.io/v1", kind: "EndpointSlice", module: "kubernetes-models/discovery.k8s.io/v1/EndpointSlice" },
  { apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy", module: "kubernetes-models/networking.k8s.io/v1/NetworkPolicy" },
  { apiVersion: "gateway.networking.k8s.io/v1", kind: "Gateway", module: "./gateway-api.ts" },
  { apiVersion: "gateway.networking.k8s.io/v1", kind: "HTTPRoute", module: "./gateway-api.ts" },
  { apiVersion: "gateway.networking.k8s.io/v1", kind: "GRPCRoute", module: "./gateway-api.ts" },
  { apiVersion: "gateway.networking.k8s.io/v1alpha2", kind: "TCPRoute", module: "./gateway-api.ts" },
  { apiVersion: "cert-manager.io/v1", kind: "Issuer", module: "@kubernetes-models/cert-manager/cert-manager.io/v1/Issuer" },
  { apiVersion: "cert-manager.io/v1", kind: "ClusterIssuer", module: "@kubernetes-models/cert-manager/cert-manager.io/v1/ClusterIssuer" },
  { apiVersion: "cert-manager.io/v1", kind: "Certificate", module: "@kubernetes-models/cert-manager/cert-manager.io/v1/Certificate" },
];
