// The watch figure of `npm run bench`: `meshc compile --watch` on a generated mesh; after
// its first bundle, one route's timeout is edited and saved, and the figure is the time from
// the save to the lock file naming the new bytes (polled every 2 ms by its inode: the writer
// renames a new lock in; reading the 1.4 MB lock at every poll took
// ~180 system calls, 8 KB each with an encoding, and most of the other core). Three edits, each
// timed; the CLI runs from the sources as users of the repository run it. With MESHC_TIMINGS=1
// the CLI prints each run's stage split, returned with the times (the last save's).
import { spawn } from "node:child_process";
import { readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { generateMesh } from "./generate.ts";

const cli = fileURLToPath(new URL("../compiler/cli/meshc.js", import.meta.url));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function readLock(file: string): string {
  try { return readFileSync(file).toString("utf8"); } catch { return ""; }
}

/**
 * The lock file's inode: a new lock renamed in has another ("" while there is none). Not its
 * times: the writer links the old lock aside just before the rename, which changes its ctime.
 */
function lockStamp(file: string): string {
  try {
    return String(statSync(file, { bigint: true }).ino);
  } catch {
    return "";
  }
}

async function until(predicate: () => boolean, limitMs: number): Promise<boolean> {
  const end = performance.now() + limitMs;
  while (performance.now() < end) {
    if (predicate()) return true;
    await sleep(2);
  }
  return false;
}

const configText = (mesh: Record<string, unknown>) => `import { defineMesh } from "meshc";\nexport default defineMesh(${JSON.stringify(mesh)});\n`;

/** Milliseconds from each save to the updated lock, for `edits` successive timeout edits. */
export async function measureWatch(dir: string, n: number, targets: string | undefined, edits = 3): Promise<number[] & { stages?: string }> {
  const config = join(dir, "mesh.config.ts");
  const out = join(dir, "out");
  const lock = join(out, "meshc.lock.json");
  const mesh = generateMesh(n) as { routes: { timeout?: string }[] };
  writeFileSync(config, configText(mesh));
  const args = [cli, "compile", config, "--out", out, "--watch", ...(targets ? ["--target", targets] : [])];
  const child = spawn(process.execPath, args, { cwd: process.cwd(), stdio: ["ignore", "ignore", "pipe"], env: { ...process.env, MESHC_TIMINGS: "1" } });
  let stderr = "";
  child.stderr.on("data", (d: Buffer) => { stderr += d.toString(); });
  try {
    if (!(await until(() => lockStamp(lock) !== "", 600_000))) throw new Error(`no first bundle: ${stderr.slice(-500)}`);
    await until(() => stderr.includes("watching"), 60_000);
    const times: number[] & { stages?: string } = [];
    for (let i = 0; i < edits; i++) {
      await sleep(500); // let the watcher settle between saves
      const before = readLock(lock);
      const stamp = lockStamp(lock);
      mesh.routes[0]!.timeout = `${4 + i}s`;
      const text = configText(mesh);
      const saved = performance.now();
      writeFileSync(config, text);
      if (!(await until(() => lockStamp(lock) !== stamp, 120_000))) throw new Error(`the lock did not change: ${stderr.slice(-500)}`);
      times.push(performance.now() - saved);
      if (readLock(lock) === before) throw new Error(`a lock with the old bytes was written: ${stderr.slice(-500)}`);
    }
    // The split is printed just after the lock is renamed in: wait for it.
    await until(() => (stderr.match(/timings: /g) ?? []).length > edits, 10_000);
    times.stages = [...stderr.matchAll(/timings: (.*)\n/g)].pop()?.[1];
    return times;
  } finally {
    child.kill("SIGINT");
    await new Promise((r) => child.once("exit", r));
  }
}
