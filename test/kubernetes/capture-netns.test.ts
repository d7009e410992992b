// Transparent traffic capture, for real: two network namespaces stand for two pods (web
// calls api), each gets the bundle's generated capture script (run with Debian's iptables)
// and its REAL sidecar, started exactly as the Kubernetes patch says (command, config files
// at their ConfigMap item paths) as the capture's proxy uid (nobody). The apps are unmodified
// plain-HTTP programs: api listens on its service port 9080, web calls http://api:9080
// (resolved through the namespace's /etc/hosts, as cluster DNS would). Both flavour pairs
// run: nginx -> HAProxy and HAProxy -> nginx, with strict mTLS and authorization.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { parse } from "yaml";
import { compileFile } from "../../compiler/compile.ts";
import type { MeshIR } from "../../compiler/ir/types.ts";
import { CAPTURE_SCRIPT_KEY } from "../../targets/kubernetes/names.ts";
import { PROXY_CONFIG_DIR } from "../../targets/kubernetes/options.ts";
import { writeHaproxyBundles } from "../support/haproxy-certs.ts";
import { writeMeshPki } from "../support/pki.ts";
import { makeTempPrefix } from "../support/procs.ts";
import { DNS_SERVER, NetnsLab, run } from "./netns.ts";

const PROXY_UID = 65534; // nobody: the capture rules exempt its connections
const SUBNET = `10.233.${process.pid % 250}`;
const WEB_IP = `${SUBNET}.1`;
const API_IP = `${SUBNET}.2`;

for (const tool of ["ip", "iptables", "setpriv", "ss", "nginx", "haproxy"]) {
  test(`${tool} is installed (the capture test needs it)`, () => {
    assert.is(spawnSync("sh", ["-c", `command -v ${tool}`]).status, 0, `${tool} is missing: install iproute2, iptables, util-linux, nginx-light and haproxy`);
  });
}

/** api adopts the ServiceAccount "api-sa": its SPIFFE ID and certificate follow it. */
const mesh = {
  name: "cap", trustDomain: "cap.test", namespace: "cap",
  defaults: { mtls: "strict", authorization: "deny", retries: false, capture: { proxyUid: PROXY_UID } },
  services: {
    web: { ports: { http: { port: 9080, protocol: "http" } } },
    api: { ports: { http: { port: 9080, protocol: "http" } }, kubernetes: { serviceAccount: "api-sa" } },
  },
  authorization: [{ name: "web-reads-api", allow: { from: ["web"], to: "api", methods: ["GET"] } }],
  observability: { accessLog: false },
};

const SERVER_APP = `
const http = require("node:http"), fs = require("node:fs");
http.createServer((req, res) => {
  fs.appendFileSync(process.argv[2], JSON.stringify({ method: req.method, url: req.url, remote: req.socket.remoteAddress }) + "\\n");
  res.end("api says hi to " + req.method + " " + req.url);
}).listen(9080, "0.0.0.0");`;

/** Prints {status, body} or {error}: a plain client that knows only the service's name. */
const CLIENT_APP = `
const req = require("node:http").request(process.argv[3], { method: process.argv[2], timeout: 5000 }, (res) => {
  let body = ""; res.on("data", (c) => body += c); res.on("end", () => console.log(JSON.stringify({ status: res.statusCode, body })));
});
req.on("error", (e) => console.log(JSON.stringify({ error: e.code || e.message })));
req.on("timeout", () => req.destroy(new Error("timeout")));
req.end(process.argv[2] === "POST" ? "x" : undefined);`;

/** Speaks to 9080 on the wire directly (run as the proxy uid, so no capture): mTLS with web's certificate, or plain text. */
const PROBE = `
const [mode, host, certDir] = process.argv.slice(2);
const fs = require("node:fs"), done = (o) => { console.log(JSON.stringify(o)); process.exit(0); };
setTimeout(() => done({ error: "timeout" }), 5000);
if (mode === "plain") {
  const s = require("node:net").connect(9080, host, () => s.write("GET /plain HTTP/1.1\\r\\nHost: api\\r\\nConnection: close\\r\\n\\r\\n"));
  let data = ""; s.on("data", (c) => data += c); s.on("close", () => done({ data })); s.on("error", (e) => done({ error: e.code }));
} else {
  const s = require("node:tls").connect({ host, port: 9080, servername: "api.cap.svc.cluster.local", ca: fs.readFileSync(certDir + "/ca.pem"),
    cert: fs.readFileSync(certDir + "/web/cert.pem"), key: fs.readFileSync(certDir + "/web/key.pem") }, () => {
    const peer = s.getPeerCertificate();
    s.write("GET /over-mtls HTTP/1.1\\r\\nHost: api\\r\\nConnection: close\\r\\n\\r\\n");
    let data = ""; s.on("data", (c) => data += c); s.on("end", () => done({ san: peer.subjectaltname, protocol: s.getProtocol(), data }));
  });
  s.on("error", (e) => done({ error: e.code || e.message }));
}`;

interface Pod { readonly files: Map<string, string>; readonly command: string[]; readonly script: string }

/** The bundle's view of one workload: its ConfigMap files at their item paths, the sidecar command, the capture script. */
function podOf(bundle: Map<string, any>, workload: string): Pod {
  const configMap = bundle.get(`kubernetes/configmap-${workload}-proxy.yaml`);
  const patch = bundle.get(`kubernetes/sidecars/patches/${workload}.yaml`);
  const spec = patch.spec.template.spec;
  const volume = spec.volumes.find((v: any) => v.name === "meshc-proxy-config");
  const files = new Map<string, string>(volume.configMap.items.map((item: any) => [item.path, configMap.data[item.key]]));
  const sidecar = spec.containers.find((c: any) => c.name === "meshc-proxy");
  assert.is(sidecar.securityContext.runAsUser, PROXY_UID, "the sidecar runs as the uid the rules exempt");
  assert.is(spec.initContainers[0].command.at(-1), `/etc/meshc/capture/${CAPTURE_SCRIPT_KEY}`);
  return { files, command: sidecar.command, script: configMap.data[CAPTURE_SCRIPT_KEY] };
}

async function compileBundle(dir: string, flavour: "nginx" | "haproxy", runtime: { certDir: string; runDir: string; logDir: string }) {
  const config = join(dir, "mesh.json");
  writeFileSync(config, JSON.stringify(mesh));
  const result = await compileFile(config, { cwd: dir, targets: ["kubernetes"], sidecar: flavour, typecheck: false, verify: "default", runtime });
  const errors = result.diagnostics.filter((d) => d.severity === "error");
  assert.equal(errors.map((d) => `${d.code} ${d.message}`), []);
  return { ir: result.ir as MeshIR, bundle: new Map(result.files.map((f) => [f.path, parse(f.content)])) };
}

/** Writes a pod's config files under `dir` and returns its sidecar command pointing there (the ConfigMap mount, relocated). */
function installPod(pod: Pod, dir: string): string[] {
  for (const [path, content] of pod.files) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
  writeFileSync(join(dir, "capture.sh"), pod.script);
  return pod.command.map((arg) => arg.replace(PROXY_CONFIG_DIR, dir));
}

const counters = (lab: NetnsLab, ns: string, chain: string) =>
  lab.exec(ns, ["iptables", "-t", "nat", "-L", chain, "-v", "-n", "-x"]).split("\n").filter((l) => l.includes("REDIRECT")).map((l) => Number(l.trim().split(/\s+/)[0]));

for (const [clientFlavour, serverFlavour] of [["nginx", "haproxy"], ["haproxy", "nginx"]] as const) {
  test(`capture: web (${clientFlavour} sidecar) -> api (${serverFlavour} sidecar), unmodified apps on plain HTTP, mTLS and authorization between the sidecars`, async () => {
    const prefix = makeTempPrefix("capture");
    const lab = new NetnsLab(`mc${process.pid % 100000}${clientFlavour[0]}`);
    try {
      const runtime = { certDir: join(prefix.dir, "certs"), runDir: join(prefix.dir, "run"), logDir: join(prefix.dir, "log") };
      for (const d of Object.values(runtime)) mkdirSync(d, { recursive: true });
      const client = await compileBundle(prefix.dir, clientFlavour, runtime);
      const server = await compileBundle(prefix.dir, serverFlavour, runtime);
      assert.equal(client.ir.infra.identities.map((i) => i.spiffeId), ["spiffe://cap.test/ns/cap/sa/api-sa", "spiffe://cap.test/ns/cap/sa/web"]);
      const pki = await writeMeshPki(runtime.certDir, client.ir.infra.identities);
      writeHaproxyBundles(pki);
      const webCommand = installPod(podOf(client.bundle, "web"), join(prefix.dir, "web"));
      const apiCommand = installPod(podOf(server.bundle, "api"), join(prefix.dir, "api"));
      writeFileSync(join(prefix.dir, "server.cjs"), SERVER_APP);
      writeFileSync(join(prefix.dir, "client.cjs"), CLIENT_APP);
      writeFileSync(join(prefix.dir, "probe.cjs"), PROBE);
      // The proxies run as nobody: let them read the prefix (a test PKI) and write run/log dirs.
      run("chown", ["-R", `${PROXY_UID}:${PROXY_UID}`, prefix.dir]);
      chmodSync(prefix.dir, 0o755);

      const names: Record<string, string> = {};
      for (const [service, ip] of [["web", WEB_IP], ["api", API_IP]]) for (const n of [service, `${service}.cap`, `${service}.cap.svc.cluster.local`]) names[n] = ip;
      const hosts = `127.0.0.1 localhost\n${Object.entries(names).map(([n, ip]) => `${ip} ${n}`).join("\n")}\n`;
      const web = lab.create("web", hosts);
      const api = lab.create("api", hosts);
      // Cluster DNS: HAProxy's resolvers ask DNS itself (nginx and the apps read /etc/hosts first).
      for (const ns of [web, api]) await lab.start(ns, 0, [process.execPath, "-e", DNS_SERVER, JSON.stringify(names)], [53]);
      lab.link(web, WEB_IP, api, API_IP);
      // The init containers' job: the generated script, once per namespace, as root.
      lab.exec(web, ["sh", join(prefix.dir, "web", "capture.sh")]);
      lab.exec(api, ["sh", join(prefix.dir, "api", "capture.sh")]);
      lab.exec(api, ["sh", join(prefix.dir, "api", "capture.sh")]); // idempotent: a restarted init container changes nothing
      assert.is(counters(lab, api, "MESHC_INBOUND").length, 1, "the second run replaced the rules instead of adding to them");

      const log = join(prefix.dir, "api-requests.jsonl");
      writeFileSync(log, "");
      await lab.start(api, 0, [process.execPath, join(prefix.dir, "server.cjs"), log], [9080]);
      const apiSidecar = await lab.start(api, PROXY_UID, apiCommand, [15006]);
      const webSidecar = await lab.start(web, PROXY_UID, webCommand, [15001]);
      const outputs = () => `\n--- web sidecar:\n${webSidecar.output()}\n--- api sidecar:\n${apiSidecar.output()}`;

      const call = (method: string, url: string) => JSON.parse(lab.exec(web, [process.execPath, join(prefix.dir, "client.cjs"), method, url], 15_000));
      const allowed = call("GET", "http://api:9080/books?id=1");
      assert.equal(allowed, { status: 200, body: "api says hi to GET /books?id=1" }, `an allowed call passes through both sidecars${outputs()}`);
      const denied = call("POST", "http://api:9080/books");
      assert.is(denied.status, 403, `a POST is not allowed (web-reads-api allows GET): ${JSON.stringify(denied)}`);

      // On the wire, api's port 9080 speaks only mTLS, served by its sidecar with api's identity.
      const probe = (mode: string) => JSON.parse(lab.execAs(web, PROXY_UID, [process.execPath, join(prefix.dir, "probe.cjs"), mode, API_IP, runtime.certDir], 15_000));
      const plain = probe("plain");
      assert.not.ok(String(plain.data ?? "").includes("api says hi"), `plain text on the wire never reaches the app: ${JSON.stringify(plain)}`);
      const mtls = probe("mtls");
      assert.ok(String(mtls.san).includes("URI:spiffe://cap.test/ns/cap/sa/api-sa"), `the wire port presents api's SPIFFE identity: ${JSON.stringify(mtls)}`);
      assert.ok(String(mtls.data).includes("api says hi to GET /over-mtls"), `mTLS with web's certificate is authorized: ${JSON.stringify(mtls)}`);

      // The app saw only its sidecar (127.0.0.1), never the other namespace, and never the denied POST or the plain request.
      const seen = readFileSync(log, "utf8").trim().split("\n").map((l) => JSON.parse(l));
      assert.equal(seen.map((r) => `${r.method} ${r.url}`), ["GET /books?id=1", "GET /over-mtls"]);
      for (const r of seen) assert.match(String(r.remote), /^(::ffff:)?127\.0\.0\.1$/, `api's app saw a connection from ${r.remote}, not from its sidecar`);
      // The app's calls were captured (web's outbound redirect) and arrived through the inbound redirect.
      assert.ok(counters(lab, web, "MESHC_OUTBOUND").every((n) => n > 0), "web's outbound redirect counted the app's connections");
      assert.ok(counters(lab, api, "MESHC_INBOUND")[0] >= 3, "api's inbound redirect counted the calls and the probes");
    } finally {
      await lab.destroy();
      prefix.remove();
    }
  });
}

test.run();
