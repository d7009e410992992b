// A private key inside the bundle folder (copied in by hand, or minted there before `certs issue`
// refused bundles) fails `compile --check` and `compile --adopt` with MESH4008; other foreign files
// do not, and the key is never touched.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync } from "node:child_process";
import { generateKeyPairSync } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { privateKeyFiles } from "../../compiler/bundle-secrets.ts";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
const BIN = join(ROOT, "compiler", "cli", "meshc.js");
const work = mkdtempSync(join(tmpdir(), "meshc-secrets-"));
const CONFIG = join(work, "mesh.json");
writeFileSync(CONFIG, JSON.stringify({
  name: "s", trustDomain: "s.example", namespace: "s",
  services: { web: { ports: { http: { port: 8080, protocol: "http" } }, endpoints: ["10.0.0.1"] } },
}));
const meshc = (...args: string[]) => spawnSync(process.execPath, [BIN, ...args, "--target", "envoy,certs", "--no-typecheck"], { cwd: work, encoding: "utf8" });
const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
const PKCS8 = privateKey.export({ type: "pkcs8", format: "pem" }) as string;
const SEC1 = privateKey.export({ type: "sec1", format: "pem" }) as string;

test("a clean bundle passes --check; a key in it fails --check and --adopt with MESH4008 and stays", () => {
  assert.is(meshc("compile", CONFIG, "--out", "b").status, 0);
  writeFileSync(join(work, "b", "NOTES.md"), "not a key\n");
  assert.is(meshc("compile", CONFIG, "--out", "b", "--check").status, 0, "a foreign non-key file is not drift");
  mkdirSync(join(work, "b", "certs", "dev"), { recursive: true });
  writeFileSync(join(work, "b", "certs", "dev", "ca.key"), PKCS8);
  const check = meshc("compile", CONFIG, "--out", "b", "--check");
  assert.is(check.status, 1);
  assert.match(check.stderr, /MESH4008/);
  assert.match(check.stderr, /certs\/dev\/ca\.key/);
  const adopt = meshc("compile", CONFIG, "--out", "b", "--adopt");
  assert.is(adopt.status, 1);
  assert.match(adopt.stderr, /MESH4008/);
  assert.is(readFileSync(join(work, "b", "certs", "dev", "ca.key"), "utf8"), PKCS8);
});

test("every PEM private-key flavour is found, certificates and public keys are not", () => {
  const dir = join(work, "flavours");
  mkdirSync(dir);
  writeFileSync(join(dir, "a.pem"), PKCS8);
  writeFileSync(join(dir, "b.pem"), SEC1);
  writeFileSync(join(dir, "c.txt"), "-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n-----END OPENSSH PRIVATE KEY-----\n");
  writeFileSync(join(dir, "d.pem"), "-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n");
  writeFileSync(join(dir, "e.pem"), "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n");
  writeFileSync(join(dir, "f.pem"), publicKey.export({ type: "spki", format: "pem" }) as string);
  assert.equal(privateKeyFiles(dir), ["a.pem", "b.pem", "c.txt", "d.pem"]);
});

test("a key deep in a large file, a PuTTY key and a half marker: found by bytes, confirmed by the expression", () => {
  const dir = join(work, "large");
  mkdirSync(dir);
  const filler = "x".repeat(900 * 1024);
  writeFileSync(join(dir, "a.yaml"), `${filler}\n${PKCS8}`);
  writeFileSync(join(dir, "b.ppk"), "PuTTY-User-Key-File-3: ssh-ed25519\nEncryption: none\n");
  // The literal the bytes are searched for, without the BEGIN line the expression asks for.
  writeFileSync(join(dir, "c.txt"), "rotate the PRIVATE KEY----- yearly\n");
  // Larger than the 1 MiB read limit: not scanned (as before the byte search).
  writeFileSync(join(dir, "d.bin"), `${"x".repeat((1 << 20) + 1)}${PKCS8}`);
  writeFileSync(join(dir, "e.yaml"), `${filler}\n-----BEGIN CERTIFICATE-----\n`);
  assert.equal(privateKeyFiles(dir), ["a.yaml", "b.ppk"]);
});

test.after(() => rmSync(work, { recursive: true, force: true }));
test.run();
