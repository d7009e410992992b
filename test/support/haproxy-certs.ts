// HAProxy reads a certificate and its key from one file (`crt`), named next to the
// certificate as targets/haproxy/build-tls.ts `bundlePath` says. Writes those bundles for
// the leaves test/support/pki.ts issued, as a deployment would (cat cert.pem key.pem).
import { readFileSync, writeFileSync } from "node:fs";
import type { MeshPki } from "./pki.ts";
import { bundlePath } from "../../targets/haproxy/build-tls.ts";

export function writeHaproxyBundles(pki: MeshPki): void {
  for (const leaf of pki.leaves.values()) {
    writeFileSync(bundlePath(leaf.certFile), readFileSync(leaf.certFile, "utf8") + readFileSync(leaf.keyFile, "utf8"), { mode: 0o600 });
  }
}
