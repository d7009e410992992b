import type { Diagnostic, Severity } from "./types.ts";

/** A catalogue entry. `description` documents the code; the message says what happened here. */
export interface CodeInfo {
  readonly code: string;
  readonly severity: Severity;
  readonly title: string;
  readonly description: string;
}

export interface DiagnosticInput {
  readonly message: string;
  readonly file?: string | null;
  readonly line?: number;
  readonly column?: number;
  readonly path?: string;
  readonly hint?: string | null;
  /** Overrides the catalogue's severity (capability gaps vary by feature). */
  readonly severity?: Severity;
}

export function diagnostic(info: CodeInfo, input: DiagnosticInput): Diagnostic {
  return {
    code: info.code,
    severity: input.severity ?? info.severity,
    message: input.message,
    file: input.file ?? null,
    line: input.line ?? 0,
    column: input.column ?? 0,
    path: input.path ?? "",
    hint: input.hint ?? null,
  };
}

/** Declares a group of codes; the literal keys become the names used in code. */
export function defineCodes<const T extends Record<string, CodeInfo>>(codes: T): T {
  return codes;
}
