// The one serializer for YAML and JSON output: keys sorted, Kubernetes objects with
// apiVersion, kind, metadata first. Strings are quoted for YAML 1.1 readers too (yes, on,
// 0x10, 012 ...), so what a Go or Python YAML parser reads back is what was written.
import YAML from "yaml";

const LEADING_KEYS = ["apiVersion", "kind", "metadata"];

function compareKeys(a: string, b: string): number {
  const ia = LEADING_KEYS.indexOf(a);
  const ib = LEADING_KEYS.indexOf(b);
  if (ia !== -1 || ib !== -1) return (ia === -1 ? 99 : ia) - (ib === -1 ? 99 : ib);
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A deep copy with object keys in canonical order; drops `undefined` members. */
export function canonicalize(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonicalize);
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort(compareKeys)) {
      const member = (value as Record<string, unknown>)[key];
      if (member !== undefined) out[key] = canonicalize(member);
    }
    return out;
  }
  return value;
}

export function toYaml(value: unknown): string {
  return YAML.stringify(canonicalize(value), { version: "1.1", lineWidth: 0, aliasDuplicateObjects: false });
}

/** Several documents in one file, separated by `---`. */
export function toYamlStream(values: readonly unknown[]): string {
  return values.map((v) => toYaml(v)).join("---\n");
}

export function toJson(value: unknown): string {
  return JSON.stringify(canonicalize(value), null, 2) + "\n";
}
