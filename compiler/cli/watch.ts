// `meshc compile --watch`: recompile on every save of the config or a file it imports.
// Watch mode must outlive any error: when the config does not load (a syntax error while
// typing), the files watched so far stay watched, so fixing them recompiles. Folders are
// watched, not files: editors that save by writing a new file and renaming it over the old
// one would silently detach a file watcher.
import { watch, type FSWatcher } from "node:fs";
import { basename, dirname } from "node:path";

/**
 * Saves arrive as bursts of events (an editor writes a temp file, renames it, touches the
 * folder); 20 ms gathers a burst, and the whole save-to-bundle budget is 100 ms.
 */
const DEBOUNCE_MS = 20;

/** `compile` compiles once and returns the files it read (null when the config did not load). */
export async function watchAndCompile(compile: () => Promise<readonly string[] | null>, initial: readonly string[]): Promise<never> {
  let watched = new Set(initial);
  let watchers: FSWatcher[] = [];
  let timer: NodeJS.Timeout | null = null;
  let running = false;
  let pending = false;

  const schedule = () => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => void cycle(), DEBOUNCE_MS);
  };
  const rewatch = () => {
    for (const w of watchers) w.close();
    const byDir = new Map<string, Set<string>>();
    for (const f of watched) byDir.set(dirname(f), (byDir.get(dirname(f)) ?? new Set()).add(basename(f)));
    watchers = [];
    for (const [dir, names] of byDir) {
      try {
        watchers.push(watch(dir, (_event, name) => { if (!name || names.has(name.toString())) schedule(); }));
      } catch {
        // The folder is gone; the next successful load names the files to watch again.
      }
    }
  };
  const cycle = async () => {
    if (running) { pending = true; return; }
    running = true;
    const inputs = await compile();
    running = false;
    if (inputs && inputs.length > 0) watched = new Set([...initial, ...inputs]);
    rewatch();
    process.stderr.write(`meshc: watching ${watched.size} file(s); Ctrl-C to stop\n`);
    if (pending) { pending = false; schedule(); }
  };
  // Runs until Ctrl-C, even while nothing can be watched yet.
  setInterval(() => {}, 1 << 30);
  await cycle();
  return new Promise<never>(() => {});
}
