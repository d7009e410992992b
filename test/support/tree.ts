// A folder's files as relative "/"-separated path -> UTF-8 text, in sorted order (folders
// entered, nothing else followed): what bundle tests compare a written bundle with.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

export function readTree(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string, rel: string) => {
    for (const e of readdirSync(d, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      if (e.isDirectory()) walk(join(d, e.name), `${rel}${e.name}/`);
      else out.set(`${rel}${e.name}`, readFileSync(join(d, e.name), "utf8"));
    }
  };
  if (existsSync(dir)) walk(dir, "");
  return out;
}
