// Diagnostic codes of the certificate target. Bands owned here: MESH3300-3349 (found
// while emitting the manifest) and MESH4500-4599 (reading a manifest and issuing dev
// certificates). A retired code is commented out, never reused.
import { defineCodes } from "../../compiler/diagnostics/define.ts";

export const certsCodes = defineCodes({
  fileOutsideCertDir: {
    code: "MESH3300", severity: "error", title: "certificate file outside the cert directory",
    description: "Every certificate, key and CA file a proxy reads lives under runtime.certDir, so one directory (or one Secret mount) provides them all.",
  },
  fileClaimedTwice: {
    code: "MESH3301", severity: "error", title: "one file for two certificates",
    description: "Two certificates (or a certificate and a key) are written to the same path; one would overwrite the other.",
  },
  proxyIdentityMismatch: {
    code: "MESH3302", severity: "error", title: "proxy identity differs from the infra identity",
    description: "A proxy presents an identity whose SPIFFE ID, subject or files differ from the identity the certificate manifest issues.",
  },
  externalFile: {
    code: "MESH3303", severity: "info", title: "file provided by the operator",
    description: "A proxy reads a file meshc does not mint (a JWKS, or the CA of an external TLS origin); it is listed in the manifest under `external`.",
  },

  manifestUnreadable: {
    code: "MESH4500", severity: "error", title: "certificate manifest missing or unreadable",
    description: "`meshc certs issue` reads <bundle>/certs/manifest.toml; compile the bundle with the certs target first.",
  },
  manifestInvalid: {
    code: "MESH4501", severity: "error", title: "certificate manifest is invalid",
    description: "The manifest does not parse as TOML or lacks a required field; it is generated, so regenerate it rather than editing it.",
  },
  existingCaUnusable: {
    code: "MESH4502", severity: "error", title: "existing CA cannot be used",
    description: "The CA in the output directory does not parse, is not a CA, or its key does not match; pass --rotate to replace it (every leaf is re-issued).",
  },
  writeFailed: {
    code: "MESH4503", severity: "error", title: "cannot write certificates",
    description: "A certificate or key file could not be written.",
  },
  devOnly: {
    code: "MESH4504", severity: "warning", title: "development certificates",
    description: "Certificates minted by `meshc certs issue` come from a local CA key on disk: for development and tests only, never production.",
  },
  mintFailed: {
    code: "MESH4505", severity: "error", title: "minting failed",
    description: "The crypto provider refused to create a key or certificate as the manifest describes.",
  },
  certDirRefused: {
    code: "MESH4506", severity: "error", title: "refusing the certificate directory",
    description: "`meshc certs issue --dir` is inside a bundle (a folder with meshc.lock.json at or above it) or at a path of a git work tree that git would commit (tracked, or not ignored); private keys never go where they would be committed or shipped.",
  },
});
