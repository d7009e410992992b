// Certificates an attacker would present to a mesh listener (issue 9, the identity model):
// the caller's identity is exactly the single URI SAN of a certificate the mesh CA signed,
// and nothing else in the certificate counts. Each function mints one leaf that a sloppy
// identity check would take for the victim. All leaves are ECDSA P-256, serverAuth +
// clientAuth, valid now, exactly like test/support/pki.ts issues them, so the ONLY thing
// that differs from an honest leaf is the attack named by the function.
//
// API (stable; other branches copy this file):
//   mintLeaf(ca, spec)                 the general form: any subject, URI SANs, CRL DPs
//   validLeaf(ca, victim)              an honest leaf: identity = victim.spiffeId
//   otherCaLeaf(victim)                the victim's URI and subject, signed by a fresh CA
//   victimSubjectOtherUri(ca, v, uri)  the victim's subject DN, another SPIFFE URI SAN
//   victimUriInCrlDp(ca, v, uri)       URI SAN = another identity, CRL DP = victim's URI
//   victimUriInSubject(ca, v, uri)     URI SAN = another identity, subject CN = victim's URI
//   twoUriSans(ca, v, uri)             URI SANs = victim's URI AND another one
//   noUriSan(ca, v)                    the victim's subject and DNS SANs, no URI SAN
//   mintHostileLeaves(ca, v, uri)      all of the above, each with the identity it must get
import "reflect-metadata"; // @peculiar/x509 needs it loaded before anything else touches it
import { webcrypto } from "node:crypto";
import * as x509 from "@peculiar/x509";
import type { SubjectIR } from "../../compiler/ir/types.ts";
import { createDevCa, type DevCa, type KeyPairPem, type LeafSpec } from "./pki.ts";

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

const EC_P256 = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" } as const;
const DAY_MS = 86_400_000;

/** Who is being impersonated: the fields of an identity that go into its certificate. */
export interface Victim {
  readonly spiffeId: string;
  readonly subject: SubjectIR;
  readonly dnsNames?: readonly string[];
}

/** Everything a hostile leaf may carry. Omitted lists are left out of the certificate. */
export interface HostileLeafSpec {
  /** Subject attributes in DER order, e.g. `[{ O: ["shop"] }, { CN: ["web"] }]`. */
  readonly subject: x509.JsonName;
  /** URI SANs, in order (none: no URI SAN; with no DNS SAN either, no SAN extension). */
  readonly uris?: readonly string[];
  readonly dnsNames?: readonly string[];
  /** URLs written as CRL distribution points (fullName uniformResourceIdentifier). */
  readonly crlDistributionPoints?: readonly string[];
}

/** A minted leaf with what the identity model says it is: its URI SAN, or null (no identity). */
export interface HostileLeaf extends KeyPairPem {
  /** Short stable name, usable as a directory name: `valid`, `other-ca`, `victim-dn`, ... */
  readonly kind: HostileKind;
  readonly description: string;
  /** The identity a correct proxy derives from it (null: none). */
  readonly expectedIdentity: string | null;
  /** False when the leaf is not signed by the CA given to mintHostileLeaves (the TLS handshake or verification must fail). */
  readonly signedByMeshCa: boolean;
}

export type HostileKind = "valid" | "other-ca" | "victim-dn" | "crl-dp" | "subject-bytes" | "two-uris" | "no-uri";

/** The subject in DER order O, OU, CN (OpenSSL prints `CN=..,OU=..,O=..`), as pki.ts writes it. */
export function subjectOf(subject: SubjectIR): x509.JsonName {
  return [{ O: [subject.organization] }, { OU: [subject.organizationalUnit] }, { CN: [subject.commonName] }];
}

function randomSerial(): string {
  const bytes = webcrypto.getRandomValues(new Uint8Array(16));
  bytes[0] &= 0x7f; // positive
  bytes[0] |= 0x01;
  return Buffer.from(bytes).toString("hex");
}

async function exportKeyPem(key: CryptoKey): Promise<string> {
  const der = await webcrypto.subtle.exportKey("pkcs8", key as unknown as webcrypto.CryptoKey);
  return x509.PemConverter.encode(der, "PRIVATE KEY") + "\n";
}

async function importCaKey(keyPem: string): Promise<CryptoKey> {
  const der = x509.PemConverter.decode(keyPem)[0];
  return await webcrypto.subtle.importKey("pkcs8", der, EC_P256, false, ["sign"]) as unknown as CryptoKey;
}

/** Signs a leaf for `spec` with `ca` (any DevCa from pki.ts: the mesh CA or another one). */
export async function mintLeaf(ca: DevCa, spec: HostileLeafSpec): Promise<KeyPairPem> {
  const caCert = new x509.X509Certificate(ca.certPem);
  const caKey = await importCaKey(ca.keyPem);
  const keys = await webcrypto.subtle.generateKey(EC_P256, true, ["sign", "verify"]) as unknown as CryptoKeyPair;
  const altNames: x509.JsonGeneralName[] = [
    ...(spec.uris ?? []).map((value) => ({ type: "url" as const, value })),
    ...(spec.dnsNames ?? []).map((value) => ({ type: "dns" as const, value })),
  ];
  const extensions: x509.Extension[] = [
    new x509.BasicConstraintsExtension(false, undefined, true),
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
    new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth]),
    await x509.AuthorityKeyIdentifierExtension.create(caCert),
  ];
  if (altNames.length > 0) extensions.push(new x509.SubjectAlternativeNameExtension(altNames));
  if (spec.crlDistributionPoints && spec.crlDistributionPoints.length > 0) {
    extensions.push(new x509.CRLDistributionPointsExtension([...spec.crlDistributionPoints]));
  }
  const now = Date.now();
  const leaf = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerial(), subject: spec.subject, issuer: caCert.subject, publicKey: keys.publicKey,
    signingKey: caKey, signingAlgorithm: EC_P256, notBefore: new Date(now - DAY_MS), notAfter: new Date(now + 30 * DAY_MS),
    extensions,
  });
  return { certPem: leaf.toString("pem") + "\n", keyPem: await exportKeyPem(keys.privateKey) };
}

/** An honest leaf for the victim (the control case: identity = victim.spiffeId). */
export function validLeaf(ca: DevCa, victim: Victim): Promise<KeyPairPem> {
  return mintLeaf(ca, { subject: subjectOf(victim.subject), uris: [victim.spiffeId], dnsNames: victim.dnsNames });
}

/** The victim's URI SAN, subject and DNS SANs, signed by a fresh CA the mesh does not trust. */
export async function otherCaLeaf(victim: Victim, caCommonName = "attacker CA"): Promise<KeyPairPem> {
  return validLeaf(await createDevCa(caCommonName), victim);
}

/** Mesh-CA leaf with the victim's subject DN (and DNS SANs) but `otherUri` as its only URI SAN: identity = otherUri. */
export function victimSubjectOtherUri(ca: DevCa, victim: Victim, otherUri: string): Promise<KeyPairPem> {
  return mintLeaf(ca, { subject: subjectOf(victim.subject), uris: [otherUri], dnsNames: victim.dnsNames });
}

/** Mesh-CA leaf whose only URI SAN is `otherUri` and whose CRL distribution point is the victim's URI: identity = otherUri. */
export function victimUriInCrlDp(ca: DevCa, victim: Victim, otherUri: string, otherSubject?: SubjectIR): Promise<KeyPairPem> {
  return mintLeaf(ca, {
    subject: otherSubject ? subjectOf(otherSubject) : [{ CN: ["crl-dp"] }],
    uris: [otherUri], crlDistributionPoints: [victim.spiffeId],
  });
}

/** Mesh-CA leaf whose only URI SAN is `otherUri` and whose subject CN holds the victim's URI bytes: identity = otherUri. */
export function victimUriInSubject(ca: DevCa, victim: Victim, otherUri: string): Promise<KeyPairPem> {
  return mintLeaf(ca, { subject: [{ O: [victim.subject.organization] }, { CN: [victim.spiffeId] }], uris: [otherUri] });
}

/** Mesh-CA leaf with two URI SANs, the victim's first: no identity (the model wants exactly one). */
export function twoUriSans(ca: DevCa, victim: Victim, otherUri: string): Promise<KeyPairPem> {
  return mintLeaf(ca, { subject: subjectOf(victim.subject), uris: [victim.spiffeId, otherUri], dnsNames: victim.dnsNames });
}

/** Mesh-CA leaf with the victim's subject and DNS SANs but no URI SAN: no identity. */
export function noUriSan(ca: DevCa, victim: Victim): Promise<KeyPairPem> {
  return mintLeaf(ca, { subject: subjectOf(victim.subject), dnsNames: victim.dnsNames ?? [victim.subject.commonName] });
}

/**
 * Every attack above against `victim`, using `otherUri` (an identity the mesh knows but that
 * the rule under test does not allow, or any SPIFFE URI) as the attacker's own identity.
 */
export async function mintHostileLeaves(ca: DevCa, victim: Victim, otherUri: string): Promise<readonly HostileLeaf[]> {
  const mk = (kind: HostileKind, description: string, expectedIdentity: string | null, pair: KeyPairPem, signedByMeshCa = true): HostileLeaf =>
    ({ kind, description, expectedIdentity, signedByMeshCa, ...pair });
  return [
    mk("valid", "honest leaf of the victim", victim.spiffeId, await validLeaf(ca, victim)),
    mk("other-ca", "victim's URI and subject from an untrusted CA", null, await otherCaLeaf(victim), false),
    mk("victim-dn", "victim's subject DN, another URI SAN", otherUri, await victimSubjectOtherUri(ca, victim, otherUri)),
    mk("crl-dp", "another URI SAN, victim's URI as CRL distribution point", otherUri, await victimUriInCrlDp(ca, victim, otherUri)),
    mk("subject-bytes", "another URI SAN, victim's URI in the subject CN", otherUri, await victimUriInSubject(ca, victim, otherUri)),
    mk("two-uris", "victim's URI SAN plus another URI SAN", null, await twoUriSans(ca, victim, otherUri)),
    mk("no-uri", "victim's subject and DNS SANs, no URI SAN", null, await noUriSan(ca, victim)),
  ];
}

/** A LeafSpec (pki.ts) for the victim, for callers that want pki.ts's issueLeaf instead. */
export function victimSpec(name: string, victim: Victim): LeafSpec {
  return { name, spiffeId: victim.spiffeId, dnsNames: victim.dnsNames, subject: victim.subject };
}
