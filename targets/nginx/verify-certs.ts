// Throwaway certificate files so `nginx -t` can load every ssl_* file a config names.
// nginx -t only checks that each file parses and each key matches its certificate, so one
// self-signed pair serves as every certificate, key and CA file.
import "reflect-metadata"; // @peculiar/x509 needs it before its own import
import { webcrypto } from "node:crypto";
import * as x509 from "@peculiar/x509";
import type { MeshIR } from "../../compiler/ir/types.ts";

x509.cryptoProvider.set(webcrypto as unknown as Crypto);
const EC_P256 = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" } as const;

export async function createPlaceholderPair(): Promise<{ certPem: string; keyPem: string }> {
  const keys = await webcrypto.subtle.generateKey(EC_P256, true, ["sign", "verify"]) as unknown as CryptoKeyPair;
  const now = Date.now();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: "01", name: "CN=meshc nginx -t placeholder", keys, signingAlgorithm: EC_P256,
    notBefore: new Date(now - 3_600_000), notAfter: new Date(now + 86_400_000),
    extensions: [new x509.BasicConstraintsExtension(true, undefined, true)],
  });
  const pkcs8 = await webcrypto.subtle.exportKey("pkcs8", keys.privateKey as unknown as webcrypto.CryptoKey);
  return { certPem: cert.toString("pem") + "\n", keyPem: x509.PemConverter.encode(pkcs8, "PRIVATE KEY") + "\n" };
}

/** Every certificate-like and key file the proxies of `ir` name, split by kind. */
export function collectTlsFiles(ir: MeshIR): { certs: Set<string>; keys: Set<string> } {
  const certs = new Set<string>();
  const keys = new Set<string>();
  const add = (set: Set<string>, file: string | null) => { if (file) set.add(file); };
  for (const proxy of ir.proxies) {
    add(certs, proxy.identity.certFile); add(keys, proxy.identity.keyFile); add(certs, proxy.identity.caFile);
    for (const listener of proxy.listeners) {
      for (const c of listener.tls?.certificates ?? []) { add(certs, c.certFile); add(keys, c.keyFile); }
      add(certs, listener.tls?.clientCaFile ?? null);
    }
    for (const cluster of proxy.clusters) {
      add(certs, cluster.tls?.certFile ?? null); add(keys, cluster.tls?.keyFile ?? null); add(certs, cluster.tls?.caFile ?? null);
    }
  }
  return { certs, keys };
}
