// The certificate target: `certs/manifest.toml`, the single statement of which
// certificates the mesh needs and where each proxy reads them. cert-manager objects
// for the same identities are the Kubernetes target's; `meshc certs issue` (issue.ts)
// mints dev certificates from this manifest.
import type { Diagnostic } from "../../compiler/diagnostics/types.ts";
import { diagnostic } from "../../compiler/diagnostics/define.ts";
import type { MeshIR } from "../../compiler/ir/types.ts";
import { FEATURES, type Capabilities, type Feature, type Support, type Target } from "../../compiler/target.ts";
import { buildCertManifest } from "./build-manifest.ts";
import { emitManifestToml, MANIFEST_FILE } from "./manifest-toml.ts";

/** The manifest carries identities and files, not traffic behaviour: only TLS features apply. */
const CERTIFICATE_FEATURES: readonly Feature[] = ["inbound.mtls.strict", "inbound.mtls.permissive", "gateway.tls"];
const capabilities = Object.fromEntries(
  FEATURES.map((f): [Feature, Support] => [f, CERTIFICATE_FEATURES.includes(f) ? { support: "full" } : { support: "not-applicable" }]),
) as Capabilities;

export function emitCerts(ir: MeshIR) {
  const diagnostics: Diagnostic[] = [];
  const manifest = buildCertManifest(ir, (code, input) => diagnostics.push(diagnostic(code, input)));
  return { files: [{ path: MANIFEST_FILE, content: emitManifestToml(manifest) }], diagnostics };
}

export const certs: Target = {
  name: "certs",
  description: "Certificate manifest (TOML): the mesh CA, one identity per workload and gateway, and every file path the proxies read",
  capabilities,
  emit: emitCerts,
  // What buildCertManifest reads (build-manifest.ts): the infra and settings, and of each proxy
  // its identity and the TLS files of its listeners and clusters. Watch mode keys the manifest
  // by these, so a route's timeout does not emit it again.
  reads: {
    rest: (ir) => ({ version: ir.version, mesh: ir.mesh, runtime: ir.runtime, infra: ir.infra }),
    proxy: (p) => ({
      name: p.name, identity: p.identity,
      listeners: p.listeners.map((l) => ({ kind: l.kind, tls: l.tls ?? null, jwks: l.kind === "http" ? l.jwt?.jwksFile ?? null : null })),
      clusters: p.clusters.map((c) => ({ name: c.name, origin: c.origin, tls: c.tls ?? null })),
    }),
  },
};
