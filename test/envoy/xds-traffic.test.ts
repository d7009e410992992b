// Real traffic through a real xDS data plane: @grpc/grpc-js-xds (proxyless gRPC) reads
// resources derived from the Envoy output over ADS and sends 1,000 RPCs split 90/10.
// Runs in a child process because the xDS bootstrap is read when the package is imported.
import { spawnSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { test } from "uvu";
import * as assert from "uvu/assert";

const RUNNER = join(dirname(fileURLToPath(import.meta.url)), "xds", "traffic-run.ts");

interface RunResult { counts: Record<string, number>; failures: number; nacks: { typeUrl: string; message: string }[]; requests: number }

function runTraffic(env: Record<string, string>): RunResult {
  const child = spawnSync(process.execPath, ["--import", "tsx", RUNNER], {
    env: { ...process.env, ...env, GRPC_TRACE: "", GRPC_VERBOSITY: "NONE" }, encoding: "utf8", timeout: 60_000, killSignal: "SIGKILL",
  });
  assert.is(child.status, 0, `runner failed (${child.signal ?? child.status}): ${child.stderr}`);
  return JSON.parse(child.stdout.trim().split("\n").pop()!) as RunResult;
}

test("a 90/10 weighted gRPC route from the Envoy output splits 1,000 RPCs 90/10, with no NACK", () => {
  const result = runTraffic({ XDS_RPCS: "1000" });
  assert.is(result.failures, 0);
  assert.equal(result.nacks, []);
  const v1 = result.counts.v1 ?? 0;
  const v2 = result.counts.v2 ?? 0;
  assert.is(v1 + v2, 1000);
  // Binomial(1000, 0.1): standard deviation 9.5; +-50 is more than five of them.
  assert.ok(v2 >= 50 && v2 <= 150, `v2 got ${v2} of 1000`);
});

test("control: the client NACKs what it does not support, and the server sees it", () => {
  const result = runTraffic({ XDS_RPCS: "10", XDS_BREAK: "maglev" });
  assert.ok(result.nacks.some((n) => n.typeUrl.endsWith("envoy.config.cluster.v3.Cluster")), JSON.stringify(result.nacks));
});

test.run();
