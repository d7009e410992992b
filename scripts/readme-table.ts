// Rewrites the capability table in README.md from the targets' declarations.
import { readFileSync, writeFileSync } from "node:fs";
import { capabilityTable, TABLE_END, TABLE_START } from "../compiler/capability-table.ts";
import { targets } from "../targets/index.ts";

const readme = readFileSync("README.md", "utf8");
const start = readme.indexOf(TABLE_START);
const end = readme.indexOf(TABLE_END);
if (start < 0 || end < 0) throw new Error("README.md has no capability-table markers");
writeFileSync("README.md", readme.slice(0, start + TABLE_START.length) + "\n" + capabilityTable(targets) + readme.slice(end));
