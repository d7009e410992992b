// The CLI's optimization policy. V8 hands a function to TurboFan, its optimizing compiler,
// once it has run about 66 KB of its bytecode (the interrupt budget); TurboFan then compiles
// it on a background thread. A cold `meshc compile` at 1,000 services crosses that budget for
// ~100 functions (certs alone; several hundred with every target) that each run a few
// thousand times and are done before their optimized code pays back its compile: measured
// with perf (CPU samples, not wall), TurboFan's graph building, scheduling and register
// allocation were ~23% of the process's CPU. Sixteen times the budget optimizes only what is
// really hot: at 1,000 services (least CPU of N, alternating) `--target certs` 1.53 -> 0.97 s
// and every target 5.56 -> 4.02 s; the same 1,000 services with no TurboFan at all
// (`--no-opt`) were no better (1.01 s, 4.19 s). A large mesh runs long enough to repay
// TurboFan, so the compile command sets V8's own budget back for a large config (below).
// Output is the same whichever tier runs the code.
//
// V8 flags are part of its code cache's check: the build makes the compile command's cache
// (scripts/build.js) under these same flags, or every start would reject it.
import { setFlagsFromString } from "node:v8";

/** V8 11.3's (node 20) default interrupt budget, and sixteen times it. */
const V8_BUDGET = 67_584;
export const INTERRUPT_BUDGET = 16 * V8_BUDGET;

/**
 * A mesh of more services than this compiles long enough to repay TurboFan: measured at 10,000
 * services, quieter, one run each, alternating, the delayed budget cost 29.0 -> 35.5 and
 * 33.7 -> 35.3 s CPU, 22 -> 40 and 32 -> 49 s wall; at 1,000 it saved a quarter. Counted on the
 * loaded mesh (team modules merged), not on the root file's size, which a mesh split into
 * modules would hide. V8 reads the budget as code runs, so setting it back after the load
 * still works, and the code cache (checked when the command loads) is not affected.
 */
export const LARGE_MESH_SERVICES = 3_000;

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

/** Whether a compile of a mesh of `services` should optimize as V8 does by default. */
export function optimizesEarly(services: number): boolean {
  return services > LARGE_MESH_SERVICES;
}

/** The services of a loaded config value (0 for anything else: the checks report it). */
export function serviceCount(value: unknown): number {
  const services = value !== null && typeof value === "object" ? (value as { services?: unknown }).services : undefined;
  return services !== null && typeof services === "object" ? Object.keys(services).length : 0;
}

/** Back to V8's own budget for a large mesh (only when delayOptimization set ours). */
export function restoreOptimizationFor(services: number): void {
  if (optimizesEarly(services) && tieringFlags().length > 0) setFlagsFromString(`--interrupt-budget=${V8_BUDGET}`);
}
