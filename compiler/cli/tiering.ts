// The CLI's JIT tiering. A compile is one pass over the mesh: each emitter and check runs
// once per proxy or service, so V8's default tiering optimizes hundreds of functions with
// TurboFan (on background threads, which count in the process's CPU) that then run only a
// few hundred more times before the process exits. Measured at 1,000 services (issue 14):
// the nginx emit's first run cost 0.76-0.88 s of CPU, 0.23-0.25 s of it on the main thread and
// the rest TurboFan compiling the big view builders and compiled templates (t3, the
// nginx.conf template, took 0.3-0.7 s a compile, compiled three times after deopts); with
// TurboFan off the same first run cost 0.28 s, and a warm (optimized) run 0.11 s. So the
// first run's cost was compiling, not running: the main thread did about the same work with
// TurboFan off (0.24-0.30 s) as on, and there was no deopt loop (~20 deopts in the emit, no
// function compiled more than three times). TurboFan off loses at 10,000 services (+16%),
// where optimized code pays for itself, so the CLI raises the interrupt budget (how much
// bytecode a function runs between its tier-up checks) instead: only code that stays hot for
// much longer is optimized (8x: at 1,000 services the nginx emit starts 13 small TurboFan
// jobs instead of ~100; 16x cost ~25% at 10,000 services, 8x a few percent).
import { setFlagsFromString } from "node:v8";

/** V8's default budget (V8 11.3, node 20) times this. */
export const INTERRUPT_BUDGET_FACTOR = 8;
const V8_DEFAULT_INTERRUPT_BUDGET = 67_584;

/** Options that decide V8's tiering: given by the user (node flags or NODE_OPTIONS), they win. */
const USER_TIERING_FLAG = /--(no[-_])?(interrupt[-_]budget|opt|turbofan|maglev|max[-_]opt|sparkplug|always[-_]sparkplug|jitless)\b/;

/** The flags to set in this process: none when the user chose a tiering of their own. */
export function tieringFlags(execArgv: readonly string[] = process.execArgv, nodeOptions = process.env.NODE_OPTIONS ?? ""): string[] {
  if ([...execArgv, nodeOptions].some((a) => USER_TIERING_FLAG.test(a))) return [];
  return [`--interrupt-budget=${V8_DEFAULT_INTERRUPT_BUDGET * INTERRUPT_BUDGET_FACTOR}`];
}

/** Called first thing by the binary (and by the build that makes the code cache: V8 rejects a cache made under other flags). */
export function tuneTiering(): void {
  for (const flag of tieringFlags()) setFlagsFromString(flag);
}
