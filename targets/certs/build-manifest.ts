// Builds the certificate manifest from the IR: the CA and identities from `infra`, the
// gateways' hostname certificates and any other file from what the proxies read, so
// the manifest and the proxy configs can never disagree about a path.
import type { IdentityIR, MeshIR, ProxyIR } from "../../compiler/ir/types.ts";
import type { CodeInfo, DiagnosticInput } from "../../compiler/diagnostics/define.ts";
import { certsCodes as codes } from "./codes.ts";
import { formatGoDuration } from "./duration.ts";
import { MANIFEST_VERSION, type CertManifest, type ExternalFileEntry, type IdentityEntry, type ServerCertificateEntry } from "./manifest.ts";

type Report = (code: CodeInfo, input: DiagnosticInput) => void;

/** The IR has no lifetime for gateway hostname certificates; dev ones get the identities' usual 90 days. */
export const SERVER_CERTIFICATE_LIFETIME_MS = 2160 * 3_600_000;

/**
 * The entries buildIdentities made: their keys are in IdentityEntry's order (their subject's
 * in SubjectIR's), which manifest-toml.ts's template for an identity's table follows.
 */
const builtIdentities = new WeakSet<object>();

/** Whether `row` is an identity entry buildIdentities made (nothing changes one: the manifest is read-only). */
export function isBuiltIdentity(row: object): boolean {
  return builtIdentities.has(row);
}

function buildIdentities(ir: MeshIR): IdentityEntry[] {
  // Every identity has the mesh's lifetimes: each text is made once.
  const durations = new Map<number, string>();
  const duration = (ms: number) => {
    let text = durations.get(ms);
    if (text === undefined) durations.set(ms, (text = formatGoDuration(ms)));
    return text;
  };
  return ir.infra.identities.map((identity) => built({
    name: identity.name,
    kind: identity.kind,
    namespace: identity.namespace,
    serviceAccount: identity.serviceAccount,
    spiffeId: identity.spiffeId,
    dnsNames: [...identity.dnsNames],
    subject: { commonName: identity.subject.commonName, organizationalUnit: identity.subject.organizationalUnit, organization: identity.subject.organization },
    keyAlgorithm: identity.keyAlgorithm,
    lifetime: duration(identity.lifetimeMs),
    renewBefore: duration(identity.renewBeforeMs),
    // EC keys only sign; RSA keys may also encipher (TLS 1.2 RSA key exchange).
    usages: identity.keyAlgorithm.startsWith("rsa") ? ["digitalSignature", "keyEncipherment", "serverAuth", "clientAuth"] : ["digitalSignature", "serverAuth", "clientAuth"],
    secretName: identity.secretName,
    certFile: identity.certFile,
    keyFile: identity.keyFile,
    caFile: identity.caFile,
  }));
}

function built(entry: IdentityEntry): IdentityEntry {
  builtIdentities.add(entry);
  return entry;
}

/** The issued identities by name, the first of a name (as a find over the list would return): one lookup per proxy, not a scan. */
function identitiesByName(ir: MeshIR): Map<string, IdentityIR> {
  const byName = new Map<string, IdentityIR>();
  for (const identity of ir.infra.identities) if (!byName.has(identity.name)) byName.set(identity.name, identity);
  return byName;
}

function checkProxyIdentity(issued: ReadonlyMap<string, IdentityIR>, proxy: ProxyIR, report: Report): void {
  const identity = issued.get(proxy.identity.name);
  const ref = proxy.identity;
  // The IR shares one subject object per identity (ir/parts.ts): the same object is the same JSON.
  const same = identity && identity.spiffeId === ref.spiffeId && identity.certFile === ref.certFile && identity.keyFile === ref.keyFile
    && identity.caFile === ref.caFile && (identity.subject === ref.subject || JSON.stringify(identity.subject) === JSON.stringify(ref.subject));
  if (!same) {
    report(codes.proxyIdentityMismatch, {
      message: `proxy "${proxy.name}" presents identity "${ref.name}" (${ref.spiffeId}), which ${identity ? "differs from" : "is not among"} the identities issued`,
      path: `proxies.${proxy.name}.identity`,
    });
  }
}

/** Hostname certificates of a proxy's listeners that are not its identity, and files meshc does not mint. */
function collectProxyFiles(ir: MeshIR, proxy: ProxyIR, minted: Set<string>, servers: Map<string, ServerCertificateEntry>, external: Map<string, { kind: ExternalFileEntry["kind"]; proxies: Set<string> }>, report: Report): void {
  const addExternal = (path: string, kind: ExternalFileEntry["kind"]) => {
    if (minted.has(path)) return;
    const entry = external.get(path) ?? { kind, proxies: new Set<string>() };
    entry.proxies.add(proxy.name);
    external.set(path, entry);
  };
  for (const listener of proxy.listeners) {
    for (const cert of listener.tls?.certificates ?? []) {
      if (minted.has(cert.certFile) && minted.has(cert.keyFile)) continue;
      if (!servers.has(cert.certFile)) {
        servers.set(cert.certFile, {
          name: cert.name, proxy: proxy.name, serverNames: [...cert.serverNames], keyAlgorithm: ir.infra.ca.keyAlgorithm,
          lifetime: formatGoDuration(SERVER_CERTIFICATE_LIFETIME_MS), certFile: cert.certFile, keyFile: cert.keyFile,
        });
      }
    }
    if (listener.tls?.clientCaFile) addExternal(listener.tls.clientCaFile, "client-ca");
    if (listener.kind === "http" && listener.jwt?.jwksFile) addExternal(listener.jwt.jwksFile, "jwks");
  }
  for (const cluster of proxy.clusters) {
    const tls = cluster.tls;
    if (!tls) continue;
    if (tls.mode === "mesh" && (tls.certFile !== proxy.identity.certFile || tls.keyFile !== proxy.identity.keyFile)) {
      report(codes.proxyIdentityMismatch, { message: `cluster "${cluster.name}" of proxy "${proxy.name}" presents files other than its identity's`, path: cluster.origin });
    }
    if (tls.caFile) addExternal(tls.caFile, tls.mode === "mesh" ? "client-ca" : "origination-ca");
  }
}

const claimedAt = (where: string, identity: string | null) => (identity === null ? where : `infra.identities.${identity}.${where}`);

function checkPaths(manifest: CertManifest, report: Report): void {
  const owners = new Map<string, string>();
  const under = `${manifest.certDir.replace(/\/+$/, "")}/`;
  // `identity`: the path is that identity's `where` field; the path of a report is made only for a report.
  const claim = (path: string, owner: string, where: string, identity: string | null = null) => {
    if (!path.startsWith(under)) {
      report(codes.fileOutsideCertDir, { message: `${owner}: "${path}" is not under the cert directory "${manifest.certDir}"`, path: claimedAt(where, identity) });
    }
    const previous = owners.get(path);
    // Several identities legitimately share the CA file; nothing else may share a path.
    if (previous !== undefined && previous !== owner && !(previous === "ca" && owner === "ca")) {
      report(codes.fileClaimedTwice, { message: `"${path}" is written for both ${previous} and ${owner}`, path: claimedAt(where, identity) });
    }
    owners.set(path, owner);
  };
  claim(manifest.ca.certFile, "ca", "infra.ca.caFile");
  for (const i of manifest.identities) {
    claim(i.certFile, `${i.name} certificate`, "certFile", i.name);
    claim(i.keyFile, `${i.name} key`, "keyFile", i.name);
    claim(i.caFile, "ca", "caFile", i.name);
  }
  for (const s of manifest.serverCertificates) {
    claim(s.certFile, `${s.proxy} ${s.name} certificate`, `proxies.${s.proxy}`);
    claim(s.keyFile, `${s.proxy} ${s.name} key`, `proxies.${s.proxy}`);
  }
}

export function buildCertManifest(ir: MeshIR, report: Report): CertManifest {
  const { ca } = ir.infra;
  const identities = buildIdentities(ir);
  const minted = new Set([ca.caFile]);
  for (const i of identities) minted.add(i.certFile).add(i.keyFile).add(i.caFile);
  const servers = new Map<string, ServerCertificateEntry>();
  const external = new Map<string, { kind: ExternalFileEntry["kind"]; proxies: Set<string> }>();
  const issued = identitiesByName(ir);
  for (const proxy of ir.proxies) {
    checkProxyIdentity(issued, proxy, report);
    collectProxyFiles(ir, proxy, minted, servers, external, report);
  }
  for (const [path, entry] of external) {
    report(codes.externalFile, { message: `${[...entry.proxies].join(", ")} read "${path}" (${entry.kind}); meshc does not mint it`, path: `proxies.${[...entry.proxies][0]}` });
  }
  const byPath = (a: { certFile?: string; path?: string }, b: { certFile?: string; path?: string }) => ((a.certFile ?? a.path)! < (b.certFile ?? b.path)! ? -1 : 1);
  const manifest: CertManifest = {
    version: MANIFEST_VERSION,
    mesh: ir.mesh.name,
    trustDomain: ir.mesh.trustDomain,
    certDir: ir.runtime.certDir,
    ca: { name: ca.name, commonName: ca.commonName, organization: ir.mesh.trustDomain, keyAlgorithm: ca.keyAlgorithm, lifetime: formatGoDuration(ca.lifetimeMs), certFile: ca.caFile },
    identities,
    serverCertificates: [...servers.values()].sort(byPath),
    external: [...external].map(([path, e]) => ({ path, kind: e.kind, proxies: [...e.proxies].sort() })).sort(byPath),
  };
  checkPaths(manifest, report);
  return manifest;
}
