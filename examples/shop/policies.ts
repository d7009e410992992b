// Shared policy building blocks, imported by mesh.config.ts: a config can be split into
// local modules like any TypeScript program.
import type { Retries } from "meshc";

export const idempotentRetries = { attempts: 2, perTryTimeout: "1s", on: ["5xx", "connect-failure", "reset"] } satisfies Retries;
export const grpcRetries = { attempts: 3, perTryTimeout: "500ms", on: ["unavailable", "connect-failure"], idempotentOnly: false } satisfies Retries;
