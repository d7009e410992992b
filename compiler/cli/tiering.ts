// The CLI's optimization policy. V8 hands a function to TurboFan, its optimizing compiler,
// once it has run about 66 KB of its bytecode (the interrupt budget); TurboFan then compiles
// it on a background thread. A cold `meshc compile` at 1,000 services crosses that budget for
// ~100 functions (certs alone; several hundred with every target) that each run a few
// thousand times and are done before their optimized code pays back its compile: measured
// with perf (CPU samples, not wall), TurboFan's graph building, scheduling and register
// allocation were ~23% of the process's CPU. Sixteen times the budget optimizes only what is
// really hot: at 1,000 services (least CPU of N, alternating) `--target certs` 1.53 -> 0.97 s
// and every target 5.56 -> 4.02 s; 10,000 services (which runs long enough to repay TurboFan)
// stay as they were (36.8 -> 37.6 s, within the noise of one run each); the same 1,000
// services with no TurboFan at all (`--no-opt`) were no better (1.01 s, 4.19 s) and would cost
// the large meshes. Output is the same whichever tier runs the code.
//
// V8 flags are part of its code cache's check: the build makes the compile command's cache
// (scripts/build.js) under these same flags, or every start would reject it.
import { setFlagsFromString } from "node:v8";

/** V8 11.3's (node 20) default interrupt budget, times sixteen. */
export const INTERRUPT_BUDGET = 16 * 67_584;

/** V8 options that decide when and whether code is optimized: given by the user (node flags or NODE_OPTIONS), they win. */
const USER_TIERING_FLAG = /--(interrupt[-_]budget|(no[-_])?(opt|turbofan|maglev|sparkplug)\b|max[-_]opt|always[-_](opt|turbofan|sparkplug)|jitless)/;

/** The flags to set in this process: none when the user chose an optimization policy of their own. */
export function tieringFlags(execArgv: readonly string[] = process.execArgv, nodeOptions = process.env.NODE_OPTIONS ?? ""): string[] {
  if ([...execArgv, nodeOptions].some((a) => USER_TIERING_FLAG.test(a))) return [];
  return [`--interrupt-budget=${INTERRUPT_BUDGET}`];
}

/** Called first thing by the binary, before the compile command's code (and its cache) is loaded. */
export function delayOptimization(): void {
  for (const flag of tieringFlags()) setFlagsFromString(flag);
}
