// Network namespaces for the traffic-capture test: two "pods" joined by a veth pair, each
// with its own /etc/hosts (ip netns exec bind-mounts /etc/netns/<name>/hosts, so unmodified
// programs resolve service names there), processes started inside by pid, everything removed
// in destroy(). Needs root, iproute2 and util-linux's setpriv (Debian base).
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";

export interface Started {
  readonly pid: number;
  output(): string;
  stop(): Promise<void>;
}

/** Runs a command to completion (bounded); throws with its output when it fails. */
export function run(command: string, args: readonly string[], timeoutMs = 10_000): string {
  const result = spawnSync(command, [...args], { encoding: "utf8", timeout: timeoutMs });
  if (result.error || result.status !== 0) {
    throw new Error(`${command} ${args.join(" ")} failed (${result.error?.message ?? `exit ${result.status}`}):\n${result.stdout}${result.stderr}`);
  }
  return result.stdout;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function waitForExit(child: ChildProcess, ms: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    child.once("exit", () => { clearTimeout(timer); resolve(); });
  });
}

export class NetnsLab {
  private readonly namespaces: string[] = [];
  private readonly processes: Started[] = [];

  constructor(private readonly label: string) {}

  /**
   * A namespace with loopback up, `hosts` as its /etc/hosts, and a resolv.conf naming
   * 127.0.0.1 (start DNS_SERVER there for programs that ask DNS itself, as HAProxy's resolvers do).
   */
  create(suffix: string, hosts: string): string {
    const name = `${this.label}-${suffix}`;
    run("ip", ["netns", "add", name]);
    this.namespaces.push(name);
    mkdirSync(`/etc/netns/${name}`, { recursive: true });
    writeFileSync(`/etc/netns/${name}/hosts`, hosts);
    writeFileSync(`/etc/netns/${name}/resolv.conf`, "nameserver 127.0.0.1\n");
    this.exec(name, ["ip", "link", "set", "lo", "up"]);
    return name;
  }

  /** A veth pair between two namespaces, with an address on each end (a /24). */
  link(a: string, addressA: string, b: string, addressB: string): void {
    const [ifA, ifB] = [`${this.label}a`.slice(0, 15), `${this.label}b`.slice(0, 15)];
    run("ip", ["link", "add", ifA, "netns", a, "type", "veth", "peer", "name", ifB, "netns", b]);
    for (const [ns, dev, address] of [[a, ifA, addressA], [b, ifB, addressB]] as const) {
      this.exec(ns, ["ip", "addr", "add", `${address}/24`, "dev", dev]);
      this.exec(ns, ["ip", "link", "set", dev, "up"]);
    }
  }

  exec(ns: string, args: readonly string[], timeoutMs = 10_000): string {
    return run("ip", ["netns", "exec", ns, ...args], timeoutMs);
  }

  /** The same, but as `uid` (setpriv drops to it after entering the namespace). */
  execAs(ns: string, uid: number | null, args: readonly string[], timeoutMs = 10_000): string {
    return this.exec(ns, [...asUid(uid), ...args], timeoutMs);
  }

  /** TCP (and with `udp`, UDP) ports listening in the namespace. */
  listening(ns: string): Set<number> {
    const out = this.exec(ns, ["ss", "-Hltn"]) + this.exec(ns, ["ss", "-Hlun"]);
    // Columns: state, recv-q, send-q, local address:port, peer address:port.
    const ports = out.split("\n").map((line) => /:(\d+)$/.exec(line.trim().split(/\s+/)[3] ?? "")?.[1]);
    return new Set(ports.filter((p): p is string => p !== undefined).map(Number));
  }

  /** Starts a foreground process in `ns` as `uid` and resolves once every ready port listens there. */
  async start(ns: string, uid: number | null, args: readonly string[], readyPorts: readonly number[], timeoutMs = 10_000): Promise<Started> {
    // ip netns exec and setpriv exec in place: the pid is the program's own.
    const child = spawn("ip", ["netns", "exec", ns, ...asUid(uid), ...args], { stdio: ["ignore", "pipe", "pipe"] });
    if (child.pid === undefined) throw new Error(`could not start ${args[0]}`);
    let output = "";
    child.stdout?.on("data", (chunk) => { output += chunk; });
    child.stderr?.on("data", (chunk) => { output += chunk; });
    const pid = child.pid;
    let stopped = false;
    const started: Started = {
      pid,
      output: () => output,
      stop: async () => {
        if (stopped) return;
        stopped = true;
        try { process.kill(pid, "SIGTERM"); } catch { /* gone */ }
        await waitForExit(child, 3000);
        try { process.kill(pid, "SIGKILL"); } catch { /* gone */ }
        await waitForExit(child, 2000);
      },
    };
    this.processes.push(started);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (child.exitCode !== null || child.signalCode !== null) throw new Error(`${args[0]} in ${ns} exited (${child.exitCode ?? child.signalCode}) before listening:\n${output}`);
      const open = this.listening(ns);
      if (readyPorts.every((p) => open.has(p))) return started;
      if (Date.now() > deadline) throw new Error(`${args[0]} in ${ns}: ports ${readyPorts.join(", ")} not listening after ${timeoutMs} ms:\n${output}`);
      await sleep(100);
    }
  }

  /** Stops every process (by pid), deletes the namespaces (their veths go with them) and their /etc/netns folders. */
  async destroy(): Promise<void> {
    for (const p of this.processes.reverse()) await p.stop();
    for (const ns of this.namespaces) {
      spawnSync("ip", ["netns", "del", ns], { timeout: 10_000 });
      rmSync(`/etc/netns/${ns}`, { recursive: true, force: true });
    }
  }
}

function asUid(uid: number | null): string[] {
  return uid === null ? [] : ["setpriv", `--reuid=${uid}`, `--regid=${uid}`, "--clear-groups", "--"];
}

/**
 * A stand-in for cluster DNS (`node -e DNS_SERVER '<json {name: ipv4}>'`, UDP 53): answers A
 * queries for the names given, an empty NOERROR for other types of those names (so AAAA
 * falls back to A), NXDOMAIN for the rest.
 */
export const DNS_SERVER = `
const names = JSON.parse(process.argv[1]);
const server = require("node:dgram").createSocket("udp4");
server.on("message", (q, peer) => {
  let i = 12; const labels = [];
  while (q[i] !== 0) { labels.push(q.subarray(i + 1, i + 1 + q[i]).toString()); i += q[i] + 1; }
  const question = q.subarray(12, i + 5);
  const type = q.readUInt16BE(i + 1);
  const name = labels.join(".").toLowerCase();
  const ip = names[name];
  const header = Buffer.alloc(12);
  q.copy(header, 0, 0, 2);
  header.writeUInt16BE(ip === undefined ? 0x8183 : 0x8180, 2);
  header.writeUInt16BE(1, 4);
  const answer = ip !== undefined && type === 1;
  header.writeUInt16BE(answer ? 1 : 0, 6);
  const parts = [header, question];
  if (answer) {
    const rr = Buffer.alloc(16);
    rr.writeUInt16BE(0xc00c, 0); rr.writeUInt16BE(1, 2); rr.writeUInt16BE(1, 4); rr.writeUInt32BE(5, 6); rr.writeUInt16BE(4, 10);
    ip.split(".").forEach((octet, k) => rr.writeUInt8(Number(octet), 12 + k));
    parts.push(rr);
  }
  server.send(Buffer.concat(parts), peer.port, peer.address);
});
server.bind(53, "127.0.0.1");`;
