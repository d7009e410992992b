// Throwaway certificates for `haproxy -c`: it opens every `crt` and `ca-file` it reads,
// so the check needs real PEM files at those paths. One self-signed EC certificate serves
// as every bundle (cert + key) and every CA: -c checks that files load, not who signed them.
import "reflect-metadata"; // @peculiar/x509 needs it before it loads
import { webcrypto } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import * as x509 from "@peculiar/x509";

const EC_P256 = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" } as const;

async function createSelfSigned(): Promise<{ certPem: string; keyPem: string }> {
  x509.cryptoProvider.set(webcrypto as unknown as Crypto);
  const keys = await webcrypto.subtle.generateKey(EC_P256, true, ["sign", "verify"]);
  const now = Date.now();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: "01", name: "CN=meshc haproxy check", keys: keys as unknown as CryptoKeyPair, signingAlgorithm: EC_P256,
    notBefore: new Date(now - 86_400_000), notAfter: new Date(now + 86_400_000),
    extensions: [new x509.BasicConstraintsExtension(true, undefined, true)],
  });
  const keyDer = await webcrypto.subtle.exportKey("pkcs8", keys.privateKey);
  return { certPem: cert.toString("pem") + "\n", keyPem: x509.PemConverter.encode(keyDer, "PRIVATE KEY") + "\n" };
}

/** Writes a cert+key bundle at each `bundles` path and the certificate at each `cas` path. */
export async function writeCheckCertificates(files: { readonly bundles: readonly string[]; readonly cas: readonly string[] }): Promise<void> {
  const { certPem, keyPem } = await createSelfSigned();
  const write = (path: string, content: string) => {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, content, { mode: 0o600 });
  };
  for (const path of files.bundles) write(path, certPem + keyPem);
  for (const path of files.cas) write(path, certPem);
}
