// The sidecar of a pod workload: a ConfigMap with its proxy's config (emitted by the
// chosen proxy target, plus the capture script) and a strategic-merge patch, applied by the
// sidecars Component to the user's own workloads, adding the proxy container (and with
// capture the init container), that ConfigMap and the identity's certificate Secret.
import { ConfigMap } from "kubernetes-models/v1/ConfigMap";
import { combinedPemPath } from "../../compiler/ir/paths.ts";
import type { IdentityIR, ProxyIR, WorkloadIR } from "../../compiler/ir/types.ts";
import { collectCertificateFiles } from "../haproxy/build-tls.ts";
import { kubernetesCodes as codes } from "./codes.ts";
import { buildMetadata, buildModelObject, type EmitContext, type Manifest } from "./context.ts";
import { buildProxyCommand, containerResources, PROXY_CONFIG_DIR } from "./options.ts";
import { buildCaptureScript, buildInitContainer } from "./capture.ts";
import {
  CAPTURE_SCRIPT_KEY, manifestFileName, MESH_MEMBER_LABEL, proxyConfigMapName, SECRET_KEYS, sidecarPatchFile, SIDECAR_CONTAINER,
  VOLUME_CAPTURE, VOLUME_CERTS, VOLUME_LOG, VOLUME_PROXY_CONFIG, VOLUME_RUN,
} from "./names.ts";

/** The file each flavour starts on: `<proxy>.<ext>`. */
const ENTRY_EXTENSION: Readonly<Record<EmitContext["flavour"], string>> = { envoy: "yaml", nginx: "conf", haproxy: "cfg" };

/**
 * Every file a proxy's config may read from the proxy target's folder, taken generically:
 * its own (`<proxy>.<ext>`, anything under `<proxy>/`, e.g. an njs module or a Lua script)
 * and any file no proxy owns (shared by all), keyed as proxy-files.ts says; the volume's
 * items put each back at its path.
 */
export function buildProxyConfigMap(ctx: EmitContext, workload: WorkloadIR): Manifest | null {
  const files = ctx.proxyFiles.filesOf(workload.proxy);
  if (ctx.proxyFiles.ownFilesOf(workload.proxy).length === 0) {
    ctx.report(codes.proxyConfigMissing, {
      message: `the ${ctx.flavour} target emitted no config for proxy "${workload.proxy}" of workload "${workload.name}"`,
      path: `infra.workloads.${workload.name}`,
    });
    return null;
  }
  // Without a prototype: V8 keeps such an object as a dictionary, so its keys (file names, other
  // in every ConfigMap) are hash entries, not a new hidden class per ConfigMap made and then
  // enumerated afresh (most of this function's and the writer's time on `data`). An assignment
  // of `__proto__` there is an own member, as Object.fromEntries makes it.
  const data: Record<string, string> = Object.create(null) as Record<string, string>;
  for (let i = 0; i < files.length; i++) data[files[i]!.key] = files[i]!.file.content;
  if (workload.capture) data[CAPTURE_SCRIPT_KEY] = buildCaptureScript(ctx.ir.mesh.name, workload, workload.capture);
  const configMap = buildModelObject(ConfigMap, {
    metadata: buildMetadata(ctx, proxyConfigMapName(workload.name), workload.name),
    data,
  });
  return { file: manifestFileName("ConfigMap", proxyConfigMapName(workload.name)), object: configMap };
}

/** The proxy's entry file (its path under the config folder): `<proxy>.<flavour's extension>`, else its first top-level file. */
function selectEntryKey(ctx: EmitContext, workload: WorkloadIR): string {
  const entry = `${workload.proxy}.${ENTRY_EXTENSION[ctx.flavour]}`;
  const files = ctx.proxyFiles.ownFilesOf(workload.proxy);
  if (files.some((file) => file.path === entry)) return entry;
  return (files.find((file) => !file.path.includes("/")) ?? files[0])?.path ?? entry;
}

const certDirOf = (ctx: EmitContext) => ctx.ir.runtime.certDir.replace(/\/+$/, "");

/**
 * The items of an identity's Secret volume when none of its files is outside the cert
 * directory (no diagnostic), kept per identity object, cert directory and flavour: every
 * workload of the identity mounts the same. Each patch gets its own copy (annotate and the
 * builders may change what they hold). A call that reports always builds anew.
 */
interface KeptCertItems {
  readonly certDir: string; readonly flavour: string; readonly certFile: string; readonly keyFile: string; readonly caFile: string;
  readonly items: readonly { key: string; path: string }[];
}
const CERT_ITEMS = new WeakMap<IdentityIR, KeptCertItems>();

/**
 * Secret keys mapped to the file paths the proxy config reads: cert-manager's tls.crt,
 * tls.key and ca.crt at the identity's certFile, keyFile and caFile; for HAProxy also
 * tls-combined.pem (key + chain, the Certificate asks for it) at the bundle HAProxy loads.
 */
function buildCertItems(ctx: EmitContext, identity: IdentityIR): { key: string; path: string }[] {
  const certDir = certDirOf(ctx);
  const kept = CERT_ITEMS.get(identity);
  if (kept !== undefined && kept.certDir === certDir && kept.flavour === ctx.flavour && kept.certFile === identity.certFile
    && kept.keyFile === identity.keyFile && kept.caFile === identity.caFile) return kept.items.map((item) => ({ key: item.key, path: item.path }));
  let reported = false;
  const items: { key: string; path: string }[] = [];
  const files: [string, string, string][] = [
    [SECRET_KEYS.cert, identity.certFile, "certFile"], [SECRET_KEYS.key, identity.keyFile, "keyFile"], [SECRET_KEYS.ca, identity.caFile, "caFile"],
  ];
  for (const [key, file, field] of files) {
    if (!file.startsWith(`${certDir}/`)) {
      ctx.report(codes.certPathOutsideCertDir, {
        message: `${field} "${file}" of identity "${identity.name}" is not under the cert directory "${certDir}"`,
        path: `infra.identities.${identity.name}.${field}`,
      });
      reported = true;
      continue;
    }
    items.push({ key, path: file.slice(certDir.length + 1) });
    if (key === SECRET_KEYS.cert && ctx.flavour === "haproxy") {
      items.push({ key: SECRET_KEYS.combinedPem, path: combinedPemPath(file).slice(certDir.length + 1) });
    }
  }
  if (!reported) {
    const { certFile, keyFile, caFile } = identity;
    CERT_ITEMS.set(identity, { certDir, flavour: ctx.flavour, certFile, keyFile, caFile, items: items.map((item) => ({ key: item.key, path: item.path })) });
  }
  return items;
}

/**
 * The files under runtime.certDir the proxy's config reads. HAProxy reads one cert+key
 * bundle per certificate (build-tls.ts); Envoy and nginx read the certificate and key files.
 */
function collectCertDirReads(ctx: EmitContext, proxy: ProxyIR): string[] {
  const reads = new Set<string>();
  if (ctx.flavour === "haproxy") {
    const { bundles, cas } = collectCertificateFiles(proxy.listeners, proxy.clusters);
    for (const file of [...bundles, ...cas]) reads.add(file);
  } else {
    for (const listener of proxy.listeners) {
      for (const c of listener.tls?.certificates ?? []) reads.add(c.certFile).add(c.keyFile);
      if (listener.tls?.clientCaFile) reads.add(listener.tls.clientCaFile);
    }
    for (const cluster of proxy.clusters) {
      for (const file of [cluster.tls?.certFile, cluster.tls?.keyFile, cluster.tls?.caFile]) if (file) reads.add(file);
    }
  }
  const certDir = certDirOf(ctx);
  return [...reads].filter((f) => f.startsWith(`${certDir}/`)).sort();
}

/**
 * Whether every file under `certDirSlash` an Envoy or nginx config reads (those
 * collectCertDirReads lists) is one of `mounted`: the usual case, decided without the set
 * and the sort that give the report its order.
 */
function allReadsMounted(proxy: ProxyIR, certDirSlash: string, mounted: readonly string[]): boolean {
  const ok = (file: string | null | undefined) => !file || !file.startsWith(certDirSlash) || mounted.includes(file);
  for (const listener of proxy.listeners) {
    const tls = listener.tls;
    if (!tls) continue;
    for (const c of tls.certificates ?? []) if (!ok(c.certFile) || !ok(c.keyFile)) return false;
    if (!ok(tls.clientCaFile)) return false;
  }
  for (const cluster of proxy.clusters) {
    const tls = cluster.tls;
    if (tls && (!ok(tls.certFile) || !ok(tls.keyFile) || !ok(tls.caFile))) return false;
  }
  return true;
}

/** The Secret volume hides whatever the image had under certDir: every file read there must be a mounted key. */
function reportUnmountedReads(ctx: EmitContext, workload: WorkloadIR, proxy: ProxyIR, items: readonly { key: string; path: string }[]): void {
  const certDir = certDirOf(ctx);
  if (ctx.flavour !== "haproxy" && allReadsMounted(proxy, `${certDir}/`, items.map((item) => `${certDir}/${item.path}`))) return;
  const mounted = new Set(items.map((item) => `${certDir}/${item.path}`));
  for (const file of collectCertDirReads(ctx, proxy)) {
    if (mounted.has(file)) continue;
    ctx.report(codes.certFileNotMounted, {
      message: `the ${ctx.flavour} config of proxy "${proxy.name}" reads "${file}", but the sidecar of "${workload.name}" mounts only ${items.map((i) => `${i.key} at ${i.path}`).join(", ")} under "${certDir}"`,
      path: `infra.workloads.${workload.name}`,
    });
  }
}

/** The proxy's files at the paths the proxy target wrote them (relative to its folder), so a config reading a sibling file (an njs module, a Lua script) finds it. */
function buildConfigItems(ctx: EmitContext, workload: WorkloadIR): { key: string; path: string }[] {
  return ctx.proxyFiles.filesOf(workload.proxy).map(({ key, file }) => ({ key, path: file.path }));
}

function buildSidecarContainer(ctx: EmitContext, workload: WorkloadIR, proxy: ProxyIR | undefined) {
  const { runtime } = ctx.ir;
  const { options } = ctx;
  const capture = workload.capture;
  // Without capture the sidecar's inbound listeners are the service ports; with it, the capture ports.
  const inbound = (proxy?.listeners ?? []).filter((l) => l.direction === "inbound");
  const ports = capture
    ? inbound.map((l) => ({ name: `mesh-in-${l.port}`, containerPort: l.port, protocol: "TCP" as const }))
    : workload.ports.filter((p) => inbound.length === 0 || inbound.some((l) => l.port === p.port))
      .map((p) => ({ name: `mesh-${p.port}`, containerPort: p.port, protocol: "TCP" as const }));
  // Optional members set directly, not spread in (a runtime call per object in V8's baseline tier); toYaml sorts keys.
  const container: {
    name: string; image: string; imagePullPolicy?: string; command: string[]; ports: { name: string; containerPort: number; protocol: "TCP" }[];
    resources: ReturnType<typeof containerResources>; volumeMounts: { name: string; mountPath: string; readOnly?: boolean }[]; securityContext: object;
  } = {
    name: SIDECAR_CONTAINER,
    image: options.images[ctx.flavour],
    command: buildProxyCommand(ctx.flavour, selectEntryKey(ctx, workload)),
    ports,
    resources: containerResources(options.resources.proxy),
    volumeMounts: [
      { name: VOLUME_PROXY_CONFIG, mountPath: PROXY_CONFIG_DIR, readOnly: true },
      { name: VOLUME_CERTS, mountPath: runtime.certDir, readOnly: true },
      { name: VOLUME_RUN, mountPath: runtime.runDir },
      { name: VOLUME_LOG, mountPath: runtime.logDir },
    ],
    // With capture the proxy must run as the uid the rules exempt, or its own connections would loop back into it.
    securityContext: capture
      ? { runAsUser: capture.proxyUid, runAsGroup: capture.proxyUid, runAsNonRoot: true, allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } }
      : { allowPrivilegeEscalation: false },
  };
  if (options.imagePullPolicy) container.imagePullPolicy = options.imagePullPolicy;
  return container;
}

/**
 * A strategic-merge patch, applied by the `sidecars` Component to every Deployment,
 * StatefulSet and DaemonSet carrying the workload's labels: containers and volumes merge by
 * name, so the user's own stay. Pod labels are added (never the selector, which is immutable).
 */
export function buildSidecarPatch(ctx: EmitContext, workload: WorkloadIR, identity: IdentityIR): Manifest {
  const proxy = ctx.proxyByName.get(workload.proxy);
  const certItems = buildCertItems(ctx, identity);
  if (proxy) reportUnmountedReads(ctx, workload, proxy, certItems);
  const capture = workload.capture;
  const configMap = proxyConfigMapName(workload.name);
  // The capture members set directly, not spread in (see buildSidecarContainer).
  const volumes: object[] = [{ name: VOLUME_PROXY_CONFIG, configMap: { name: configMap, items: buildConfigItems(ctx, workload) } }];
  if (capture) volumes.push({ name: VOLUME_CAPTURE, configMap: { name: configMap, items: [{ key: CAPTURE_SCRIPT_KEY, path: CAPTURE_SCRIPT_KEY }] } });
  // 0440: the key is readable by the proxy's group only, never world-readable.
  volumes.push({ name: VOLUME_CERTS, secret: { secretName: identity.secretName, defaultMode: 0o440, items: certItems } }, { name: VOLUME_RUN, emptyDir: {} }, { name: VOLUME_LOG, emptyDir: {} });
  const podSpec: { serviceAccountName: string; securityContext?: object; initContainers?: object[]; containers: object[]; volumes: object[] } = {
    serviceAccountName: workload.serviceAccount,
    containers: [buildSidecarContainer(ctx, workload, proxy)],
    volumes,
  };
  if (capture) {
    // The Secret volume is root-owned, mode 0440: with capture the proxy is not root, so the pod's fsGroup must be its group.
    podSpec.securityContext = { fsGroup: capture.proxyUid };
    podSpec.initContainers = [buildInitContainer(ctx)];
  }
  const labels: Record<string, string> = {};
  labels[MESH_MEMBER_LABEL] = ctx.ir.mesh.name;
  const patch = {
    apiVersion: "apps/v1",
    // kustomize gives the patch each target's kind and name; these are placeholders.
    kind: "Deployment",
    metadata: { name: workload.name },
    spec: { template: { metadata: { labels }, spec: podSpec } },
  };
  return { file: sidecarPatchFile(workload.name), object: patch };
}
