// Checks emitted HAProxy files with `haproxy -c -dW` (warnings fail).
//
// -c opens every certificate the config names, and those live under the production cert
// dir (/etc/meshc/certs...), which is not here. So the check writes throwaway
// certificates at the same paths under a temp dir (the IR with `runtime.certDir` moved
// there says which), and checks the given file with only its quoted paths under the cert
// dir pointed at the temp dir: same lines, same line numbers, everything else byte for
// byte. Diagnostics point at the given bundle file and line.
import { execFile, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { EmittedFile, Verifier } from "../../compiler/target.ts";
import type { Diagnostic } from "../../compiler/diagnostics/types.ts";
import { diagnostic } from "../../compiler/diagnostics/define.ts";
import type { MeshIR } from "../../compiler/ir/types.ts";
import { haproxyCodes } from "./codes.ts";
import { collectCertificateFiles } from "./build-tls.ts";
import { encodeWord, textWord } from "./words.ts";

const CHECK_TIMEOUT_MS = 30_000;

/** A deep copy of the IR with every path under `from` moved under `to`. */
function rebasePaths<T>(value: T, from: string, to: string): T {
  return JSON.parse(JSON.stringify(value), (_key, v) =>
    typeof v === "string" && (v === from || v.startsWith(from + "/")) ? to + v.slice(from.length) : v) as T;
}

/** Points quoted paths under `certDir` at `tempCertDir`; nothing else changes. */
function pointCertPathsAt(content: string, certDir: string, tempCertDir: string): string {
  const quoted = (dir: string) => { const e = encodeWord(textWord(dir + "/")); return e.ok ? e.text.slice(0, -1) : null; };
  const from = quoted(certDir);
  const to = quoted(tempCertDir);
  return from && to ? content.split(from).join(to) : content;
}

function runCheck(file: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    execFile("haproxy", ["-c", "-dW", "-f", file], { timeout: CHECK_TIMEOUT_MS }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === "number" ? error.code : null) : 0;
      resolve({ code, output: `${stdout}${stderr}` });
    });
  });
}

const LINE = /^\[(ALERT|WARNING)\][^:]*:[^[]*\[([^\]:]+):(\d+)\]\s*:?\s*(.*)$/;

/** Maps `[ALERT] ... [FILE:LINE] : message` lines to diagnostics on the bundle file. */
export function parseCheckOutput(bundlePath: string, output: string, exitCode: number | null): Diagnostic[] {
  const found: Diagnostic[] = [];
  for (const raw of output.split("\n")) {
    const m = LINE.exec(raw.trim());
    if (!m) continue;
    const info = m[1] === "ALERT" ? haproxyCodes.configInvalid : haproxyCodes.configWarning;
    found.push(diagnostic(info, { message: m[4].trim(), file: bundlePath, line: Number(m[3]) }));
  }
  if (exitCode !== 0 && found.length === 0) {
    found.push(diagnostic(haproxyCodes.checkFailed, { message: output.trim().split("\n").slice(-3).join(" | ") || `exit ${exitCode}`, file: bundlePath }));
  }
  return found;
}

async function verifyHaproxyFiles(files: readonly EmittedFile[], ir: MeshIR): Promise<readonly Diagnostic[]> {
  const dir = mkdtempSync(join(tmpdir(), "meshc-haproxy-check-"));
  try {
    const tempCertDir = join(dir, "certs");
    const rebasedIr = rebasePaths(ir, ir.runtime.certDir, tempCertDir);
    // Loaded here, not at start-up: @peculiar/x509 costs about 1 s to load, and haproxy -c runs only with --verify.
    const { writeCheckCertificates } = await import("./dev-certs.ts");
    await writeCheckCertificates(collectCertificateFiles(
      rebasedIr.proxies.flatMap((p) => p.listeners), rebasedIr.proxies.flatMap((p) => p.clusters)));
    const diagnostics: Diagnostic[] = [];
    // Each config beside the files it loads relative to itself (`default-path config`: the Lua file).
    const bundle = join(dir, "haproxy");
    mkdirSync(bundle);
    const mine = files.filter((f) => f.path.startsWith("haproxy/") && !f.path.slice("haproxy/".length).includes("/"));
    for (const file of mine.filter((f) => !f.path.endsWith(".cfg"))) writeFileSync(join(dir, file.path), file.content);
    for (const file of mine.filter((f) => f.path.endsWith(".cfg"))) {
      const text = pointCertPathsAt(file.content, ir.runtime.certDir, tempCertDir);
      const local = join(dir, file.path);
      writeFileSync(local, text);
      const { code, output } = await runCheck(local);
      diagnostics.push(...parseCheckOutput(file.path, output, code));
    }
    return diagnostics;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export const haproxyVerifier: Verifier = {
  target: "haproxy",
  defaultOn: false,
  missing() {
    const probe = spawnSync("haproxy", ["-v"], { encoding: "utf8" });
    if (probe.error || probe.status !== 0) return "haproxy is not installed: install HAProxy 2.6 or later (Debian/Ubuntu: apt-get install haproxy) and make sure `haproxy` is on PATH.";
    return null;
  },
  verify: verifyHaproxyFiles,
};
