// Mints a dev CA and every certificate of a manifest, exactly as it says: SPIFFE URI and
// DNS SANs, subject in DER order O, OU, CN (the order cert-manager writes, so nginx's
// $ssl_client_s_dn reads CN=..,OU=..,O=..), key algorithm, lifetime. Returns PEM strings
// and does no I/O; the caller passes the time and, to keep one, the existing CA.
// reflect-metadata must load before @peculiar/x509 (its DI container needs it).
import "reflect-metadata";
import { webcrypto } from "node:crypto";
import * as x509 from "@peculiar/x509";
import type { KeyAlgorithm } from "../../compiler/ir/types.ts";
import { parseGoDuration } from "./duration.ts";
import type { CertManifest, IdentityEntry, ServerCertificateEntry } from "./manifest.ts";

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

export interface PemPair {
  readonly certPem: string;
  readonly keyPem: string;
}
export interface MintedCertificate extends PemPair {
  readonly name: string;
  readonly certFile: string;
  readonly keyFile: string;
}
export interface MintResult {
  readonly ca: PemPair;
  readonly identities: readonly MintedCertificate[];
  readonly serverCertificates: readonly MintedCertificate[];
}
export interface MintOptions {
  /** Start of validity: the caller's clock, so minting stays a function of its inputs. */
  readonly now: Date;
  /** Keep this CA (its certificate and PKCS#8 key) instead of creating one. */
  readonly existingCa?: PemPair;
}

const OID = { commonName: "2.5.4.3", organizationalUnit: "2.5.4.11", organization: "2.5.4.10" };

function keyParams(algorithm: KeyAlgorithm): { generate: RsaHashedKeyGenParams | EcKeyGenParams; sign: Algorithm | EcdsaParams } {
  switch (algorithm) {
    case "ecdsa-p256": return { generate: { name: "ECDSA", namedCurve: "P-256" }, sign: { name: "ECDSA", hash: "SHA-256" } as EcdsaParams };
    case "ecdsa-p384": return { generate: { name: "ECDSA", namedCurve: "P-384" }, sign: { name: "ECDSA", hash: "SHA-384" } as EcdsaParams };
    case "rsa-2048":
    case "rsa-4096": {
      const generate = { name: "RSASSA-PKCS1-v1_5", modulusLength: algorithm === "rsa-2048" ? 2048 : 4096, publicExponent: new Uint8Array([1, 0, 1]), hash: "SHA-256" };
      return { generate, sign: { name: "RSASSA-PKCS1-v1_5" } };
    }
  }
}

async function generateKeys(algorithm: KeyAlgorithm): Promise<CryptoKeyPair> {
  return await webcrypto.subtle.generateKey(keyParams(algorithm).generate, true, ["sign", "verify"]) as CryptoKeyPair;
}

async function exportKeyPem(key: CryptoKey): Promise<string> {
  return x509.PemConverter.encode(await webcrypto.subtle.exportKey("pkcs8", key), "PRIVATE KEY");
}

/** 16 random bytes with the top bit cleared: a positive serial, unique without a counter. */
function randomSerial(): string {
  const bytes = webcrypto.getRandomValues(new Uint8Array(16));
  bytes[0] &= 0x7f;
  return Buffer.from(bytes).toString("hex");
}

function validity(now: Date, lifetime: string): { notBefore: Date; notAfter: Date } {
  const ms = parseGoDuration(lifetime) ?? 0;
  // X.509 times have whole seconds; truncating keeps notAfter - notBefore equal to the lifetime.
  const start = new Date(Math.floor(now.getTime() / 1000) * 1000);
  return { notBefore: start, notAfter: new Date(start.getTime() + ms) };
}

interface LoadedCa { readonly cert: x509.X509Certificate; readonly keys: CryptoKeyPair; readonly algorithm: KeyAlgorithm; readonly pem: PemPair }

async function createCa(manifest: CertManifest, now: Date): Promise<LoadedCa> {
  const { ca } = manifest;
  const keys = await generateKeys(ca.keyAlgorithm);
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomSerial(),
    name: [{ [OID.organization]: [ca.organization] }, { [OID.commonName]: [ca.commonName] }],
    ...validity(now, ca.lifetime),
    signingAlgorithm: keyParams(ca.keyAlgorithm).sign,
    keys,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { cert, keys, algorithm: ca.keyAlgorithm, pem: { certPem: cert.toString("pem"), keyPem: await exportKeyPem(keys.privateKey) } };
}

/** The algorithm of an existing CA's key, read from the certificate's public key. */
function algorithmOf(cert: x509.X509Certificate): KeyAlgorithm {
  const alg = cert.publicKey.algorithm as EcKeyAlgorithm & RsaHashedKeyAlgorithm;
  if (alg.name === "ECDSA") return alg.namedCurve === "P-384" ? "ecdsa-p384" : "ecdsa-p256";
  return alg.modulusLength === 4096 ? "rsa-4096" : "rsa-2048";
}

/** Loads a kept CA and proves its key signs for its certificate; throws with a reason when it cannot be used. */
export async function loadCa(pem: PemPair): Promise<LoadedCa> {
  const cert = new x509.X509Certificate(pem.certPem);
  const constraints = cert.getExtension(x509.BasicConstraintsExtension);
  if (!constraints?.ca) throw new Error("the certificate is not a CA (basicConstraints CA:TRUE missing)");
  const algorithm = algorithmOf(cert);
  const params = keyParams(algorithm);
  const importParams = params.generate.name === "ECDSA" ? params.generate : { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" };
  const privateKey = await webcrypto.subtle.importKey("pkcs8", x509.PemConverter.decodeFirst(pem.keyPem), importParams, true, ["sign"]);
  const publicKey = await cert.publicKey.export(importParams, ["verify"], webcrypto as unknown as Crypto);
  const probe = new Uint8Array([1, 2, 3]);
  const signature = await webcrypto.subtle.sign(params.sign, privateKey, probe);
  if (!(await webcrypto.subtle.verify(params.sign, publicKey, signature, probe))) throw new Error("the CA key does not match the CA certificate");
  return { cert, keys: { privateKey, publicKey }, algorithm, pem };
}

async function mintLeaf(ca: LoadedCa, now: Date, spec: {
  name: x509.JsonName; keyAlgorithm: KeyAlgorithm; lifetime: string; altNames: x509.JsonGeneralName[]; clientAuth: boolean;
}): Promise<PemPair> {
  const keys = await generateKeys(spec.keyAlgorithm);
  const usage = spec.keyAlgorithm.startsWith("rsa") ? x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment : x509.KeyUsageFlags.digitalSignature;
  const ekus = spec.clientAuth ? [x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth] : [x509.ExtendedKeyUsage.serverAuth];
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerial(),
    subject: spec.name,
    issuer: ca.cert.subject,
    ...validity(now, spec.lifetime),
    signingAlgorithm: keyParams(ca.algorithm).sign,
    publicKey: keys.publicKey,
    signingKey: ca.keys.privateKey,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(usage, true),
      new x509.ExtendedKeyUsageExtension(ekus, false),
      new x509.SubjectAlternativeNameExtension(spec.altNames, false),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(ca.cert),
    ],
  });
  return { certPem: cert.toString("pem"), keyPem: await exportKeyPem(keys.privateKey) };
}

function identityLeaf(identity: IdentityEntry) {
  const { subject } = identity;
  return {
    name: [{ [OID.organization]: [subject.organization] }, { [OID.organizationalUnit]: [subject.organizationalUnit] }, { [OID.commonName]: [subject.commonName] }],
    keyAlgorithm: identity.keyAlgorithm,
    lifetime: identity.lifetime,
    altNames: [{ type: "url" as const, value: identity.spiffeId }, ...identity.dnsNames.map((value) => ({ type: "dns" as const, value }))],
    clientAuth: true,
  };
}

function serverLeaf(server: ServerCertificateEntry) {
  return {
    name: [{ [OID.commonName]: [server.serverNames[0] ?? server.name] }],
    keyAlgorithm: server.keyAlgorithm,
    lifetime: server.lifetime,
    altNames: server.serverNames.map((value) => ({ type: "dns" as const, value })),
    clientAuth: false,
  };
}

export async function mintCertificates(manifest: CertManifest, options: MintOptions): Promise<MintResult> {
  const ca = options.existingCa ? await loadCa(options.existingCa) : await createCa(manifest, options.now);
  const identities: MintedCertificate[] = [];
  for (const identity of manifest.identities) {
    const pair = await mintLeaf(ca, options.now, identityLeaf(identity));
    identities.push({ name: identity.name, certFile: identity.certFile, keyFile: identity.keyFile, ...pair });
  }
  const serverCertificates: MintedCertificate[] = [];
  for (const server of manifest.serverCertificates) {
    const pair = await mintLeaf(ca, options.now, serverLeaf(server));
    serverCertificates.push({ name: server.name, certFile: server.certFile, keyFile: server.keyFile, ...pair });
  }
  return { ca: ca.pem, identities, serverCertificates };
}
