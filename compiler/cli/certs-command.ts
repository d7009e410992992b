// `meshc certs issue`: dev certificates from the bundle's manifest.
import { issueCertificates } from "../../targets/certs/issue.ts";
import { printDiagnostics } from "./output.ts";

export async function runCertsIssue(bundle: string, opts: { dir: string; rotate?: boolean }): Promise<number> {
  const r = await issueCertificates({ bundleDir: bundle, dir: opts.dir, rotate: !!opts.rotate });
  printDiagnostics(r.diagnostics, "text", null, false);
  if (r.diagnostics.some((d) => d.severity === "error")) return 1;
  process.stderr.write(`meshc: DEV ONLY: wrote ${r.written.length} files to ${opts.dir}\n`);
  return 0;
}
