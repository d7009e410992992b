// `meshc certs issue [BUNDLE] --dir DIR`: the I/O around mint.ts. Reads the bundle's
// certs/manifest.toml, keeps the CA already in DIR unless `rotate`, and writes the CA,
// every identity's cert.pem and key.pem (0600) at the paths the proxies read, relative
// to the manifest's cert directory. DEVELOPMENT ONLY: the CA key sits on disk.
import { combinedPemPath } from "../../compiler/ir/paths.ts";
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync, chmodSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { diagnostic } from "../../compiler/diagnostics/define.ts";
import type { Diagnostic } from "../../compiler/diagnostics/types.ts";
import { certsCodes as codes } from "./codes.ts";
import { checkCertDir } from "./issue-guard.ts";
import { MANIFEST_FILE, parseManifestToml } from "./manifest-toml.ts";
import type { CertManifest } from "./manifest.ts";
import { mintCertificates, type PemPair } from "./mint.ts";

export const CA_KEY_FILE = "ca-key.pem";
const DEV_NOTICE_FILE = "DEV-ONLY.txt";
const DEV_NOTICE = "These certificates were minted by `meshc certs issue` from a CA whose key is in this directory.\n"
  + "They are for development and tests only. In production, issue them with cert-manager (kubernetes/) or your PKI.\n";

export interface IssueOptions {
  readonly bundleDir: string;
  readonly dir: string;
  /** Replace the CA (and so every certificate) instead of keeping the one in `dir`. */
  readonly rotate?: boolean;
  /** Start of validity; defaults to the current time. */
  readonly now?: Date;
}

/** A manifest path under its cert directory, re-rooted in `dir`; null when it would land outside `dir`. */
function placeInDir(manifest: CertManifest, dir: string, path: string): string | null {
  const certDir = manifest.certDir.replace(/\/+$/, "");
  if (!path.startsWith(`${certDir}/`)) return null;
  const target = resolve(dir, path.slice(certDir.length + 1));
  const rel = relative(resolve(dir), target);
  return rel === "" || rel.startsWith("..") || rel.startsWith(sep) ? null : target;
}

/** Write-then-rename, so a reader never sees half a key; the mode is set before the file appears. */
function writeAtomically(path: string, content: string, mode: number): void {
  mkdirSync(dirname(path), { recursive: true });
  const temp = `${path}.tmp-${process.pid}`;
  writeFileSync(temp, content, { mode });
  chmodSync(temp, mode);
  renameSync(temp, path);
}

function readExistingCa(caCertPath: string, caKeyPath: string): PemPair | "none" | "partial" {
  const hasCert = existsSync(caCertPath);
  const hasKey = existsSync(caKeyPath);
  if (!hasCert && !hasKey) return "none";
  if (!hasCert || !hasKey) return "partial";
  return { certPem: readFileSync(caCertPath, "utf8"), keyPem: readFileSync(caKeyPath, "utf8") };
}

function readManifest(bundleDir: string, diagnostics: Diagnostic[]): CertManifest | null {
  const file = join(bundleDir, MANIFEST_FILE);
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    diagnostics.push(diagnostic(codes.manifestUnreadable, { message: `cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, file }));
    return null;
  }
  const parsed = parseManifestToml(text);
  if ("problems" in parsed) {
    for (const p of parsed.problems) diagnostics.push(diagnostic(codes.manifestInvalid, { message: p.message, file, path: p.path }));
    return null;
  }
  return parsed.manifest;
}

/** Every file to write: [path in dir, content, mode]. Null (with diagnostics) when a manifest path escapes `dir`. */
function planFiles(manifest: CertManifest, dir: string, minted: Awaited<ReturnType<typeof mintCertificates>>, file: string, diagnostics: Diagnostic[]) {
  const plan = new Map<string, { content: string; mode: number }>();
  const place = (path: string, content: string, mode: number, where: string) => {
    const target = placeInDir(manifest, dir, path);
    if (target === null) diagnostics.push(diagnostic(codes.manifestInvalid, { message: `"${path}" is not inside the cert directory ${manifest.certDir}`, file, path: where }));
    else plan.set(target, { content, mode });
  };
  place(manifest.ca.certFile, minted.ca.certPem, 0o644, "ca.certFile");
  manifest.identities.forEach((identity, i) => place(identity.caFile, minted.ca.certPem, 0o644, `identities[${i}].caFile`));
  [...minted.identities, ...minted.serverCertificates].forEach((leaf) => {
    place(leaf.certFile, leaf.certPem, 0o644, `${leaf.name}.certFile`);
    place(leaf.keyFile, leaf.keyPem, 0o600, `${leaf.name}.keyFile`);
    // HAProxy reads certificate and key from one file; it holds the key, so 0600 too.
    place(combinedPemPath(leaf.certFile), `${leaf.certPem.trimEnd()}\n${leaf.keyPem.trimEnd()}\n`, 0o600, `${leaf.name}.certFile`);
  });
  return plan;
}

export async function issueCertificates(options: IssueOptions): Promise<{ written: string[]; diagnostics: Diagnostic[] }> {
  const diagnostics: Diagnostic[] = [];
  const manifest = readManifest(options.bundleDir, diagnostics);
  if (!manifest) return { written: [], diagnostics };
  const manifestFile = join(options.bundleDir, MANIFEST_FILE);
  const caCertPath = placeInDir(manifest, options.dir, manifest.ca.certFile);
  if (caCertPath === null) {
    diagnostics.push(diagnostic(codes.manifestInvalid, { message: `CA file "${manifest.ca.certFile}" is not inside ${manifest.certDir}`, file: manifestFile, path: "ca.certFile" }));
    return { written: [], diagnostics };
  }
  const caKeyPath = join(options.dir, CA_KEY_FILE);
  const existing = options.rotate ? "none" : readExistingCa(caCertPath, caKeyPath);
  if (existing === "partial") {
    diagnostics.push(diagnostic(codes.existingCaUnusable, { message: `only one of ${caCertPath} and ${caKeyPath} exists`, file: caCertPath }));
    return { written: [], diagnostics };
  }
  let minted: Awaited<ReturnType<typeof mintCertificates>>;
  try {
    minted = await mintCertificates(manifest, { now: options.now ?? new Date(), existingCa: existing === "none" ? undefined : existing });
  } catch (error) {
    const code = existing === "none" ? codes.mintFailed : codes.existingCaUnusable;
    diagnostics.push(diagnostic(code, { message: (error as Error).message, file: existing === "none" ? manifestFile : caCertPath }));
    return { written: [], diagnostics };
  }
  const plan = planFiles(manifest, options.dir, minted, manifestFile, diagnostics);
  if (diagnostics.length > 0) return { written: [], diagnostics };
  // Nothing is written until every path is known to be inside `dir`, and `dir` is a place for keys.
  plan.set(caKeyPath, { content: minted.ca.keyPem, mode: 0o600 });
  plan.set(join(options.dir, DEV_NOTICE_FILE), { content: DEV_NOTICE, mode: 0o644 });
  const refused = checkCertDir(options.dir, [...plan.keys()].map((p) => resolve(p)));
  if (refused.length > 0) return { written: [], diagnostics: refused };
  const written: string[] = [];
  try {
    for (const [path, { content, mode }] of [...plan].sort(([a], [b]) => (a < b ? -1 : 1))) {
      writeAtomically(path, content, mode);
      written.push(path);
    }
  } catch (error) {
    diagnostics.push(diagnostic(codes.writeFailed, { message: (error as Error).message }));
  }
  diagnostics.push(diagnostic(codes.devOnly, {
    message: `dev certificates for ${manifest.identities.length} identities in ${options.dir}${existing === "none" ? " (new CA)" : " (existing CA kept)"}; not for production`,
  }));
  return { written, diagnostics };
}
