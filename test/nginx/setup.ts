// Brings up the e2e fixture: counting upstreams, a dev PKI at the IR's cert paths, the
// generated nginx.conf files written unchanged into the prefix, one nginx per proxy.
// `stop()` tears everything down and must run in an after hook.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { nginx } from "../../targets/nginx/index.ts";
import { buildNginxE2eIR, e2eIdentities, type E2ePorts } from "../fixtures/ir/nginx-e2e.ts";
import { writeMeshPki, type MeshPki } from "../support/pki.ts";
import { freePorts } from "../support/ports.ts";
import { makeTempPrefix, startNginx, type RunningProcess } from "../support/procs.ts";
import { startUpstream, type Upstream } from "../support/upstreams.ts";

export interface E2eEnv {
  readonly ports: E2ePorts;
  readonly upstreams: Readonly<Record<keyof E2ePorts["upstreams"], Upstream>>;
  readonly pki: MeshPki;
  readonly prefix: string;
  stop(): Promise<void>;
}

export async function startE2e(label: string): Promise<E2eEnv> {
  const prefix = makeTempPrefix(label);
  const upstreams: Upstream[] = [];
  const proxies: RunningProcess[] = [];
  const stop = async () => {
    await Promise.all(proxies.map((p) => p.stop()));
    await Promise.all(upstreams.map((u) => u.close()));
    prefix.remove();
  };
  try {
    const names = ["v1", "v2", "flaky", "slow", "local"] as const;
    for (const name of names) upstreams.push(await startUpstream({ name }));
    const byName = Object.fromEntries(upstreams.map((u) => [u.name, u])) as E2eEnv["upstreams"];
    const [webOutbound, paymentsStrict, paymentsLimited, webAdmin, paymentsAdmin] = await freePorts(5);
    const ports: E2ePorts = { webOutbound, paymentsStrict, paymentsLimited, admin: { web: webAdmin, payments: paymentsAdmin },
      upstreams: Object.fromEntries(upstreams.map((u) => [u.name, u.port])) as E2ePorts["upstreams"] };
    const ir = buildNginxE2eIR(prefix.dir, ports);
    const pki = await writeMeshPki(ir.runtime.certDir, e2eIdentities(ir.runtime.certDir));
    for (const dir of [ir.runtime.runDir, ir.runtime.logDir]) mkdirSync(dir, { recursive: true });
    const emitted = nginx.emit(ir);
    if (emitted.diagnostics.some((d) => d.severity === "error")) throw new Error(JSON.stringify(emitted.diagnostics));
    for (const file of emitted.files) {
      const path = join(prefix.dir, file.path);
      mkdirSync(join(prefix.dir, "nginx"), { recursive: true });
      writeFileSync(path, file.content);
    }
    proxies.push(await startNginx({ prefix: prefix.dir, configFile: join(prefix.dir, "nginx/web.conf"), readyPorts: [webOutbound] }));
    proxies.push(await startNginx({ prefix: prefix.dir, configFile: join(prefix.dir, "nginx/payments.conf"), readyPorts: [paymentsStrict, paymentsLimited] }));
    return { ports, upstreams: byName, pki, prefix: prefix.dir, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
