// The Gateway API conformance cases (cases.ts) on every target: the real nginx and HAProxy
// (one process per case and target), `meshc explain`, the Envoy output through a real xDS
// data plane for the cases phrased as gRPC, and the Kubernetes output (emitted and
// schema-checked; no Gateway API implementation runs here). A case passes on a target, or
// a MESH3xxx/MESH2041 diagnostic naming one of its routes announces the gap; anything else
// fails. The README's table is this run's result (UPDATE_SNAPSHOTS=1 rewrites it).
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { spawn } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { CASES, type ConformanceCase } from "./cases.ts";
import { BACKENDS, explainObserved, judge, runCaseOn, startSuite, type Suite } from "./harness.ts";

const here = dirname(fileURLToPath(import.meta.url));
const TARGETS = ["nginx", "haproxy", "explain", "envoy", "kubernetes"] as const;
type Column = (typeof TARGETS)[number];

/** Which target a diagnostic code speaks for (bands in compiler/diagnostics/codes.ts and each target's codes.ts). */
function targetOfCode(code: string): Column | null {
  const n = Number(code.slice(4));
  if (code === "MESH2041") return "kubernetes";
  if (n >= 3100 && n < 3150) return "envoy";
  if (n >= 3150 && n < 3200) return "nginx";
  if (n >= 3200 && n < 3250) return "haproxy";
  if (n >= 3250 && n < 3300) return "kubernetes";
  return null;
}

interface Ctx { suite: Suite | null; cells: Map<string, string> }
const conformance = suite<Ctx>("Gateway API conformance", { suite: null, cells: new Map() });

conformance.before(async (ctx) => { ctx.suite = await startSuite(); });
conformance.after(async (ctx) => { await ctx.suite?.stop(); });

/** Route origins of a case in the compiled mesh (`routes[i]`). */
function originsOf(c: ConformanceCase): string[] {
  const before = CASES.slice(0, CASES.indexOf(c)).reduce((n, x) => n + x.routes.length, 0);
  return c.routes.map((_, i) => `routes[${before + i}]`);
}

function announced(s: Suite, c: ConformanceCase, column: Column): string | null {
  const origins = originsOf(c);
  const codes = s.diagnostics
    .filter((d) => targetOfCode(d.code) === column && d.severity !== "info" && origins.some((o) => d.path === o || d.path?.startsWith(`${o}.`)))
    .map((d) => d.code);
  return codes.length === 0 ? null : [...new Set(codes)].sort().join(", ");
}

/** Records a cell; a failure must be announced by a diagnostic, or the test fails with the problems. */
function record(ctx: Ctx, c: ConformanceCase, column: Column, problems: readonly string[]): void {
  const code = announced(ctx.suite!, c, column);
  ctx.cells.set(`${c.id}/${column}`, problems.length === 0 ? (code ? `pass (${code})` : "pass") : code ?? "FAIL");
  assert.ok(problems.length === 0 || code !== null, `${column} ${c.id}:\n  ${problems.join("\n  ")}`);
}

for (const target of ["nginx", "haproxy"] as const) {
  conformance(`every case on the real ${target}, one process per case`, async (ctx) => {
    for (const [i, c] of CASES.entries()) {
      const { problems } = await runCaseOn(ctx.suite!, target, c, i);
      record(ctx, c, target, problems);
    }
  });
}

conformance("explain gives every case the answer the upstream test expects", (ctx) => {
  for (const [i, c] of CASES.entries()) {
    const problems = c.requests.flatMap((r) => judge(r.expect, explainObserved(ctx.suite!.ir, c, r).seen, ctx.suite!.ports.gateways[i]!)
      .map((p) => `${r.host ?? "example.com"}${r.path}: ${p}`));
    record(ctx, c, "explain", problems);
  }
});

/** One gRPC case in its own process (the xDS bootstrap is read once per process); the cases run in parallel. */
function runGrpcCase(s: Suite, c: ConformanceCase): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const bootstrap = s.files.get(`envoy/gateway-${c.id}.yaml`);
  assert.ok(bootstrap, `no Envoy bootstrap for ${c.id}`);
  const listener = s.ir.proxies.find((p) => p.owner === c.id)!.listeners[0]!.name;
  const input = { bootstrap, listener, backends: BACKENDS, requests: c.requests.map((r) => ({ path: r.path, host: r.host ?? "example.com", headers: r.headers ?? {} })) };
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["--import", "tsx", join(here, "grpc-run.ts")], {
      env: { ...process.env, CONFORMANCE_GRPC_INPUT: JSON.stringify(input), GRPC_TRACE: "", GRPC_VERBOSITY: "NONE" }, stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => { stdout += d; });
    child.stderr.on("data", (d) => { stderr += d; });
    // Importing @grpc/grpc-js-xds takes 0.5 s on an idle machine, 12 s on a loaded one.
    const timer = setTimeout(() => child.kill("SIGKILL"), 150_000);
    child.on("exit", (status) => { clearTimeout(timer); resolve({ status, stdout, stderr }); });
  });
}

conformance("the gRPC-phrased cases through the Envoy output and a proxyless xDS client", async (ctx) => {
  const grpcCases = CASES.filter((c) => c.grpc);
  for (const c of CASES) if (!c.grpc) ctx.cells.set(`${c.id}/envoy`, c.envoyNotRun ?? "not run (HTTP)");
  const runs = await Promise.all(grpcCases.map((c) => runGrpcCase(ctx.suite!, c)));
  grpcCases.forEach((c, k) => {
    const child = runs[k]!;
    assert.is(child.status, 0, `grpc runner failed for ${c.id} (${child.status}): ${child.stderr}`);
    const out = JSON.parse(child.stdout.trim().split("\n").pop()!) as { results: { backend: string | null; error: string | null }[]; nacks: unknown[] };
    assert.equal(out.nacks, [], `${c.id}: the xDS client rejected the Envoy output`);
    const problems = c.requests.flatMap((r, i) => {
      const got = out.results[i]!;
      const want = r.expect.backend ?? null;
      return got.backend === want ? [] : [`${r.host ?? "example.com"}${r.path}: got ${got.backend ?? got.error}, want ${want ?? "no backend"}`];
    });
    record(ctx, c, "envoy", problems);
  });
});

conformance("the Kubernetes output: every case's HTTPRoute is emitted and schema-checked, or the gap is announced", (ctx) => {
  const s = ctx.suite!;
  for (const c of CASES) {
    const routes = [...s.files.keys()].filter((f) => f.startsWith("kubernetes/") && f.includes("httproute") && f.includes(c.id));
    assert.ok(routes.length > 0 || announced(s, c, "kubernetes") !== null, `no HTTPRoute for ${c.id}`);
    const code = announced(s, c, "kubernetes");
    ctx.cells.set(`${c.id}/kubernetes`, code ?? "emitted");
  }
});

conformance("nginx generates an x-request-id, and `add` on an absent header forwards just the value", async (ctx) => {
  const index = CASES.findIndex((c) => c.id === "request-headers");
  const { observed } = await runCaseOn(ctx.suite!, "nginx", CASES[index]!, index);
  const addOnAbsent = observed[2]!.upstream!;
  assert.is(addOnAbsent.headers["x-header-add"], "add-appends-values");
  assert.match(String(addOnAbsent.headers["x-request-id"]), /^[0-9a-f]{32}$/);
});

conformance("nginx: a split across services with different upstream TLS names reaches both, each verified by its own name", async (ctx) => {
  const index = CASES.findIndex((c) => c.id === "split-services");
  const { problems, observed } = await runCaseOn(ctx.suite!, "nginx", CASES[index]!, index);
  assert.equal(problems, []);
  assert.equal([...new Set(observed.map((o) => o.upstream?.name))].sort(), ["infra-backend-v1", "infra-backend-v2"]);
});

conformance("the README's table is this run's result", (ctx) => {
  const header = `| case | upstream test | ${TARGETS.join(" | ")} |\n| --- | --- | ${TARGETS.map(() => "---").join(" | ")} |`;
  const rows = CASES.map((c) => `| ${c.id} | ${c.upstream} | ${TARGETS.map((t) => ctx.cells.get(`${c.id}/${t}`) ?? "?").join(" | ")} |`);
  const table = [header, ...rows].join("\n");
  const readmePath = join(here, "README.md");
  const readme = readFileSync(readmePath, "utf8");
  const begin = "<!-- conformance-table:begin -->";
  const end = "<!-- conformance-table:end -->";
  const current = readme.slice(readme.indexOf(begin) + begin.length, readme.indexOf(end)).trim();
  if (process.env.UPDATE_SNAPSHOTS) {
    writeFileSync(readmePath, readme.slice(0, readme.indexOf(begin) + begin.length) + "\n" + table + "\n" + readme.slice(readme.indexOf(end)));
    return;
  }
  assert.is(current, table, "test/conformance/README.md is stale: run with UPDATE_SNAPSHOTS=1");
});

conformance.run();
