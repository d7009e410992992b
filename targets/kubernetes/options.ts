// Compile options of the Kubernetes target, with documented defaults (README.md).
import type { Target } from "../../compiler/target.ts";

export type ProxyFlavour = "envoy" | "nginx" | "haproxy";

export interface KubernetesOptions {
  /** Sidecar image per proxy flavour. */
  readonly images: Readonly<Record<ProxyFlavour, string>>;
  /** GatewayClass the emitted Gateways ask for: the cluster's Gateway API implementation. */
  readonly gatewayClassName: string;
  /** Emit `dev/`: a self-signed ClusterIssuer and the mesh CA Certificate (dev clusters only). */
  readonly devBootstrap: boolean;
}

/** Pinned tags: a moving tag would make the same bundle deploy different proxies. */
export const DEFAULT_OPTIONS: KubernetesOptions = {
  images: {
    envoy: "docker.io/envoyproxy/envoy:v1.32.3",
    nginx: "docker.io/library/nginx:1.27.3",
    haproxy: "docker.io/library/haproxy:3.0.7",
  },
  gatewayClassName: "meshc",
  devBootstrap: true,
};

/** Where the sidecar finds its config, and how each flavour is started on it (foreground, no daemon). */
export const PROXY_CONFIG_DIR = "/etc/meshc/proxy";

export function buildProxyCommand(flavour: ProxyFlavour, configFile: string): string[] {
  const path = `${PROXY_CONFIG_DIR}/${configFile}`;
  switch (flavour) {
    case "envoy": return ["envoy", "--config-path", path];
    case "nginx": return ["nginx", "-c", path, "-g", "daemon off;"];
    case "haproxy": return ["haproxy", "-db", "-f", path];
  }
}

export function proxyFlavourOf(target: Target): ProxyFlavour | null {
  return target.name === "envoy" || target.name === "nginx" || target.name === "haproxy" ? target.name : null;
}
