// `meshc certs issue` end to end: mint from a compiled manifest, check the certificates
// with @peculiar/x509, openssl (strict chain, client and server purpose) and a real TLS
// handshake on 127.0.0.1; keys 0600; the CA is kept unless rotate is asked.
import "reflect-metadata";
import { execFileSync } from "node:child_process";
import { webcrypto } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connect, createServer, type TLSSocket } from "node:tls";
import * as x509 from "@peculiar/x509";
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { MeshIR } from "../../compiler/ir/types.ts";
import { certs } from "../../targets/certs/index.ts";
import { CA_KEY_FILE, issueCertificates } from "../../targets/certs/issue.ts";
import { parseManifestToml } from "../../targets/certs/manifest-toml.ts";
import type { CertManifest } from "../../targets/certs/manifest.ts";
import { richIR } from "../fixtures/ir/kubernetes-rich.ts";
import { sampleIR } from "../fixtures/ir/sample.ts";

x509.cryptoProvider.set(webcrypto as unknown as Crypto);
const root = mkdtempSync(join(tmpdir(), "meshc-certs-"));
let counter = 0;

/** A compiled bundle with only certs/manifest.toml in it. */
function writeBundle(ir: MeshIR): { bundleDir: string; manifest: CertManifest } {
  const bundleDir = join(root, `bundle-${counter++}`);
  const file = certs.emit(ir).files[0];
  mkdirSync(join(bundleDir, "certs"), { recursive: true });
  writeFileSync(join(bundleDir, file.path), file.content);
  const parsed = parseManifestToml(file.content);
  if (!("manifest" in parsed)) throw new Error("manifest does not parse");
  return { bundleDir, manifest: parsed.manifest };
}
const inDir = (manifest: CertManifest, dir: string, path: string) => join(dir, path.slice(manifest.certDir.length + 1));
const errorsOf = (diagnostics: readonly { severity: string; code: string }[]) => diagnostics.filter((d) => d.severity === "error").map((d) => d.code);

test("issued certificates carry the manifest's SANs, subject, key type and validity", async () => {
  const { bundleDir, manifest } = writeBundle(richIR);
  const dir = join(root, "rich");
  // A fixed, already valid start (with milliseconds, which X.509 times drop) so openssl below accepts the chain.
  const now = new Date(Math.floor(Date.now() / 3_600_000) * 3_600_000 - 3_600_000 + 678);
  const { diagnostics } = await issueCertificates({ bundleDir, dir, now });
  assert.equal(errorsOf(diagnostics), []);
  assert.ok(diagnostics.some((d) => d.code === "MESH4504"), "labelled dev-only");
  for (const identity of manifest.identities) {
    const cert = new x509.X509Certificate(readFileSync(inDir(manifest, dir, identity.certFile), "utf8"));
    const san = cert.getExtension(x509.SubjectAlternativeNameExtension)!.names.toJSON();
    assert.equal(san.filter((n) => n.type === "url").map((n) => n.value), [identity.spiffeId]);
    assert.equal(san.filter((n) => n.type === "dns").map((n) => n.value), identity.dnsNames);
    assert.is(cert.subject, `O=${identity.subject.organization}, OU=${identity.subject.organizationalUnit}, CN=${identity.subject.commonName}`);
    const alg = cert.publicKey.algorithm as EcKeyAlgorithm & RsaHashedKeyAlgorithm;
    assert.is(identity.keyAlgorithm === "rsa-2048" ? `RSA-${alg.modulusLength}` : alg.namedCurve, identity.keyAlgorithm === "rsa-2048" ? "RSA-2048" : "P-256");
    assert.is(cert.notBefore.getTime(), now.getTime() - 678);
    assert.is(cert.notAfter.getTime() - cert.notBefore.getTime(), 720 * 3_600_000);
  }
});

test("openssl verifies every leaf against the CA, strictly, as TLS client and server", () => {
  const { manifest } = writeBundle(richIR);
  const dir = join(root, "rich");
  const ca = inDir(manifest, dir, manifest.ca.certFile);
  const leaves = manifest.identities.map((i) => inDir(manifest, dir, i.certFile));
  for (const purpose of ["sslclient", "sslserver"]) {
    const out = execFileSync("openssl", ["verify", "-x509_strict", "-purpose", purpose, "-CAfile", ca, ...leaves], { encoding: "utf8" });
    assert.is(out.trim().split("\n").filter((l) => l.endsWith(": OK")).length, leaves.length, out);
  }
  const hosts = manifest.serverCertificates.map((s) => inDir(manifest, dir, s.certFile));
  execFileSync("openssl", ["verify", "-x509_strict", "-purpose", "sslserver", "-CAfile", ca, ...hosts], { encoding: "utf8" });
});

interface Handshake { readonly serverSawClient: boolean; readonly clientGotReply: boolean; readonly clientError: string | null }

/** One mTLS handshake on 127.0.0.1: the server requires a client certificate signed by `serverCa`. */
async function handshake(server: { cert: string; key: string; ca: string }, client: { cert: string; key: string; ca: string }): Promise<Handshake> {
  let serverSawClient = false;
  const tlsServer = createServer({ ...server, requestCert: true, rejectUnauthorized: true, minVersion: "TLSv1.2" }, (socket: TLSSocket) => {
    serverSawClient = socket.authorized;
    socket.end("ok");
  });
  tlsServer.on("tlsClientError", () => {});
  await new Promise<void>((resolve) => tlsServer.listen(0, "127.0.0.1", resolve));
  const port = (tlsServer.address() as { port: number }).port;
  let clientGotReply = false;
  const clientError = await new Promise<string | null>((resolve) => {
    const socket = connect({ host: "127.0.0.1", port, servername: "web.shop", ...client, minVersion: "TLSv1.2" });
    socket.on("data", () => { clientGotReply = true; });
    // With TLS 1.3 a refused client certificate arrives as an alert after the client's handshake, or as a close.
    socket.on("error", (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
    socket.on("close", () => resolve(null));
  });
  await new Promise((resolve) => tlsServer.close(resolve));
  return { serverSawClient, clientGotReply, clientError };
}

test("a Node TLS server and client accept each other's certificates and reject a foreign CA's", async () => {
  const { bundleDir, manifest } = writeBundle(sampleIR);
  const dir = join(root, "tls");
  const foreign = join(root, "tls-foreign");
  assert.equal(errorsOf((await issueCertificates({ bundleDir, dir })).diagnostics), []);
  assert.equal(errorsOf((await issueCertificates({ bundleDir, dir: foreign })).diagnostics), []);
  const pair = (base: string, name: string) => {
    const i = manifest.identities.find((x) => x.name === name)!;
    return { cert: readFileSync(inDir(manifest, base, i.certFile), "utf8"), key: readFileSync(inDir(manifest, base, i.keyFile), "utf8"), ca: readFileSync(inDir(manifest, base, i.caFile), "utf8") };
  };
  const ok = await handshake(pair(dir, "web"), pair(dir, "payments"));
  assert.equal(ok, { serverSawClient: true, clientGotReply: true, clientError: null });
  // Same names and subject, other CA: the server refuses the client, and the client refuses the server.
  const foreignClient = await handshake(pair(dir, "web"), { ...pair(foreign, "payments"), ca: pair(dir, "web").ca });
  assert.equal([foreignClient.serverSawClient, foreignClient.clientGotReply], [false, false]);
  const foreignServer = await handshake({ ...pair(foreign, "web"), ca: pair(dir, "web").ca }, pair(dir, "payments"));
  assert.equal([foreignServer.clientError, foreignServer.clientGotReply], ["UNABLE_TO_VERIFY_LEAF_SIGNATURE", false]);
});

test("keys are written 0600; re-issuing keeps the CA, rotate replaces it", async () => {
  const { bundleDir, manifest } = writeBundle(sampleIR);
  const dir = join(root, "keep");
  const first = await issueCertificates({ bundleDir, dir });
  assert.equal(errorsOf(first.diagnostics), []);
  const keys = [join(dir, CA_KEY_FILE), ...manifest.identities.map((i) => inDir(manifest, dir, i.keyFile)), ...manifest.serverCertificates.map((s) => inDir(manifest, dir, s.keyFile))];
  for (const key of keys) {
    assert.ok(first.written.includes(key), key);
    assert.is(statSync(key).mode & 0o777, 0o600, key);
  }
  const caPath = inDir(manifest, dir, manifest.ca.certFile);
  const ca1 = readFileSync(caPath, "utf8");
  const web1 = readFileSync(inDir(manifest, dir, manifest.identities[2].certFile), "utf8");
  const second = await issueCertificates({ bundleDir, dir });
  assert.equal(errorsOf(second.diagnostics), []);
  assert.is(readFileSync(caPath, "utf8"), ca1, "CA kept");
  const web2 = readFileSync(inDir(manifest, dir, manifest.identities[2].certFile), "utf8");
  assert.is.not(web2, web1, "leaves re-issued");
  execFileSync("openssl", ["verify", "-x509_strict", "-purpose", "sslclient", "-CAfile", caPath, inDir(manifest, dir, manifest.identities[2].certFile)]);
  const rotated = await issueCertificates({ bundleDir, dir, rotate: true });
  assert.equal(errorsOf(rotated.diagnostics), []);
  assert.is.not(readFileSync(caPath, "utf8"), ca1, "CA rotated");
});

test("a missing or broken manifest, or an unusable kept CA, is a diagnostic and writes nothing", async () => {
  const missing = await issueCertificates({ bundleDir: join(root, "nowhere"), dir: join(root, "x") });
  assert.equal([missing.written, errorsOf(missing.diagnostics)], [[], ["MESH4500"]]);
  const { bundleDir, manifest } = writeBundle(sampleIR);
  const dir = join(root, "broken-ca");
  mkdirSync(dir, { recursive: true });
  writeFileSync(inDir(manifest, dir, manifest.ca.certFile), "not a certificate");
  const partial = await issueCertificates({ bundleDir, dir });
  assert.equal([partial.written, errorsOf(partial.diagnostics)], [[], ["MESH4502"]]);
  writeFileSync(join(dir, CA_KEY_FILE), "not a key");
  const broken = await issueCertificates({ bundleDir, dir });
  assert.equal([broken.written, errorsOf(broken.diagnostics)], [[], ["MESH4502"]]);
  const escape = writeBundle(sampleIR);
  const text = readFileSync(join(escape.bundleDir, "certs/manifest.toml"), "utf8").replace("/etc/meshc/certs/web/key.pem", "/etc/meshc/certs/../../../tmp/stolen.pem");
  writeFileSync(join(escape.bundleDir, "certs/manifest.toml"), text);
  const escaped = await issueCertificates({ bundleDir: escape.bundleDir, dir: join(root, "escape") });
  assert.equal([escaped.written, errorsOf(escaped.diagnostics)], [[], ["MESH4501"]]);
});

test.after(() => rmSync(root, { recursive: true, force: true }));
test.run();
