// Object names, labels and file names: one place, so files stay stable across releases
// and the verifier and tests can find what the emitter wrote.
import { posix } from "node:path";

/** Pods of mesh workloads carry this label (added by the sidecar patch), so default-deny spares the rest of the namespace. */
export const MESH_MEMBER_LABEL = "meshc.dev/mesh";
/** Label Gateway API implementations put on a Gateway's pods (GEP-1762). */
export const GATEWAY_NAME_LABEL = "gateway.networking.k8s.io/gateway-name";
export const MANAGED_BY = { "app.kubernetes.io/managed-by": "meshc" } as const;

export const SIDECAR_CONTAINER = "meshc-proxy";
/** The init container that programs the capture rules. */
export const INIT_CONTAINER = "meshc-init";
export const VOLUME_CAPTURE = "meshc-capture";
/** The capture script's key in the workload's proxy ConfigMap (proxy files are keyed `<proxy>.<ext>` or `<proxy>__...`, so no clash). */
export const CAPTURE_SCRIPT_KEY = "meshc-capture.sh";
export const VOLUME_PROXY_CONFIG = "meshc-proxy-config";
export const VOLUME_CERTS = "meshc-certs";
export const VOLUME_RUN = "meshc-run";
export const VOLUME_LOG = "meshc-log";

export const DEV_SELF_SIGNED_ISSUER = "meshc-dev-selfsigned";

/**
 * Keys of the Secret cert-manager writes for a Certificate. `combinedPem` (the key, then
 * the certificate chain) is written only when the Certificate asks for the CombinedPEM
 * additional output format, which the HAProxy flavour does.
 */
export const SECRET_KEYS = { cert: "tls.crt", key: "tls.key", ca: "ca.crt", combinedPem: "tls-combined.pem" } as const;

export const proxyConfigMapName = (workload: string) => `${workload}-proxy`;
export const versionServiceName = (workload: string, version: string) => `${workload}-${version}`;

/** One object per file, named `<kind>-<name>.yaml`: flat, so `ls` reads like an inventory. */
export function manifestFileName(kind: string, name: string): string {
  return `${kind.toLowerCase()}-${name}.yaml`;
}
/**
 * The injection Component's folder: the user adds it under `components:` of the overlay that
 * holds their app, so its patches reach the app's own workloads.
 */
export const SIDECARS_FOLDER = "sidecars";
export const sidecarPatchFile = (workload: string) => `${SIDECARS_FOLDER}/patches/${workload}.yaml`;
export const KUSTOMIZATION_FILE = "kustomization.yaml";

/**
 * posix.basename(path) === KUSTOMIZATION_FILE, asked of every file of a bundle (several times):
 * a path not ending in `/` is a kustomization when it is the name or ends in `/` and the name.
 */
export function isKustomizationPath(path: string): boolean {
  if (path.endsWith("/")) return posix.basename(path) === KUSTOMIZATION_FILE;
  return path.endsWith(KUSTOMIZATION_FILE) && (path.length === KUSTOMIZATION_FILE.length || path.charCodeAt(path.length - KUSTOMIZATION_FILE.length - 1) === 47 /* "/" */);
}
export const DEV_FOLDER = "dev";
