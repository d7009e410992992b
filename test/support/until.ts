// Polling for tests that wait on another process or a watcher: a predicate checked every 5 ms.
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Whether `predicate` held within `ms` milliseconds (checked once more at the end). */
export async function until(predicate: () => boolean, ms = 20_000): Promise<boolean> {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    if (predicate()) return true;
    await sleep(5);
  }
  return predicate();
}
