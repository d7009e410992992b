// `meshc compile --watch` through the real binary: after one route's timeout is edited, only
// the files whose bytes change are rewritten (every other file keeps its inode and mtime),
// and the bundle equals a cold compile of the edited config byte for byte, lock included.
// Then a new service (new files): the whole-folder write, again equal to a cold compile.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
const BIN = join(ROOT, "compiler", "cli", "meshc.js");
const work = mkdtempSync(join(tmpdir(), "meshc-watch-"));
const CONFIG = join(work, "mesh.json");
const OUT = join(work, "out");
const LOCK = join(OUT, "meshc.lock.json");

const service = (ip: string) => ({ ports: { http: { port: 8080, protocol: "http" } }, endpoints: [ip] });
const mesh = {
  name: "w", trustDomain: "w.example.com", namespace: "w",
  services: { web: service("10.0.0.1"), api: service("10.0.0.2"), db: service("10.0.0.3") } as Record<string, unknown>,
  routes: [
    { name: "web-api", from: "web", to: "api", match: { path: { prefix: "/api" } }, timeout: "3s" },
    { name: "api-db", from: "api", to: "db", match: { path: { prefix: "/" } }, timeout: "2s" },
  ],
  authorization: [{ allow: { from: ["web"], to: "api" } }, { allow: { from: ["api"], to: "db" } }],
};

interface Seen { readonly content: string; readonly ino: number; readonly mtimeNs: bigint }

function readTree(dir: string, rel = ""): Map<string, Seen> {
  const out = new Map<string, Seen>();
  for (const e of readdirSync(join(dir, rel), { withFileTypes: true })) {
    const p = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) for (const [k, v] of readTree(dir, p)) out.set(k, v);
    else {
      const st = statSync(join(dir, p), { bigint: true });
      out.set(p, { content: readFileSync(join(dir, p), "utf8"), ino: Number(st.ino), mtimeNs: st.mtimeNs });
    }
  }
  return out;
}

const contents = (tree: Map<string, Seen>) => new Map([...tree].map(([k, v]) => [k, v.content]));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(predicate: () => boolean, limitMs: number, what: string, log: () => string): Promise<void> {
  const end = Date.now() + limitMs;
  while (Date.now() < end) {
    if (predicate()) return;
    await sleep(20);
  }
  throw new Error(`timed out waiting for ${what}: ${log().slice(-800)}`);
}

function coldCompile(name: string): Map<string, string> {
  const config = join(work, `${name}.json`);
  writeFileSync(config, JSON.stringify(mesh));
  const out = join(work, name);
  const r = spawnSync(process.execPath, [BIN, "compile", config, "--out", out], { cwd: work, encoding: "utf8" });
  assert.is(r.status, 0, r.stderr);
  // The lock's input digest is the config's bytes: the same text, so the same lock.
  return contents(readTree(out));
}

const readLock = () => { try { return readFileSync(LOCK, "utf8"); } catch { return ""; } };

test("an edit rewrites only the changed files, and the bundle equals a cold compile", async () => {
  writeFileSync(CONFIG, JSON.stringify(mesh));
  const child = spawn(process.execPath, [BIN, "compile", CONFIG, "--out", OUT, "--watch"], { cwd: work, stdio: ["ignore", "ignore", "pipe"] });
  let log = "";
  child.stderr.on("data", (d: Buffer) => { log += d.toString(); });
  try {
    await until(() => readLock() !== "" && log.includes("watching"), 240_000, "the first bundle", () => log);
    const before = readTree(OUT);

    mesh.routes[0]!.timeout = "4s";
    let lock = readLock();
    writeFileSync(CONFIG, JSON.stringify(mesh));
    await until(() => readLock() !== lock, 240_000, "the edit's bundle", () => log);
    const after = readTree(OUT);
    assert.equal(contents(after), coldCompile("cold-edit"), "the watched bundle is the cold compile's");
    const rewritten = [...after].filter(([p, s]) => before.get(p)?.ino !== s.ino || before.get(p)?.mtimeNs !== s.mtimeNs).map(([p]) => p).sort();
    const differing = [...after].filter(([p, s]) => before.get(p)?.content !== s.content).map(([p]) => p).sort();
    assert.equal(rewritten, differing, "exactly the files whose bytes changed were written");
    assert.ok(rewritten.includes("envoy/web.yaml") && rewritten.includes("meshc.lock.json"), rewritten.join());
    assert.not.ok(rewritten.includes("envoy/api.yaml"), "a proxy the edit does not touch keeps its file");
    assert.ok(rewritten.length < after.size / 2, `${rewritten.length} of ${after.size} files rewritten`);

    // A new service adds files: the whole-folder write, still the cold compile's bytes.
    mesh.services.cache = service("10.0.0.4");
    lock = readLock();
    writeFileSync(CONFIG, JSON.stringify(mesh));
    await until(() => readLock() !== lock, 240_000, "the new service's bundle", () => log);
    assert.equal(contents(readTree(OUT)), coldCompile("cold-add"));
  } finally {
    child.kill("SIGTERM");
    await new Promise((r) => child.once("exit", r));
  }
});

test.after(() => rmSync(work, { recursive: true, force: true }));

test.run();
