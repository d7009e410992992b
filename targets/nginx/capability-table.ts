// The README's capability matrix, generated from capabilities.ts (a test keeps the README
// in sync: `node --import tsx targets/nginx/capability-table.ts` prints the table).
import { FEATURES, type Support } from "../../compiler/target.ts";
import { nginxCapabilities } from "./capabilities.ts";

function describe(support: Support): [string, string] {
  switch (support.support) {
    case "full": return ["full", ""];
    case "partial": return ["partial", support.note];
    case "none": return [support.security ? "none (security)" : "none", support.hint];
    case "not-applicable": return ["n/a", ""];
  }
}

export function renderCapabilityTable(): string {
  const rows = FEATURES.map((feature) => {
    const [level, note] = describe(nginxCapabilities[feature]);
    return `| \`${feature}\` | ${level} | ${note.replace(/\|/g, "\\|")} |`;
  });
  return ["| feature | nginx | difference / how to get it |", "| --- | --- | --- |", ...rows].join("\n") + "\n";
}

if (import.meta.url === `file://${process.argv[1]}`) process.stdout.write(renderCapabilityTable());
