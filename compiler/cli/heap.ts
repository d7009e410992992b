// The CLI's heap policy. Left alone, V8 on a machine with a lot of memory lets the old
// generation grow to about four times the live set before collecting (its heap growing
// factor): compiling 10,000 services, ~220 MB live, peaked at 1.3 GB of RSS. A fixed heap
// limit would bound that, but fails a mesh whose live set outgrows it. The growing factor
// bounds the peak relative to what is live, and never fails: the limit stays V8's default.
// Measured at 10,000 services (README "Benchmarks"): factor 2 peaks at 756 MB of RSS for
// 14 full collections instead of 6 (each marks the ~220 MB live set; a few percent of the
// CPU); factor 1.2 peaked at 467 MB but took 47 full collections, too dear. At 1,000
// services factor 2 gives 238 MB instead of 294 MB, for no measurable CPU: most garbage dies
// young, and the young generation is left as it is.
import { setFlagsFromString } from "node:v8";

/** The old generation grows to (1 + this/100) times what the last full collection kept. */
export const HEAP_GROWING_PERCENT = 100;

/** V8 options that decide the heap's size: given by the user (node flags or NODE_OPTIONS), they win. */
const USER_HEAP_FLAG = /--(heap[-_]growing[-_]percent|max[-_]old[-_]space[-_]size|max[-_]heap[-_]size)\b/;

/** The flags to set in this process: none when the user chose a heap policy of their own. */
export function heapFlags(execArgv: readonly string[] = process.execArgv, nodeOptions = process.env.NODE_OPTIONS ?? ""): string[] {
  if ([...execArgv, nodeOptions].some((a) => USER_HEAP_FLAG.test(a))) return [];
  return [`--heap-growing-percent=${HEAP_GROWING_PERCENT}`];
}

/** Called first thing by the binary, before the heap has grown: V8 reads the factor at each full collection. */
export function boundHeapGrowth(): void {
  for (const flag of heapFlags()) setFlagsFromString(flag);
}
