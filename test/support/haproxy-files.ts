// Writes one proxy's HAProxy files as the bundle has them side by side: `<proxy>.cfg` and,
// when a listener verifies clients, `<proxy>.lua` (the config loads it relative to itself,
// targets/haproxy/identity-lua.ts). Returns the config's path, for startHaproxy.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { EmittedFile } from "../../compiler/target.ts";

export function writeHaproxyProxy(dir: string, files: readonly EmittedFile[] | ReadonlyMap<string, string>, proxy: string): string {
  const get = (path: string) => (files instanceof Map ? files.get(path) : (files as readonly EmittedFile[]).find((f) => f.path === path)?.content);
  const config = get(`haproxy/${proxy}.cfg`);
  if (config === undefined) throw new Error(`no haproxy/${proxy}.cfg among the emitted files`);
  mkdirSync(dir, { recursive: true });
  const configFile = join(dir, `${proxy}.cfg`);
  writeFileSync(configFile, config);
  const lua = get(`haproxy/${proxy}.lua`);
  if (lua !== undefined) writeFileSync(join(dir, `${proxy}.lua`), lua);
  return configFile;
}
