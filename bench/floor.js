// The I/O floor: a bare node process writing the same files (same paths, same bytes) to a
// fresh folder, as plainly as node can (mkdir once per folder, writeFileSync per file).
// Usage: node bench/floor.js <blob> <out>. The blob is one file: a JSON line of
// [path, byteLength] pairs, then the contents back to back (read in one call, so the floor
// pays almost nothing to get the bytes).
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";

const [blobPath, out] = [process.argv[2], process.argv[3]];
const blob = readFileSync(blobPath);
const newline = blob.indexOf(10);
const entries = JSON.parse(blob.subarray(0, newline).toString("utf8"));
const made = new Set();
let offset = newline + 1;
for (const [path, length] of entries) {
  const file = join(out, path);
  const dir = dirname(file);
  if (!made.has(dir)) { mkdirSync(dir, { recursive: true }); made.add(dir); }
  writeFileSync(file, blob.subarray(offset, offset + length));
  offset += length;
}
