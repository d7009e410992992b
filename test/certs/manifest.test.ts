// certs/manifest.toml from IR fixtures: golden, determinism, round trip, and the
// cross-check that the manifest names exactly the files the proxies read.
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { MeshIR } from "../../compiler/ir/types.ts";
import { certs } from "../../targets/certs/index.ts";
import { collectManifestPaths } from "../../targets/certs/manifest.ts";
import { MANIFEST_FILE, parseManifestToml } from "../../targets/certs/manifest-toml.ts";
import { richIR } from "../fixtures/ir/kubernetes-rich.ts";
import { sampleIR } from "../fixtures/ir/sample.ts";
import { compareGolden } from "../support/golden.ts";

const manifestOf = (ir: MeshIR) => {
  const parsed = parseManifestToml(certs.emit(ir).files[0].content);
  if (!("manifest" in parsed)) throw new Error(JSON.stringify(parsed.problems));
  return parsed.manifest;
};
const codesOf = (ir: MeshIR) => certs.emit(ir).diagnostics.map((d) => d.code).sort();

/** Every string under a key ending in `File` anywhere in the proxies: independent of how the target walks them. */
function collectProxyFilePaths(value: unknown, out = new Set<string>()): Set<string> {
  if (Array.isArray(value)) value.forEach((v) => collectProxyFilePaths(v, out));
  else if (value && typeof value === "object") {
    for (const [key, member] of Object.entries(value)) {
      if (/File$/.test(key) && typeof member === "string") out.add(member);
      else collectProxyFilePaths(member, out);
    }
  }
  return out;
}

test("sample IR matches the golden certs/ folder", () => {
  const files = new Map(certs.emit(sampleIR).files.map((f) => [f.path.replace(/^certs\//, ""), f.content]));
  assert.equal([...files.keys()], ["manifest.toml"]);
  const problems = compareGolden("ir-sample/certs", files);
  assert.equal(problems, [], problems.join("\n"));
});

test("deterministic bytes, and the TOML reads back to the same manifest", () => {
  const a = certs.emit(structuredClone(sampleIR));
  const b = certs.emit(structuredClone(sampleIR));
  assert.is(a.files[0].content, b.files[0].content);
  assert.is(a.files[0].path, MANIFEST_FILE);
  const manifest = manifestOf(richIR);
  assert.is(manifest.identities.length, richIR.infra.identities.length);
  assert.equal(manifest.identities.find((i) => i.name === "ledger")!.keyAlgorithm, "rsa-2048");
});

for (const [label, ir] of [["sample", sampleIR], ["rich", richIR]] as const) {
  test(`${label}: every file a proxy reads is in the manifest, and every manifest file is read by a proxy`, () => {
    const read = collectProxyFilePaths(ir.proxies);
    const listed = new Set(collectManifestPaths(manifestOf(ir)));
    assert.equal([...read].filter((p) => !listed.has(p)), [], "read by a proxy, missing from the manifest");
    assert.equal([...listed].filter((p) => !read.has(p)), [], "in the manifest, read by no proxy");
  });
}

test("identities carry what the IR says: SPIFFE ID, DNS SANs, subject, key, lifetime, files", () => {
  const web = manifestOf(sampleIR).identities.find((i) => i.name === "web")!;
  assert.equal(web, {
    name: "web", kind: "service", namespace: "shop", serviceAccount: "web", spiffeId: "spiffe://shop.example.com/ns/shop/sa/web",
    dnsNames: ["web", "web.shop", "web.shop.svc.cluster.local"], subject: { commonName: "web", organizationalUnit: "shop", organization: "shop.example.com" },
    keyAlgorithm: "ecdsa-p256", lifetime: "2160h0m0s", renewBefore: "360h0m0s", usages: ["digitalSignature", "serverAuth", "clientAuth"],
    secretName: "web-mesh-cert", certFile: "/etc/meshc/certs/web/cert.pem", keyFile: "/etc/meshc/certs/web/key.pem", caFile: "/etc/meshc/certs/ca.pem",
  });
  const server = manifestOf(sampleIR).serverCertificates;
  assert.equal(server.map((s) => [s.proxy, s.serverNames, s.certFile]), [["gateway-edge", ["shop.example.com"], "/etc/meshc/certs/gateway-edge/hosts/shop-example-com.crt"]]);
});

test("files a proxy reads that meshc does not mint are listed as external (info)", () => {
  const web = sampleIR.proxies.find((p) => p.name === "web")!;
  const jwtWeb = { ...web, listeners: web.listeners.map((l) => (l.kind === "http" && l.direction === "inbound"
    ? { ...l, jwt: { provider: "idp", issuer: "https://idp", audiences: ["shop"], jwksUri: null, jwksFile: "/etc/meshc/certs/jwks/idp.json", required: true, origin: "x" } } : l)) };
  const ir: MeshIR = { ...sampleIR, proxies: sampleIR.proxies.map((p) => (p.name === "web" ? jwtWeb : p)) };
  assert.equal(manifestOf(ir).external, [{ path: "/etc/meshc/certs/jwks/idp.json", kind: "jwks", proxies: ["web"] }]);
  assert.equal(codesOf(ir), ["MESH3303"]);
});

test("a listener's client CA and a cluster's CA that meshc does not mint are external, each with its kind, in path order", () => {
  const web = sampleIR.proxies.find((p) => p.name === "web")!;
  const withCas = {
    ...web,
    listeners: web.listeners.map((l) => (l.tls && l.direction === "inbound" ? { ...l, tls: { ...l.tls, clientCaFile: "/etc/meshc/certs/partners/ca.pem" } } : l)),
    clusters: web.clusters.map((c, i) => (i === 0 ? { ...c, tls: { mode: "origination" as const, sni: "x", minVersion: "1.2" as const, ciphers: [], certFile: null, keyFile: null, caFile: "/etc/meshc/certs/egress/ca.pem", peerSpiffeIds: [], peerSubjects: [] } } : c)),
  };
  assert.ok(web.listeners.some((l) => l.tls && l.direction === "inbound"), "the fixture's web proxy has an inbound TLS listener");
  const ir: MeshIR = { ...sampleIR, proxies: sampleIR.proxies.map((p) => (p.name === "web" ? withCas : p)) };
  assert.equal(manifestOf(ir).external, [
    { path: "/etc/meshc/certs/egress/ca.pem", kind: "origination-ca", proxies: ["web"] },
    { path: "/etc/meshc/certs/partners/ca.pem", kind: "client-ca", proxies: ["web"] },
  ]);
});

test("paths outside the cert dir, shared paths and mismatched proxy identities are errors", () => {
  assert.equal(codesOf(sampleIR), []);
  const outside: MeshIR = { ...sampleIR, infra: { ...sampleIR.infra, identities: sampleIR.infra.identities.map((i) => (i.name === "web" ? { ...i, keyFile: "/tmp/web.key" } : i)) } };
  assert.ok(codesOf(outside).includes("MESH3300"));
  const shared: MeshIR = { ...sampleIR, infra: { ...sampleIR.infra, identities: sampleIR.infra.identities.map((i) => (i.name === "web" ? { ...i, keyFile: i.certFile } : i)) } };
  assert.ok(codesOf(shared).includes("MESH3301"));
  const mismatch: MeshIR = { ...sampleIR, proxies: sampleIR.proxies.map((p) => (p.name === "web" ? { ...p, identity: { ...p.identity, spiffeId: "spiffe://evil/x" } } : p)) };
  assert.ok(codesOf(mismatch).includes("MESH3302"));
  const unknown: MeshIR = { ...sampleIR, proxies: sampleIR.proxies.map((p) => (p.name === "web" ? { ...p, identity: { ...p.identity, name: "nobody" } } : p)) };
  assert.ok(certs.emit(unknown).diagnostics.some((d) => d.code === "MESH3302" && d.message.includes("is not among")));
  // Two identities of one name: a proxy is checked against the first, as a search of the list finds it.
  const mismatches = (ir: MeshIR) => certs.emit(ir).diagnostics.filter((d) => d.code === "MESH3302").map((d) => d.message);
  const web = sampleIR.infra.identities.find((i) => i.name === "web")!;
  const other = { ...web, spiffeId: "spiffe://evil/web" };
  assert.equal(mismatches({ ...sampleIR, infra: { ...sampleIR.infra, identities: [...sampleIR.infra.identities, other] } }), []);
  assert.ok(mismatches({ ...sampleIR, infra: { ...sampleIR.infra, identities: [other, ...sampleIR.infra.identities] } }).some((m) => m.includes('"web"') && m.includes("differs from")));
});

test("a manifest with a wrong shape is refused with paths", () => {
  const text = certs.emit(sampleIR).files[0].content.replace('keyAlgorithm = "ecdsa-p256"', 'keyAlgorithm = "dsa-1024"').replace('lifetime = "2160h0m0s"', 'lifetime = "90d"');
  const parsed = parseManifestToml(text);
  assert.ok("problems" in parsed);
  if ("problems" in parsed) assert.equal(parsed.problems.map((p) => p.path).sort(), ["ca.keyAlgorithm", "identities[0].lifetime"]);
  assert.ok("problems" in parseManifestToml("not = [toml"));
});

test.run();
