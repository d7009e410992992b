// The child process that evaluates a bundled mesh.config.ts (see ./typescript.ts). It reads
// the bundle (ESM JavaScript) from stdin, writes "R" (ready) on fd 3, imports the bundle, and
// writes exactly one JSON message after it on fd 3: {"value": ...} or {"error": "..."}. Then it exits at once, whatever timers the
// config left. The config's own stdout goes to meshc's stderr (set by the parent), so it can
// neither fake a result nor pollute meshc's output. If the config calls process.exit(),
// crashes the process or never finishes, no message arrives and the parent reports a load
// error. No imports but node's: it starts in a bare `node`, without tsx.
import { readFileSync, writeSync } from "node:fs";

function send(text: string): void {
  let buffer = Buffer.from(text);
  while (buffer.length > 0) buffer = buffer.subarray(writeSync(3, buffer));
}

const errorText = (error: unknown) => (error instanceof Error ? error.message : String(error));

const code = readFileSync(0, "utf8");
// Ready: the parent's time limit counts from here, so a slow node start-up on a busy machine is not the config's time.
send("R");
let message: string;
try {
  const mod = (await import(`data:text/javascript;base64,${Buffer.from(code).toString("base64")}`)) as { default?: unknown };
  try {
    // Data only: functions and undefined disappear, as they would from YAML; cycles and BigInt are errors.
    message = `{"value":${JSON.stringify(mod.default ?? null)}}`;
  } catch (error) {
    message = JSON.stringify({ error: `the default export is not plain data: ${errorText(error)}` });
  }
} catch (error) {
  message = JSON.stringify({ error: errorText(error) });
}
send(message);
process.exit(0);
