// The CLI's JIT tiering (compiler/cli/tiering.ts): a raised interrupt budget, unless the user
// chose a tiering of their own. That the build's code cache is made under the same flags is
// test/package/code-cache.test.ts's first test (V8 rejects a cache made under other flags).
import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync } from "node:child_process";
import { INTERRUPT_BUDGET, tieringFlags } from "../../compiler/cli/tiering.ts";

const OURS = [`--interrupt-budget=${INTERRUPT_BUDGET}`];

test("the CLI raises V8's interrupt budget", () => {
  assert.equal(tieringFlags([], ""), OURS);
  assert.ok(INTERRUPT_BUDGET > 67_584, "above V8 11.3's default budget");
  // Flags about other things leave it on, even those whose names hold a tiering word.
  assert.equal(tieringFlags(["--inspect", "--trace-opt", "--trace-deopt", "--optimize-for-size"], "--enable-source-maps --max-old-space-size=600"), OURS);
});

test("a tiering flag of the user's wins, given to node or in NODE_OPTIONS", () => {
  for (const flag of ["--interrupt-budget=1000", "--interrupt_budget=1000", "--no-opt", "--no-turbofan", "--max-opt=1", "--maglev", "--jitless", "--always-sparkplug", "--no-sparkplug", "--always-turbofan"]) {
    assert.equal(tieringFlags([flag], ""), [], flag);
    assert.equal(tieringFlags([], `--enable-source-maps ${flag}`), [], `NODE_OPTIONS ${flag}`);
  }
});

test("the flag is one this node's V8 knows (a misspelt flag is reported on stderr, not refused)", () => {
  const r = spawnSync(process.execPath, ["-e", `require("node:v8").setFlagsFromString(${JSON.stringify(OURS[0])}); let s = 0; for (let i = 0; i < 1e6; i++) s += i; process.stdout.write(String(s));`], { encoding: "utf8" });
  assert.is(r.status, 0, r.stderr);
  assert.is(r.stdout, String((1e6 * (1e6 - 1)) / 2));
  assert.not.match(r.stderr, /unrecognized|unknown/i);
});

test.run();
