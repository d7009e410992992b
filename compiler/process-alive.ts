// Whether a process id names a live process: leftovers named after a dead run's pid (a
// staging folder, a generated tsconfig) may be removed; a live run's must be left alone.
export function processAlive(pid: number): boolean {
  if (pid === process.pid) return false; // ours from an earlier process with the same pid: we have not started writing
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
