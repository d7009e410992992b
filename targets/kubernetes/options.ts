// Options of the Kubernetes target, with documented defaults (README.md). Three layers,
// later wins: DEFAULT_OPTIONS, the config's `kubernetes` block (carried in the IR, so the
// bundle follows the config), and the options given to createKubernetesTarget (CLI flags, API).
import type { MeshIR, ResourcesIR } from "../../compiler/ir/types.ts";
import type { Target } from "../../compiler/target.ts";

export type ProxyFlavour = "envoy" | "nginx" | "haproxy";
export type ImagePullPolicy = "Always" | "IfNotPresent" | "Never";

export interface KubernetesOptions {
  /** Sidecar image per proxy flavour, and the capture init container's image (`init`). */
  readonly images: Readonly<Record<ProxyFlavour | "init", string>>;
  /** imagePullPolicy of the sidecar and init containers; null leaves Kubernetes' default. */
  readonly imagePullPolicy: ImagePullPolicy | null;
  /** Container resources of the sidecar (`proxy`) and of the capture init container (`init`); null = none set. */
  readonly resources: { readonly proxy: ResourcesIR | null; readonly init: ResourcesIR | null };
  /** GatewayClass the emitted Gateways ask for: the cluster's Gateway API implementation. */
  readonly gatewayClassName: string;
  /** Emit `dev/`: a self-signed ClusterIssuer and the mesh CA Certificate (dev clusters only). */
  readonly devBootstrap: boolean;
}

/** Overrides for createKubernetesTarget: any subset, images one by one. */
export type KubernetesOptionOverrides = Partial<Omit<KubernetesOptions, "images">> & { readonly images?: Partial<KubernetesOptions["images"]> };

/**
 * Pinned tags: a moving tag would make the same bundle deploy different proxies. nginx and
 * HAProxy are the versions the configs are checked against (Debian 12's nginx 1.22 and
 * HAProxy 2.6); the official nginx image ships njs (nginx-module-njs) and the official HAProxy
 * image is built with Lua. The init image is Linkerd's proxy-init (Alpine with iptables and
 * /bin/sh); meshc runs its own script in it, not proxy-init.
 */
export const DEFAULT_OPTIONS: KubernetesOptions = {
  images: {
    envoy: "docker.io/envoyproxy/envoy:v1.32.3",
    nginx: "docker.io/library/nginx:1.22.1",
    haproxy: "docker.io/library/haproxy:2.6.12",
    init: "cr.l5d.io/linkerd/proxy-init:v2.4.2",
  },
  imagePullPolicy: null,
  resources: { proxy: null, init: null },
  gatewayClassName: "meshc",
  devBootstrap: true,
};

/** The options in force for one IR: defaults, then the config's settings, then the target's overrides. */
export function resolveOptions(ir: MeshIR, overrides: KubernetesOptionOverrides): KubernetesOptions {
  const fromConfig = ir.infra.kubernetes;
  const pick = <T>(...values: (T | null | undefined)[]): T | undefined => values.find((v) => v !== null && v !== undefined) ?? undefined;
  const images = { ...DEFAULT_OPTIONS.images };
  for (const key of Object.keys(images) as (keyof typeof images)[]) images[key] = pick(overrides.images?.[key], fromConfig?.images[key]) ?? images[key];
  return {
    images,
    imagePullPolicy: pick(overrides.imagePullPolicy, fromConfig?.imagePullPolicy) ?? null,
    resources: {
      proxy: pick(overrides.resources?.proxy, fromConfig?.resources.proxy) ?? null,
      init: pick(overrides.resources?.init, fromConfig?.resources.init) ?? null,
    },
    gatewayClassName: pick(overrides.gatewayClassName, fromConfig?.gatewayClassName) ?? DEFAULT_OPTIONS.gatewayClassName,
    devBootstrap: overrides.devBootstrap ?? DEFAULT_OPTIONS.devBootstrap,
  };
}

/** A container's `resources`, without empty requests/limits; undefined when there is nothing to set. */
export function containerResources(r: ResourcesIR | null): { requests?: Record<string, string>; limits?: Record<string, string> } | undefined {
  if (r === null) return undefined;
  const out = {
    ...(Object.keys(r.requests).length > 0 ? { requests: { ...r.requests } } : {}),
    ...(Object.keys(r.limits).length > 0 ? { limits: { ...r.limits } } : {}),
  };
  return Object.keys(out).length > 0 ? out : undefined;
}

/** Where the sidecar finds its config, and how each flavour is started on it (foreground, no daemon). */
export const PROXY_CONFIG_DIR = "/etc/meshc/proxy";
/** Where the init container finds the capture script. */
export const CAPTURE_DIR = "/etc/meshc/capture";

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
