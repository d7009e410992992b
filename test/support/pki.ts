// A throwaway PKI for end-to-end tests: a mesh CA, one leaf per identity exactly as the IR
// describes it (SPIFFE URI SAN, DNS SANs, subject CN/OU/O), and a foreign CA whose leaves
// must be refused. ECDSA P-256, SHA-256, serverAuth + clientAuth, as PROXIES.md measured.
import "reflect-metadata"; // @peculiar/x509 needs it loaded before anything else touches it
import { webcrypto } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import * as x509 from "@peculiar/x509";
import type { SubjectIR } from "../../compiler/ir/types.ts";

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

const EC_P256 = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" } as const;
const DAY_MS = 86_400_000;

/** What a leaf needs: the fields of IdentityIR / IdentityRefIR that go into a certificate. */
export interface LeafSpec {
  readonly name: string;
  readonly spiffeId?: string | null;
  readonly dnsNames?: readonly string[];
  readonly subject: SubjectIR;
}

export interface KeyPairPem {
  readonly certPem: string;
  readonly keyPem: string;
}

export interface DevCa extends KeyPairPem {
  readonly commonName: string;
  /** Signs a leaf for `spec` with this CA. */
  issueLeaf(spec: LeafSpec): Promise<KeyPairPem>;
}

/**
 * The subject in DER order O, OU, CN. RFC 2253 prints it reversed, so OpenSSL (and
 * nginx's $ssl_client_s_dn) reads `CN=<cn>,OU=<ou>,O=<o>`.
 */
function subjectName(subject: SubjectIR): x509.JsonName {
  return [{ O: [subject.organization] }, { OU: [subject.organizationalUnit] }, { CN: [subject.commonName] }];
}

async function exportKeyPem(key: CryptoKey): Promise<string> {
  const der = await webcrypto.subtle.exportKey("pkcs8", key as unknown as webcrypto.CryptoKey);
  return x509.PemConverter.encode(der, "PRIVATE KEY") + "\n";
}

function randomSerial(): string {
  // Positive (top bit clear) 16-byte serial: strict verifiers reject negative ones.
  const bytes = webcrypto.getRandomValues(new Uint8Array(16));
  bytes[0] &= 0x7f;
  bytes[0] |= 0x01;
  return Buffer.from(bytes).toString("hex");
}

function validity(): { notBefore: Date; notAfter: Date } {
  const now = Date.now();
  return { notBefore: new Date(now - DAY_MS), notAfter: new Date(now + 30 * DAY_MS) };
}

export async function createDevCa(commonName: string): Promise<DevCa> {
  const keys = await webcrypto.subtle.generateKey(EC_P256, true, ["sign", "verify"]) as unknown as CryptoKeyPair;
  const name: x509.JsonName = [{ CN: [commonName] }];
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomSerial(), name, keys, signingAlgorithm: EC_P256, ...validity(),
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  const caCert = cert;
  return {
    commonName,
    certPem: cert.toString("pem") + "\n",
    keyPem: await exportKeyPem(keys.privateKey),
    issueLeaf: async (spec) => {
      const leafKeys = await webcrypto.subtle.generateKey(EC_P256, true, ["sign", "verify"]) as unknown as CryptoKeyPair;
      const altNames: x509.JsonGeneralName[] = [];
      if (spec.spiffeId) altNames.push({ type: "url", value: spec.spiffeId });
      for (const dns of spec.dnsNames ?? []) altNames.push({ type: "dns", value: dns });
      const extensions: x509.Extension[] = [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth]),
        await x509.AuthorityKeyIdentifierExtension.create(caCert),
      ];
      if (altNames.length > 0) extensions.push(new x509.SubjectAlternativeNameExtension(altNames));
      const leaf = await x509.X509CertificateGenerator.create({
        serialNumber: randomSerial(), subject: subjectName(spec.subject), issuer: caCert.subject,
        publicKey: leafKeys.publicKey, signingKey: keys.privateKey, signingAlgorithm: EC_P256, ...validity(), extensions,
      });
      return { certPem: leaf.toString("pem") + "\n", keyPem: await exportKeyPem(leafKeys.privateKey) };
    },
  };
}

export function writePem(file: string, pem: string): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, pem, { mode: 0o600 });
}

export function writeKeyPair(certFile: string, keyFile: string, pair: KeyPairPem): void {
  writePem(certFile, pair.certPem);
  writePem(keyFile, pair.keyPem);
}

/** Leaves written into a cert dir, in the layout RuntimePathsIR.certDir promises. */
export interface MeshPki {
  readonly dir: string;
  readonly ca: DevCa;
  readonly caFile: string;
  /** `<dir>/<name>/cert.pem` and `key.pem` per identity. */
  readonly leaves: ReadonlyMap<string, { certFile: string; keyFile: string; pair: KeyPairPem }>;
  /** A second CA (not trusted by the mesh) and its leaves, under `<dir>/foreign/`. */
  readonly foreign: { readonly ca: DevCa; readonly caFile: string; readonly leaves: ReadonlyMap<string, { certFile: string; keyFile: string }> };
}

async function writeLeaves(ca: DevCa, dir: string, specs: readonly LeafSpec[]) {
  const leaves = new Map<string, { certFile: string; keyFile: string; pair: KeyPairPem }>();
  for (const spec of specs) {
    const pair = await ca.issueLeaf(spec);
    const certFile = join(dir, spec.name, "cert.pem");
    const keyFile = join(dir, spec.name, "key.pem");
    writeKeyPair(certFile, keyFile, pair);
    leaves.set(spec.name, { certFile, keyFile, pair });
  }
  return leaves;
}

/**
 * Writes `<dir>/ca.pem` and `<dir>/<name>/{cert,key}.pem` for every identity, plus a
 * foreign CA issuing leaves with the SAME names and subjects under `<dir>/foreign/`, so a
 * test can show that only the CA, not the subject, makes a certificate trusted.
 */
export async function writeMeshPki(dir: string, identities: readonly LeafSpec[], caCommonName = "meshc test CA"): Promise<MeshPki> {
  const ca = await createDevCa(caCommonName);
  const caFile = join(dir, "ca.pem");
  writePem(caFile, ca.certPem);
  const leaves = await writeLeaves(ca, dir, identities);
  const foreignCa = await createDevCa("foreign test CA");
  const foreignDir = join(dir, "foreign");
  const foreignCaFile = join(foreignDir, "ca.pem");
  writePem(foreignCaFile, foreignCa.certPem);
  const foreignLeaves = await writeLeaves(foreignCa, foreignDir, identities);
  return { dir, ca, caFile, leaves, foreign: { ca: foreignCa, caFile: foreignCaFile, leaves: foreignLeaves } };
}
