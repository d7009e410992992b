// The explicit target registry: no registration on import, no side effects.
import type { Target, Verifier } from "../compiler/target.ts";
import { envoy } from "./envoy/index.ts";
import { envoyVerifier } from "./envoy/verify.ts";
import { nginx } from "./nginx/index.ts";
import { nginxVerifier } from "./nginx/verify.ts";
import { haproxy } from "./haproxy/index.ts";
import { haproxyVerifier } from "./haproxy/verify.ts";
import { kubernetes } from "./kubernetes/index.ts";
import { kubernetesVerifier } from "./kubernetes/verify.ts";
import { certs } from "./certs/index.ts";

export const targets = [envoy, nginx, haproxy, kubernetes, certs] as const satisfies readonly Target[];
export const verifiers = [envoyVerifier, nginxVerifier, haproxyVerifier, kubernetesVerifier] as const satisfies readonly Verifier[];

export function findTargets(names: readonly string[]): { targets: Target[]; unknown: string[] } {
  const wanted = new Set(names);
  return {
    targets: targets.filter((t) => wanted.has(t.name)),
    unknown: [...wanted].filter((n) => !targets.some((t) => t.name === n)).sort(),
  };
}
