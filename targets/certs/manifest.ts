// The certificate manifest: what `certs/manifest.toml` says, built from the IR, and read
// back by `meshc certs issue`. It names the CA, every identity (SPIFFE ID, DNS SANs,
// subject, key, lifetime) and every file a proxy config reads, so a PKI (cert-manager,
// Vault, or the dev issuer) can produce exactly those files.
import type { KeyAlgorithm, SubjectIR } from "../../compiler/ir/types.ts";

export const MANIFEST_VERSION = 1;
export const KEY_ALGORITHMS: readonly KeyAlgorithm[] = ["ecdsa-p256", "ecdsa-p384", "rsa-2048", "rsa-4096"];

export interface CaEntry {
  readonly name: string;
  readonly commonName: string;
  readonly organization: string;
  readonly keyAlgorithm: KeyAlgorithm;
  /** Go duration ("87600h0m0s"). */
  readonly lifetime: string;
  readonly certFile: string;
}

export interface IdentityEntry {
  readonly name: string;
  readonly kind: "service" | "gateway";
  readonly namespace: string;
  readonly serviceAccount: string;
  readonly spiffeId: string;
  readonly dnsNames: readonly string[];
  readonly subject: SubjectIR;
  readonly keyAlgorithm: KeyAlgorithm;
  readonly lifetime: string;
  readonly renewBefore: string;
  readonly usages: readonly ("digitalSignature" | "keyEncipherment" | "serverAuth" | "clientAuth")[];
  readonly secretName: string;
  readonly certFile: string;
  readonly keyFile: string;
  readonly caFile: string;
}

/** A gateway's certificate for its public hostnames (SNI). In production it usually comes from a public CA. */
export interface ServerCertificateEntry {
  readonly name: string;
  readonly proxy: string;
  readonly serverNames: readonly string[];
  readonly keyAlgorithm: KeyAlgorithm;
  readonly lifetime: string;
  readonly certFile: string;
  readonly keyFile: string;
}

/** A file a proxy reads that meshc does not mint. */
export interface ExternalFileEntry {
  readonly path: string;
  readonly kind: "jwks" | "origination-ca" | "client-ca";
  readonly proxies: readonly string[];
}

export interface CertManifest {
  readonly version: number;
  readonly mesh: string;
  readonly trustDomain: string;
  readonly certDir: string;
  readonly ca: CaEntry;
  readonly identities: readonly IdentityEntry[];
  readonly serverCertificates: readonly ServerCertificateEntry[];
  readonly external: readonly ExternalFileEntry[];
}

/** Every path the manifest accounts for: what the proxies may read. */
export function collectManifestPaths(manifest: CertManifest): string[] {
  return [
    manifest.ca.certFile,
    ...manifest.identities.flatMap((i) => [i.certFile, i.keyFile, i.caFile]),
    ...manifest.serverCertificates.flatMap((s) => [s.certFile, s.keyFile]),
    ...manifest.external.map((e) => e.path),
  ];
}
