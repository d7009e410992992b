// Every block of every target file can be traced to the config (issue 13): the examples are
// compiled to every target and the emitted text is read back with parsers written here (not
// meshc's): each nginx map/split/upstream/server/location, each HAProxy frontend/backend and
// rule or route ACL, decision line and use_backend, each Envoy listener/virtual host/route/
// cluster and RBAC policy, each Kubernetes object, carries a name the config has; every HTTP
// route and every rule of the config shows up in every proxy target. A target that stopped
// writing its markers, or wrote the wrong one, fails here.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { existsSync, readdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseAllDocuments } from "yaml";
import { compileFile } from "../../compiler/compile.ts";
import { CONFIG_NAMES } from "../../compiler/load/index.ts";
import type { NMesh } from "../../compiler/normalize/model.ts";
import type { EmittedFile } from "../../compiler/target.ts";
import { nginx } from "../../targets/nginx/index.ts";
import { haproxy } from "../../targets/haproxy/index.ts";
import { sampleIR } from "../fixtures/ir/sample.ts";
import type { MeshIR } from "../../compiler/ir/types.ts";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
const examples = readdirSync(join(ROOT, "examples")).sort().flatMap((name) => {
  const config = CONFIG_NAMES.map((c) => join(ROOT, "examples", name, c)).find(existsSync);
  return config ? [{ name, config }] : [];
});

/** The names the config gives each kind of thing, as meshc's diagnostics and diffs use them. */
type Names = Record<"route" | "rule" | "service" | "gateway" | "egress" | "jwt" | "mesh", Set<string>>;
function namesOf(mesh: NMesh): Names {
  return {
    route: new Set(mesh.routes.map((r) => r.name)), rule: new Set(mesh.authorization.map((r) => r.name)),
    service: new Set(mesh.services.map((s) => s.name)), gateway: new Set(mesh.gateways.map((g) => g.name)),
    egress: new Set(mesh.egress.map((e) => e.name)), jwt: new Set(mesh.jwtProviders.map((p) => p.name)), mesh: new Set([mesh.name]),
  };
}

/** HTTP routes: a TCP route has no route block of its own in any proxy (its listener names the destination). */
function httpRoutes(mesh: NMesh): string[] {
  return mesh.routes.filter((r) => {
    const to = mesh.services.find((s) => s.name === r.to);
    const port = to?.ports.find((p) => p.name === r.port) ?? to?.ports[0];
    return port?.protocol !== "tcp";
  }).map((r) => r.name);
}

interface Marker { kind: keyof Names; name: string }
const MARKER = /^\s*# (route|rule|service|gateway|egress|jwt|mesh) ([a-z0-9][a-z0-9.-]*)$/;
function marker(line: string | undefined): Marker | null {
  const m = line === undefined ? null : MARKER.exec(line);
  return m ? { kind: m[1] as keyof Names, name: m[2]! } : null;
}
function known(names: Names, m: Marker | null, where: string): Marker {
  assert.ok(m !== null, `${where}: no trace marker`);
  assert.ok(names[m!.kind].has(m!.name), `${where}: "${m!.kind} ${m!.name}" is not in the config`);
  return m!;
}

/** Braces outside quoted strings and comments: nginx's nesting. */
function braces(line: string): number {
  const code = line.replace(/"(?:[^"\\]|\\.)*"/g, "\"\"").replace(/#.*$/, "");
  return (code.match(/{/g) ?? []).length - (code.match(/}/g) ?? []).length;
}

function checkNginx(file: EmittedFile, names: Names, seen: Set<string>): void {
  const lines = file.content.split("\n");
  let depth = 0;
  lines.forEach((line, i) => {
    const where = `${file.path}:${i + 1} ${line.trim()}`;
    const top = depth === 1; // inside http {} or stream {}
    const opens = /^\s*(map|split_clients|upstream|server)\b.*{$/.test(line) && top;
    const routeLocation = /^\s*location (@meshc_\S+|= \/__meshc_mirror_\S+) {$/.test(line)
      && !/_(no_route|forbidden|bad_request|mirror_skip)$/.test(line.trim().split(" ")[1]!);
    if (opens || routeLocation || /^\s*limit_req_zone /.test(line)) {
      const m = known(names, marker(lines[i - 1]), where);
      seen.add(`${m.kind} ${m.name}`);
    }
    depth += braces(line);
  });
  assert.is(depth, 0, `${file.path}: unbalanced braces`);
}

function checkHaproxy(file: EmittedFile, names: Names, seen: Set<string>): void {
  const lines = file.content.split("\n");
  let nearest: Marker | null = null;
  lines.forEach((line, i) => {
    const where = `${file.path}:${i + 1} ${line.trim()}`;
    const m = marker(line);
    if (m) { known(names, m, where); seen.add(`${m.kind} ${m.name}`); nearest = m; return; }
    if (/^(frontend|backend) /.test(line)) {
      const above = known(names, marker(lines[i - 1]), where);
      const backend = /^backend route\.([^.]+)\./.exec(line);
      if (backend && above.kind === "route") assert.is(above.name, backend[1], `${where}: backend of another route`);
      return;
    }
    const current = nearest as Marker | null;
    // A rule's ACLs and its deny/allow line name the rule (or the gateway route implying it).
    if (/^\s+acl meshc_authz\d+_/.test(line) || /^\s+(http|tcp)-request ((deny deny_status 403|content reject) if !?(meshc_|TRUE|FALSE)|set-var\(txn\.meshc_allowed\)|content set-var\(sess\.meshc_allowed\))/.test(line)) {
      assert.ok(current !== null && (current.kind === "rule" || current.kind === "route"), `${where}: a rule line under ${JSON.stringify(current)}`);
    }
    // A route's match ACLs, its choice, its actions and its use_backend name the route (or the service, gateway or egress for routes meshc makes).
    if (/^\s+acl meshc_r\d+_|set-var\(txn\.meshc_route\) int|^\s+use_backend /.test(line)) {
      assert.ok(current !== null && current.kind !== "rule" && current.kind !== "mesh", `${where}: a route line under ${JSON.stringify(current)}`);
      const use = /^\s+use_backend route\.([^.]+)\./.exec(line);
      if (use && current!.kind === "route") assert.is(current!.name, use[1], `${where}: use_backend of another route`);
    }
    if (/^$/.test(line)) nearest = null; // sections end at a blank line
  });
}

interface EnvoyObject { name?: string; metadata?: { filter_metadata?: { meshc?: { source?: string } } } }
function envoySource(o: EnvoyObject, names: Names, where: string): Marker {
  return known(names, marker(`# ${o.metadata?.filter_metadata?.meshc?.source ?? ""}`), `${where} ${o.name}`);
}

/**
 * The policy names of every authorization RBAC filter (`meshc.rbac.deny|allow`, `meshc.network.rbac.*`)
 * under a listener. The request model's own filter (`meshc.rbac.single_identity`) is the same in
 * every mesh: its policies name what it refuses, not config entries.
 */
function rbacPolicies(value: unknown, out: string[][] = []): string[][] {
  if (Array.isArray(value)) value.forEach((v) => rbacPolicies(v, out));
  else if (value !== null && typeof value === "object") {
    const o = value as Record<string, unknown>;
    const policies = (o.typed_config as { rules?: { policies?: Record<string, unknown> } } | undefined)?.rules?.policies;
    if (typeof o.name === "string" && /^meshc\.(network\.)?rbac\.(deny|allow)$/.test(o.name)) out.push(Object.keys(policies ?? {}));
    for (const v of Object.values(o)) rbacPolicies(v, out);
  }
  return out;
}

function checkEnvoy(file: EmittedFile, names: Names, seen: Set<string>): void {
  const doc = parseAllDocuments(file.content)[0]!.toJS() as {
    node: { metadata: { source: string } };
    static_resources: { listeners: (EnvoyObject & { filter_chains: { filters: { typed_config: { route_config?: { virtual_hosts: (EnvoyObject & { routes: EnvoyObject[] })[] } } }[] }[] })[]; clusters: EnvoyObject[] };
  };
  known(names, marker(`# ${doc.node.metadata.source}`), `${file.path} node`);
  const add = (m: Marker) => seen.add(`${m.kind} ${m.name}`);
  for (const c of doc.static_resources.clusters) add(envoySource(c, names, `${file.path} cluster`));
  for (const l of doc.static_resources.listeners) {
    add(envoySource(l, names, `${file.path} listener`));
    for (const chain of l.filter_chains) {
      for (const f of chain.filters) {
        for (const vh of f.typed_config.route_config?.virtual_hosts ?? []) {
          add(envoySource(vh, names, `${file.path} virtual host`));
          for (const r of vh.routes) {
            const m = envoySource(r, names, `${file.path} route`);
            add(m);
            if (names.route.has(r.name!)) assert.equal(m, { kind: "route", name: r.name }, `${file.path}: route ${r.name} traced elsewhere`);
          }
        }
      }
    }
    for (const policies of rbacPolicies(l)) {
      for (const p of policies) {
        const rule = names.rule.has(p) ? p : null;
        const implied = p.endsWith("-gateway") && names.route.has(p.slice(0, -"-gateway".length));
        assert.ok(rule !== null || implied, `${file.path}: RBAC policy ${p} is no rule of the config`);
        seen.add(rule !== null ? `rule ${rule}` : `route ${p.slice(0, -"-gateway".length)}`);
      }
    }
  }
}

function checkKubernetes(file: EmittedFile, names: Names): void {
  for (const d of parseAllDocuments(file.content)) {
    const o = d.toJS() as { kind: string; metadata?: { annotations?: Record<string, string> } };
    if (o.kind === "Kustomization" || o.kind === "Component") continue;
    known(names, marker(`# ${o.metadata?.annotations?.["meshc.dev/source"] ?? ""}`), `${file.path} ${o.kind}`);
  }
}

for (const { name, config } of examples) {
  test(`example ${name}: every block of every target file names a route, rule, service, gateway, egress or the mesh`, async () => {
    const r = await compileFile(config, { cwd: ROOT, verify: "none", typecheck: false });
    assert.ok(r.mesh !== null);
    const names = namesOf(r.mesh!);
    const seen: Record<string, Set<string>> = { nginx: new Set(), haproxy: new Set(), envoy: new Set() };
    let checked = 0;
    for (const file of r.files) {
      if (file.path.endsWith(".conf") && file.path.startsWith("nginx/")) checkNginx(file, names, seen.nginx!);
      else if (file.path.endsWith(".cfg")) checkHaproxy(file, names, seen.haproxy!);
      else if (file.path.startsWith("envoy/")) checkEnvoy(file, names, seen.envoy!);
      else if (file.path.startsWith("kubernetes/")) checkKubernetes(file, names);
      else continue;
      checked++;
    }
    assert.ok(checked >= 4, `${checked} files checked`);
    // Every HTTP route and every rule is named somewhere in each proxy target's output.
    for (const target of ["nginx", "haproxy", "envoy"]) {
      if (!r.files.some((f) => f.path.startsWith(`${target}/`))) continue;
      const missing = [...httpRoutes(r.mesh!).map((n) => `route ${n}`), ...[...names.rule].map((n) => `rule ${n}`)].filter((s) => !seen[target]!.has(s));
      assert.equal(missing, [], `${target}: never named`);
    }
  });
}

test("a hostile name cannot end the comment: it is written as one escaped line", () => {
  const evil = "x\nserver { listen 6666; }\r\u2028# y";
  const ir = structuredClone(sampleIR) as { -readonly [K in keyof MeshIR]: MeshIR[K] } & Record<string, unknown>;
  const payments = (ir.proxies as unknown as { name: string; listeners: { authorization: { rules: { name: string }[] } | null }[] }[]).find((p) => p.name === "payments")!;
  payments.listeners[0]!.authorization!.rules[1]!.name = evil;
  for (const target of [nginx, haproxy]) {
    const file = target.emit(ir as MeshIR).files.find((f) => /payments\.(conf|cfg)$/.test(f.path))!;
    assert.ok(file !== undefined, `${target.name} wrote the file`);
    const lines = file.content.split("\n");
    assert.not.ok(lines.some((l) => /^\s*server \{ listen 6666/.test(l) || /^\s*# y/.test(l)), `${target.name}: the name broke out of its comment`);
    assert.ok(lines.some((l) => l.trim() === "# rule \"x\\nserver { listen 6666; }\\r\\u2028# y\""), `${target.name}: the escaped name is there`);
    assert.not.ok(/[\r\u2028]/.test(file.content), `${target.name}: a raw line break`);
  }
});

test("same input, same bytes: the markers are names, not positions", async () => {
  const config = examples.find((e) => e.name === "shop")!.config;
  const a = await compileFile(config, { cwd: ROOT, verify: "none", typecheck: false });
  const b = await compileFile(config, { cwd: ROOT, verify: "none", typecheck: false });
  assert.equal(a.files, b.files);
  assert.not.ok(a.files.some((f) => /mesh\.config\.ts:\d+/.test(f.content)), "no config line numbers in the output");
});

test.run();
