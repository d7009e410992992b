// File-name conventions derived from the IR's certificate paths, shared by the targets
// that read a file and the code that writes it.

/**
 * HAProxy loads a certificate and its key from one PEM file: `cert.pem` ->
 * `cert.bundle.pem` (`hosts/x.crt` -> `hosts/x.bundle.pem`), the chain then the key.
 * `meshc certs issue` writes it; cert-manager's CombinedPEM output is the same content.
 */
export function combinedPemPath(certFile: string): string {
  return certFile.replace(/\.(pem|crt|cert)$/, "") + ".bundle.pem";
}
