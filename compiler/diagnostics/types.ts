// Diagnostics are values: returned, collected, sorted and printed; never thrown.
export type Severity = "error" | "warning" | "info";

export interface Diagnostic {
  /** `MESH` + four digits, from the catalogue in ./catalogue.ts. */
  readonly code: string;
  readonly severity: Severity;
  readonly message: string;
  /** File the problem is in, relative to the working directory (the config, or a bundle file). */
  readonly file: string | null;
  /** 1-based; 0 when unknown. */
  readonly line: number;
  readonly column: number;
  /** JSON path inside the file ("routes[2].retries.attempts"), or "" for the whole file. */
  readonly path: string;
  readonly hint: string | null;
  /** The team owning the service the diagnostic concerns (./owners.ts); absent when none is declared. */
  readonly owner?: string;
}
