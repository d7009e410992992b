// `meshc compile --watch`: recompile on every save of the config or a file it imports.
// Watch mode must outlive any error: when the config does not load (a syntax error while
// typing), the files watched so far stay watched, so fixing them recompiles. Folders are
// watched, not files: editors that save by writing a new file and renaming it over the old
// one would silently detach a file watcher.
import { watch, type FSWatcher } from "node:fs";
import { basename, dirname } from "node:path";

/**
 * Saves arrive as bursts of events (an editor truncates and then writes, or writes a temp
 * file, renames it, touches the folder). A run's result is used only once the files it read
 * have been quiet this long: no event since the run began, and this long since the last one.
 * The wait is spent compiling: a run starts at a burst's first event and waits at its gate
 * (before it prints or writes anything) only for what is left of this time; a run that an
 * event overtook is dropped and the save compiled again once the files are quiet.
 */
export const DEBOUNCE_MS = 20;

/**
 * Resolves true when the run may print and write: no file event arrived since it began (so
 * what it read is what is saved) and the files have been quiet for DEBOUNCE_MS. False: a
 * newer save overtook it, and it must leave the bundle and the terminal alone.
 */
export type SaveGate = (() => Promise<boolean>) & {
  /**
   * Without waiting for the quiet time: whether a file event already came since the run
   * began (its result will be dropped). The loader asks before evaluating a config in a
   * child, the one slow step a half-written file can lead to (an editor's truncate, read
   * before its write, is no data-only config).
   */
  overtaken(): Promise<boolean>;
};

/** What a run reports: the files it read (null when the config did not load), and whether its gate dropped it. */
export interface RunOutcome { readonly inputs: readonly string[] | null; readonly superseded: boolean }

const nextTurn = () => new Promise<void>((r) => setImmediate(r));

/**
 * Called after a run that printed (not dropped) while no file event came since it began:
 * watch mode's rehearsal (watch-rehearsal.ts), which decides itself whether to run. No save is
 * compiled while it runs; `overtaken` says whether a file event came since it was called.
 */
export type Rehearse = (overtaken: () => boolean) => Promise<void>;

/** `compile` compiles once through the gate it is given; runs until Ctrl-C. */
export async function watchAndCompile(compile: (gate: SaveGate) => Promise<RunOutcome>, initial: readonly string[], rehearse?: Rehearse): Promise<never> {
  // Runs until Ctrl-C, even while nothing can be watched yet.
  setInterval(() => {}, 1 << 30);
  await startWatching(compile, initial, rehearse).first;
  return new Promise<never>(() => {});
}

/** The watcher itself: `first` settles after the first run; `close` stops watching (tests). */
export function startWatching(compile: (gate: SaveGate) => Promise<RunOutcome>, initial: readonly string[], rehearse?: Rehearse): { first: Promise<void>; close(): void } {
  let closed = false;
  let watched = new Set(initial);
  // The names watched in each folder (read by that folder's watcher at each event), its watcher, and the folders whose watcher failed.
  let namesByDir = new Map<string, Set<string>>();
  const watchers = new Map<string, FSWatcher>();
  const broken = new Set<string>();
  // File events seen so far, and when the latest came (performance.now()).
  let events = 0;
  let lastEvent = -Infinity;
  let running = false;
  let waiting = false;

  const start = () => { waiting = false; if (!closed) void cycle(); };
  /** The run after one an event overtook: once the files have been quiet for DEBOUNCE_MS (later events push it back). */
  const whenQuiet = () => {
    waiting = true;
    const wait = lastEvent + DEBOUNCE_MS - performance.now();
    if (wait > 0) setTimeout(whenQuiet, wait);
    else start();
  };
  const onEvent = () => {
    events++;
    lastEvent = performance.now();
    // A run in progress sees the event at its gate; a waiting one starts after it.
    if (running || waiting) return;
    waiting = true;
    // Next turn, so the other events read with this one are counted before the run reads the files.
    setImmediate(start);
  };
  /**
   * Watches the folders of `watched`. A folder watched already keeps its watcher (the names it
   * reports are looked up at each event), so no save in it is missed while the set changes;
   * only new folders, and folders whose watcher failed, get a new one.
   */
  const rewatch = () => {
    const next = new Map<string, Set<string>>();
    for (const f of watched) next.set(dirname(f), (next.get(dirname(f)) ?? new Set()).add(basename(f)));
    namesByDir = next;
    for (const [dir, w] of watchers) {
      if (next.has(dir) && !broken.has(dir)) continue;
      w.close();
      watchers.delete(dir);
    }
    for (const dir of next.keys()) {
      if (watchers.has(dir)) continue;
      broken.delete(dir);
      try {
        const w = watch(dir, (_event, name) => { if (!name || namesByDir.get(dir)?.has(name.toString())) onEvent(); });
        w.on("error", () => { broken.add(dir); });
        watchers.set(dir, w);
      } catch {
        // The folder is gone; the next successful load names the files to watch again.
        broken.add(dir);
      }
    }
  };
  const cycle = async () => {
    running = true;
    const seen = events;
    const gate: SaveGate = Object.assign(async () => {
      for (;;) {
        await nextTurn(); // events already queued are delivered before the check
        if (events !== seen) return false;
        const wait = lastEvent + DEBOUNCE_MS - performance.now();
        if (wait <= 0) return true;
        await new Promise((r) => setTimeout(r, wait));
      }
    }, {
      overtaken: async () => {
        await nextTurn();
        return events !== seen;
      },
    });
    const outcome = await compile(gate);
    running = false;
    if (closed) return;
    if (outcome.inputs && outcome.inputs.length > 0) watched = new Set([...initial, ...outcome.inputs]);
    rewatch();
    if (!outcome.superseded) process.stderr.write(`meshc: watching ${watched.size} file(s); Ctrl-C to stop\n`);
    if (rehearse && !outcome.superseded && events === seen) {
      // Idle until the next save: rehearse it (watched already, so a save now is counted and compiled after).
      running = true;
      const before = events;
      try {
        await rehearse(() => events !== before);
      } catch {
        // Never the user's: the callback starts the next save from scratch (compile-command.ts).
      } finally {
        running = false;
      }
      if (closed) return;
    }
    // A save during the run (it was dropped, or came after its gate): compiled once the files are quiet.
    if (events !== seen && !waiting) whenQuiet();
  };
  // Watching before the first run: a save while it compiles (seconds, for a large mesh) is a
  // save like any other, seen at its gate, not lost before the watchers exist.
  rewatch();
  return {
    first: cycle(),
    close() {
      closed = true;
      for (const w of watchers.values()) w.close();
      watchers.clear();
    },
  };
}
