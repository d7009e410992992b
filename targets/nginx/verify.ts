// Checks generated nginx configs with the real `nginx -t`, strictly (a [warn] fails).
//
// The files name absolute production paths (certificates under runtime.certDir, pid, logs
// and temp dirs under runDir/logDir) that do not exist here. Rather than rewriting the
// files, the verifier emits the same IR again with the runtime directories moved into a
// temp prefix: only those path strings change, never a line break, so an error at line N
// of the relocated copy is line N of the bundle file. The bundle file must equal what the
// IR emits (else MESH4203: it would not be the file that was checked). Every certificate,
// key and CA file the relocated IR names gets a throwaway placeholder pair.
import { execFile } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, dirname, join } from "node:path";
import type { Diagnostic } from "../../compiler/diagnostics/types.ts";
import { diagnostic } from "../../compiler/diagnostics/define.ts";
import type { MeshIR } from "../../compiler/ir/types.ts";
import type { EmittedFile, Verifier } from "../../compiler/target.ts";
import { NGINX_CODES } from "./codes.ts";
import { nginx } from "./index.ts";

export function findNginx(): string | null {
  const dirs = [...(process.env.PATH ?? "").split(delimiter), "/usr/sbin", "/usr/local/sbin"];
  for (const dir of dirs) if (dir && existsSync(join(dir, "nginx"))) return join(dir, "nginx");
  return null;
}

/** The IR with every string under a runtime directory moved under `prefix`. */
export function relocateRuntime(ir: MeshIR, prefix: string): MeshIR {
  const moves: [string, string][] = [
    [ir.runtime.certDir, join(prefix, "certs")], [ir.runtime.runDir, join(prefix, "run")], [ir.runtime.logDir, join(prefix, "logs")],
  ];
  const move = (value: unknown): unknown => {
    if (typeof value === "string") {
      for (const [from, to] of moves) if (value === from || value.startsWith(from + "/")) return to + value.slice(from.length);
      return value;
    }
    if (Array.isArray(value)) return value.map(move);
    if (value !== null && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, move(v)]));
    return value;
  };
  return move(ir) as MeshIR;
}

/**
 * The IR with every DNS-discovered endpoint pointed at 127.0.0.1 (ports kept). nginx OSS
 * resolves upstream names when it loads, so `nginx -t` fails wherever the cluster's DNS is
 * not reachable (CI, this machine) although the config is sound; whether a name resolves is
 * a property of the deployment, which the check cannot know. Lines stay where they were.
 */
export function stubDnsEndpoints(ir: MeshIR): MeshIR {
  return {
    ...ir,
    proxies: ir.proxies.map((p) => ({
      ...p,
      clusters: p.clusters.map((c) => (c.discovery === "dns" ? { ...c, endpoints: c.endpoints.map((e) => ({ ...e, address: "127.0.0.1" })) } : c)),
    })),
  };
}

// nginx prints `nginx: [level] ...` while parsing, and the error-log format
// `2026/01/01 00:00:00 [level] pid#tid: ...` once its own error_log is open.
const MESSAGE = /^(?:nginx: |\d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d )\[(emerg|alert|crit|warn)\] (?:\d+#\d+: )?(.*?)(?: in (\S+):(\d+))?$/;

/** nginx -t output lines as diagnostics on the bundle file (`file`), line for line. */
export function parseNginxOutput(output: string, file: string): Diagnostic[] {
  const found: Diagnostic[] = [];
  for (const line of output.split("\n")) {
    const m = MESSAGE.exec(line.trim());
    if (!m) continue;
    const info = m[1] === "warn" ? NGINX_CODES.nginxWarned : NGINX_CODES.nginxRejected;
    // The stream module (TCP listeners) is a separate Debian package.
    const hint = m[2].includes("ngx_stream_module") ? "TCP listeners need nginx's stream module: apt-get install -y libnginx-mod-stream"
      : m[2].includes("_js_module") ? "the request model needs njs: apt-get install -y libnginx-mod-http-js (and libnginx-mod-stream-js for TCP authorization)" : undefined;
    found.push(diagnostic(info, { message: `nginx -t: [${m[1]}] ${m[2]}`, file, line: m[4] ? Number(m[4]) : 0, hint }));
  }
  return found;
}

async function preparePrefix(prefix: string, relocated: MeshIR): Promise<void> {
  for (const dir of ["run", "logs", "nginx"]) mkdirSync(join(prefix, dir), { recursive: true });
  // Loaded here, not at start-up: @peculiar/x509 costs about 1 s to load, and nginx -t runs only with --verify.
  const { collectTlsFiles, createPlaceholderPair } = await import("./verify-certs.ts");
  const pair = await createPlaceholderPair();
  const { certs, keys } = collectTlsFiles(relocated);
  const write = (file: string, pem: string) => { mkdirSync(dirname(file), { recursive: true }); writeFileSync(file, pem, { mode: 0o600 }); };
  for (const file of certs) write(file, pair.certPem);
  for (const file of keys) write(file, pair.keyPem);
}

function runNginxTest(binary: string, prefix: string, configFile: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    execFile(binary, ["-t", "-q", "-p", prefix + "/", "-c", configFile], { encoding: "utf8", timeout: 20_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === "number" ? error.code : -1) : 0, output: `${stderr}${stdout}` });
    });
  });
}

async function checkOne(binary: string, prefix: string, content: string, bundlePath: string): Promise<Diagnostic[]> {
  const configFile = join(prefix, bundlePath);
  writeFileSync(configFile, content);
  const run = await runNginxTest(binary, prefix, configFile);
  const found = parseNginxOutput(run.output, bundlePath);
  if (run.code !== 0 && !found.some((d) => d.code === NGINX_CODES.nginxRejected.code)) {
    found.push(diagnostic(NGINX_CODES.nginxCheckFailed, { message: `nginx -t exited ${run.code}: ${run.output.trim()}`, file: bundlePath }));
  }
  return found;
}

export async function verifyNginxFiles(files: readonly EmittedFile[], ir: MeshIR, binary: string): Promise<Diagnostic[]> {
  const prefix = mkdtempSync(join(tmpdir(), "meshc-nginx-verify-"));
  try {
    const relocated = stubDnsEndpoints(relocateRuntime(ir, prefix));
    const original = new Map(nginx.emit(ir).files.map((f) => [f.path, f.content]));
    const moved = new Map(nginx.emit(relocated).files.map((f) => [f.path, f.content]));
    await preparePrefix(prefix, relocated);
    const diagnostics: Diagnostic[] = [];
    // The njs modules (`nginx/<proxy>.js`, no paths in them) go next to the confs that import them.
    for (const [path, content] of moved) if (path.endsWith(".js")) writeFileSync(join(prefix, path), content);
    for (const file of files) {
      if (!file.path.startsWith("nginx/")) continue;
      if (file.path.endsWith(".js")) {
        if (original.get(file.path) !== file.content) {
          diagnostics.push(diagnostic(NGINX_CODES.bundleDiffersFromIr, { message: `${file.path} is not what this IR emits`, file: file.path }));
        }
        continue;
      }
      const copy = moved.get(file.path);
      if (original.get(file.path) !== file.content || copy === undefined || copy.split("\n").length !== file.content.split("\n").length) {
        diagnostics.push(diagnostic(NGINX_CODES.bundleDiffersFromIr, { message: `${file.path} is not what this IR emits; it cannot be checked with relocated paths`, file: file.path }));
        continue;
      }
      diagnostics.push(...(await checkOne(binary, prefix, copy, file.path)));
    }
    return diagnostics;
  } catch (error) {
    return [diagnostic(NGINX_CODES.nginxCheckFailed, { message: `could not run nginx -t: ${(error as Error).message}` })];
  } finally {
    rmSync(prefix, { recursive: true, force: true });
  }
}

export const nginxVerifier: Verifier = {
  target: "nginx",
  defaultOn: false,
  missing() {
    if (findNginx() !== null) return null;
    return "nginx is not installed: apt-get install -y nginx-light libnginx-mod-stream libnginx-mod-http-js libnginx-mod-stream-js (Debian/Ubuntu; the stream module serves TCP listeners, njs the request model), or put an nginx binary on PATH";
  },
  async verify(files, ir) {
    const binary = findNginx();
    if (binary === null) return [diagnostic(NGINX_CODES.nginxCheckFailed, { message: this.missing() ?? "nginx missing" })];
    return verifyNginxFiles(files, ir, binary);
  },
};

