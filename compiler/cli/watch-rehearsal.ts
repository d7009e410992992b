// Watch mode's rehearsal: once the first bundle is written, while the user has not saved yet,
// the save path runs in memory so that the first real save finds its code compiled and its
// inline caches warm. The cold compile runs the emitters but not the save's own code (the
// partial reparse, the partial schema check, the check memos' comparisons, the incremental
// IR, the in-place writer's bookkeeping): measured at 1,000 services, the first save after
// start took ~100-110 ms of CPU against ~60-90 for the later ones, and after a rehearsal
// ~60-80 (in-process, 3 runs each).
//
// Two runs, each dropped at its gate like a run a newer save overtook (compile-command.ts):
// nothing is printed or written, and a file event during a run only makes it end sooner.
// 1. The loaded value with one route's timeout changed (load/index.ts applies `edit` in memory;
//    the file and the loader's last text stay the file's): the path of a typical save.
// 2. The unchanged file: the memos (checks, limits, schema, IR, emit) describe the file again,
//    so the next save compares with what is on disk, as without a rehearsal. Were it skipped
//    (a save came first), the memos would describe the edited value: still correct, as after
//    any dropped run, only a few more parts checked again.
// 3. A full garbage collection (collectGarbage below), unless a save came meanwhile.
// A config that runs code is not rehearsed (each run would bundle and evaluate it in a child),
// nor `--verify all` (nginx -t and haproxy -c write temporary files).

import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

const nextTurn = () => new Promise<void>((r) => setImmediate(r));

/** A duration one unit longer (`3s` -> `4s`), or null when `d` is not a plain duration. */
function longer(d: unknown): string | null {
  const m = typeof d === "string" ? /^(\d{1,6})(ms|s|m|h)$/.exec(d) : null;
  return m ? `${Number(m[1]) + 1}${m[2]}` : null;
}

const isRecord = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v);

/**
 * `value` with the first route that has a plain timeout given a longer one, as new objects
 * (the loaded value is the loader's, kept for the next save's reparse: never modified); null
 * when no route has one.
 */
export function rehearsalEdit(value: unknown): unknown {
  if (!isRecord(value) || !Array.isArray(value.routes)) return null;
  const routes = value.routes as unknown[];
  const at = routes.findIndex((r) => isRecord(r) && longer(r.timeout) !== null);
  if (at < 0) return null;
  const route = routes[at] as Record<string, unknown>;
  const edited = routes.slice();
  edited[at] = { ...route, timeout: longer(route.timeout) };
  return { ...value, routes: edited };
}

/**
 * Runs the rehearsal: `run(edit)` compiles once with the edit applied to the loaded value
 * (null: the file as it is), dropped at its gate. `overtaken` says whether a file event came
 * since the rehearsal began: then the rest is skipped and the save is compiled.
 */
export async function rehearse(run: (edit: ((value: unknown) => unknown) | null) => Promise<void>, overtaken: () => boolean): Promise<void> {
  await nextTurn(); // file events already queued are counted first
  if (overtaken()) return;
  // No route with a plain timeout: the first run is of the file as it is (still the save's path, less of it).
  await run((value) => rehearsalEdit(value) ?? value);
  await nextTurn();
  if (overtaken()) return;
  await run(null);
  await nextTurn();
  if (!overtaken()) collectGarbage();
}

let collector: ((options?: unknown) => void) | null = null;

/**
 * A full garbage collection, now, while the user has not saved: the cold compile leaves a
 * large heap of garbage and a collection in progress, which the first saves otherwise pay
 * (one measured first save had 86 ms of incremental marking and a 31 ms pause in it). V8's
 * collector is not exposed without --expose-gc; the flag set at run time exposes it to a new
 * context (as jest's leak detector does). In-process, 1,000 services, 3 runs alternating:
 * first save 102/111/143 -> 71/78/79 ms of CPU.
 */
export function collectGarbage(): void {
  if (!collector) {
    setFlagsFromString("--expose-gc");
    collector = runInNewContext("gc") as (options?: unknown) => void;
  }
  collector();
}
