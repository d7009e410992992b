// Swapping a fully built folder in place of the old one, so that a crash (SIGKILL, OOM,
// Ctrl-C) at any instant leaves a complete bundle with the lock that describes it.
//
// The argument. The new bundle is built completely in a sibling staging folder
// `.<out>.meshc-staging-<pid>` (same file system, so renames are atomic), lock included.
//  1. Before the swap `--out` is the old folder, untouched: a crash leaves the old bundle and
//     its lock, plus a staging folder that the next run removes (its pid is dead).
//  2. The swap is one renameat2(RENAME_EXCHANGE) system call: the kernel exchanges the two
//     names atomically, so there is no instant at which `--out` is missing or mixed.
//  3. After the swap `--out` is the new folder with its new lock; the staging name now holds
//     the old bundle, removed next (or, after a crash, by the next run).
// Node has no binding for renameat2, so it is called through perl's syscall() (perl-base is
// part of every Debian/Ubuntu system). Where that is not possible (other kernels or CPUs,
// no perl, a file system without RENAME_EXCHANGE) the fallback is two renames: the old folder
// is renamed aside to `.<out>.meshc-old-<pid>` and the staging folder into place. A crash
// between the two leaves `--out` missing for the next run to restore from the aside copy
// (`recoverDeadRuns`): the old bundle comes back before anything else happens. `compile
// --check` in that window sees no bundle and fails; it never passes by accident.
// Not covered: power loss (files are not fsynced; a journaling file system keeps the renames
// ordered, but file contents may be lost).
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, renameSync, rmdirSync, rmSync, unlinkSync } from "node:fs";
import { basename, dirname, join, sep } from "node:path";
import { processAlive } from "./process-alive.ts";

/** renameat2 per CPU (Linux). x64 has its own table; arm64 and riscv64 use the generic one. */
const RENAMEAT2: Partial<Record<string, number>> = { x64: 316, arm64: 276, riscv64: 276, ia32: 353, arm: 382 };

export function stagingFolder(out: string, pid = process.pid): string {
  return join(dirname(out), `.${basename(out)}.meshc-staging-${pid}`);
}

function asideFolder(out: string, pid = process.pid): string {
  return join(dirname(out), `.${basename(out)}.meshc-old-${pid}`);
}

/** Atomically exchanges two existing folders; false when the platform cannot. */
export function exchangeFolders(a: string, b: string): boolean {
  const nr = RENAMEAT2[process.arch];
  if (process.platform !== "linux" || nr === undefined || process.env.MESHC_NO_EXCHANGE === "1") return false;
  // Paths are absolute, so perl passes them as pointers (a string that looks numeric would go as an int).
  const r = spawnSync("perl", ["-e", "exit(syscall($ARGV[0] + 0, -100, $ARGV[1], -100, $ARGV[2], 2) == 0 ? 0 : 1)", String(nr), a, b], { stdio: "ignore" });
  return r.status === 0;
}

/** Test hook: `MESHC_TEST_PAUSE_AT=<step>` stops the process at a step, so a test can SIGKILL it there. */
export function pauseForTest(step: string): void {
  if (process.env.MESHC_TEST_PAUSE_AT !== step) return;
  process.stderr.write(`meshc-test-paused ${step}\n`);
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 60_000);
}

/** Puts `staged` at `out`, leaving the previous folder (if any) at `staged`'s name for removal. */
export function swapIn(staged: string, out: string): void {
  if (!existsSync(out)) {
    renameSync(staged, out);
    return;
  }
  if (exchangeFolders(staged, out)) return;
  const aside = asideFolder(out);
  renameSync(out, aside);
  pauseForTest("between-renames");
  renameSync(staged, out);
  renameSync(aside, staged);
}

/**
 * Leftovers of runs that died: their aside copy is restored when `--out` is missing, then
 * their staging and aside folders are removed. A live process's folders are left alone.
 * Returns the folders removed or restored, for the message.
 */
export function recoverDeadRuns(out: string): string[] {
  const parent = dirname(out);
  if (!existsSync(parent)) return [];
  const pattern = new RegExp(`^\\.${basename(out).replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\\.meshc-(staging|old)-(\\d+)(-old)?$`);
  const dead = readdirSync(parent)
    .map((name) => ({ name, m: pattern.exec(name) }))
    .filter((e) => e.m && !processAlive(Number(e.m[2])))
    .sort((a, b) => (a.name < b.name ? -1 : 1));
  const touched: string[] = [];
  const aside = dead.find((e) => e.m![1] === "old");
  if (aside && !existsSync(out)) {
    renameSync(join(parent, aside.name), out);
    touched.push(`restored ${basename(out)} from ${aside.name}`);
  }
  for (const e of dead) {
    const p = join(parent, e.name);
    if (!existsSync(p)) continue;
    rmSync(p, { recursive: true, force: true });
    touched.push(`removed ${e.name}`);
  }
  return touched;
}

/**
 * Removes the old bundle, at the staging name once swapped out (a folder this run owns), from
 * one listing per folder: the entry types readdir gives, never following a link (a symbolic
 * link is unlinked, not entered), where rmSync takes an lstat per file (10,000 for a
 * 1,000-service bundle). Anything unexpected (a file system that gives no entry types, an
 * entry that changed meanwhile) leaves the rest to rmSync.
 */
export function removeFolder(dir: string): void {
  const remove = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = `${d}/${e.name}`;
      if (e.isDirectory()) remove(p);
      else unlinkSync(p);
    }
    rmdirSync(d);
  };
  try {
    if (sep !== "/") throw new Error("not POSIX");
    remove(dir);
  } catch {
    rmSync(dir, { recursive: true, force: true });
  }
}
