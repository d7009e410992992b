// Real proxies in the foreground for end-to-end tests. Every path lives in the caller's
// temp prefix, every port is a 127.0.0.1 high port, and every process started here is
// tracked so a forgotten stop() is still cleaned up when the test process exits.
import { spawn, type ChildProcess } from "node:child_process";
import { connect } from "node:net";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface RunningProcess {
  readonly pid: number;
  /** Everything the process wrote to stdout/stderr so far (for failure messages and logs). */
  output(): string;
  /** Stops this process by pid and waits for it to exit. Safe to call twice. */
  stop(): Promise<void>;
}

export interface StartOptions {
  readonly command: string;
  readonly args: readonly string[];
  readonly cwd?: string;
  /** TCP ports on 127.0.0.1 that must accept connections before start resolves. */
  readonly readyPorts: readonly number[];
  readonly timeoutMs?: number;
  /** Signal for a graceful stop; SIGKILL follows after `stopGraceMs`. */
  readonly stopSignal?: NodeJS.Signals;
  readonly stopGraceMs?: number;
}

const running = new Set<ChildProcess>();
process.on("exit", () => {
  for (const child of running) if (child.pid !== undefined) try { process.kill(child.pid, "SIGKILL"); } catch { /* already gone */ }
});

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port });
    socket.setTimeout(200);
    socket.once("connect", () => { socket.destroy(); resolve(true); });
    socket.once("error", () => resolve(false));
    socket.once("timeout", () => { socket.destroy(); resolve(false); });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function waitForExit(child: ChildProcess, ms: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    child.once("exit", () => { clearTimeout(timer); resolve(true); });
  });
}

/** Spawns a foreground process and resolves once every ready port listens; rejects (after stopping it) otherwise. */
export async function startProcess(options: StartOptions): Promise<RunningProcess> {
  const child = spawn(options.command, [...options.args], { cwd: options.cwd, stdio: ["ignore", "pipe", "pipe"] });
  if (child.pid === undefined) throw new Error(`could not start ${options.command}`);
  running.add(child);
  let output = "";
  child.stdout?.on("data", (chunk) => { output += chunk; });
  child.stderr?.on("data", (chunk) => { output += chunk; });
  const pid = child.pid;
  const stop = async () => {
    if (!running.has(child)) return;
    try { process.kill(pid, options.stopSignal ?? "SIGTERM"); } catch { /* already gone */ }
    if (!(await waitForExit(child, options.stopGraceMs ?? 3000))) {
      try { process.kill(pid, "SIGKILL"); } catch { /* already gone */ }
      await waitForExit(child, 2000);
    }
    running.delete(child);
  };
  const handle: RunningProcess = { pid, output: () => output, stop };
  const deadline = Date.now() + (options.timeoutMs ?? 5000);
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      running.delete(child);
      throw new Error(`${options.command} exited (${child.exitCode ?? child.signalCode}) before listening:\n${output}`);
    }
    const ready = await Promise.all(options.readyPorts.map(canConnect));
    if (ready.every(Boolean)) return handle;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`${options.command} not listening on ${options.readyPorts.join(", ")} after ${options.timeoutMs ?? 5000} ms:\n${output}`);
    }
    await sleep(25);
  }
}

/**
 * nginx in the foreground (`-g 'daemon off;'`), with `-p prefix` so relative paths land in
 * the prefix. The config itself must put pid, logs and temp paths in the prefix too.
 * SIGTERM is nginx's fast shutdown: tests do not need graceful draining.
 */
export function startNginx(options: { prefix: string; configFile: string; readyPorts: readonly number[]; timeoutMs?: number }): Promise<RunningProcess> {
  return startProcess({
    command: "nginx", args: ["-p", options.prefix, "-c", options.configFile, "-g", "daemon off;"],
    cwd: options.prefix, readyPorts: options.readyPorts, timeoutMs: options.timeoutMs,
  });
}

/** HAProxy in the foreground (`-db`); it writes no pidfile, the child pid is the handle. */
export function startHaproxy(options: { prefix: string; configFile: string; readyPorts: readonly number[]; timeoutMs?: number }): Promise<RunningProcess> {
  return startProcess({
    command: "haproxy", args: ["-db", "-f", options.configFile],
    cwd: options.prefix, readyPorts: options.readyPorts, timeoutMs: options.timeoutMs, stopSignal: "SIGUSR1",
  });
}

/** A fresh temp directory for one test's prefix; `remove()` deletes it (call it in after hooks). */
export function makeTempPrefix(label: string): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), `meshc-${label}-`));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
