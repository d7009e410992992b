// The user's path from config to running proxies: compile with run-time paths of one's own,
// mint dev certificates with `meshc certs issue` from the bundle's manifest, and the real
// nginx and haproxy accept every generated config with exactly those files.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
const BIN = join(ROOT, "compiler", "cli", "meshc.js");
const work = mkdtempSync(join(tmpdir(), "meshc-flow-"));
// Debian installs both servers under /usr/sbin, which a non-login PATH may lack.
const env = { ...process.env, PATH: `${process.env.PATH ?? ""}:/usr/sbin:/usr/local/sbin` };
const meshc = (...args: string[]) => spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, encoding: "utf8" });

test("compile, issue dev certificates, and nginx -t / haproxy -c accept every proxy", () => {
  const certs = join(work, "certs");
  const run = join(work, "run");
  const logs = join(work, "logs");
  for (const d of [run, logs]) mkdirSync(d, { recursive: true });
  const out = join(work, "bundle");
  const c = meshc("compile", "examples/minimal/mesh.config.ts", "--out", out, "--no-typecheck", "--target", "nginx,haproxy,certs",
    "--cert-dir", certs, "--run-dir", run, "--log-dir", logs);
  assert.is(c.status, 0, c.stderr);
  const issued = meshc("certs", "issue", out, "--dir", certs);
  assert.is(issued.status, 0, issued.stderr);
  assert.is(statSync(join(certs, "web", "key.pem")).mode & 0o777, 0o600);
  assert.is(statSync(join(certs, "web", "cert.bundle.pem")).mode & 0o777, 0o600);
  // The .lua files are loaded by the configs beside them, not configs themselves.
  for (const file of readdirSync(join(out, "haproxy")).filter((f) => f.endsWith(".cfg"))) {
    const r = spawnSync("haproxy", ["-c", "-dW", "-f", join(out, "haproxy", file)], { encoding: "utf8", env });
    assert.is(r.status, 0, `${file}: ${r.stdout}${r.stderr}`);
  }
  // `<proxy>.js` is the njs module a conf imports from its own folder, not a config.
  for (const file of readdirSync(join(out, "nginx")).filter((f) => f.endsWith(".conf"))) {
    const prefix = join(work, `nginx-${file}`);
    mkdirSync(join(prefix, "logs"), { recursive: true });
    const r = spawnSync("nginx", ["-t", "-q", "-p", prefix, "-c", join(out, "nginx", file)], { encoding: "utf8", env });
    assert.is(r.status, 0, `${file}: ${r.stderr}`);
    assert.not.match(r.stderr, /\[warn\]/);
  }
});

test.after(() => rmSync(work, { recursive: true, force: true }));
test.run();
