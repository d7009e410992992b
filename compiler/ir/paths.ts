// File-name conventions derived from the IR's certificate paths, shared by the targets
// that read a file and the code that writes it.

/**
 * HAProxy loads a certificate and its key from one PEM file: `cert.pem` ->
 * `cert.bundle.pem` (`hosts/x.crt` -> `hosts/x.bundle.pem`). `meshc certs issue` writes the
 * chain then the key; cert-manager's CombinedPEM writes the key first. HAProxy reads either.
 */
export function combinedPemPath(certFile: string): string {
  return certFile.replace(/\.(pem|crt|cert)$/, "") + ".bundle.pem";
}
