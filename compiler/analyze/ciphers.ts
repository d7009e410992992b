// defaults.tls.ciphers is an allowlist: the TLS 1.2 suites of Mozilla's intermediate
// configuration, by OpenSSL name. The schema's enum already refuses anything else for
// YAML/JSON/TOML and the DSL type for mesh.config.ts; this check holds the same line on the
// normalized mesh, so no path into the emitters (nginx and HAProxy write the names into
// their cipher strings verbatim: `DEFAULT` or `NULL-SHA256` would be honoured) can skip it.
import { coreCodes } from "../diagnostics/codes.ts";
import { MOZILLA_INTERMEDIATE_CIPHERS } from "../normalize/values.ts";
import { didYouMean } from "../suggest.ts";
import type { ModelCheck } from "./context.ts";

const ALLOWED: ReadonlySet<string> = new Set(MOZILLA_INTERMEDIATE_CIPHERS);

export const ciphers: ModelCheck = {
  name: "ciphers",
  stage: "model",
  reads: (mesh) => [mesh.defaults.tls.ciphers],
  run(mesh, report) {
    mesh.defaults.tls.ciphers.forEach((name, i) => {
      if (ALLOWED.has(name)) return;
      report(coreCodes.cipherNotAllowed, {
        message: `cipher ${JSON.stringify(name)} is not in Mozilla's intermediate list`,
        path: `defaults.tls.ciphers[${i}]`,
        hint: didYouMean(name, ALLOWED) ?? `use some of ${MOZILLA_INTERMEDIATE_CIPHERS.join(", ")}, or leave ciphers out for all of them`,
      });
    });
  },
};
