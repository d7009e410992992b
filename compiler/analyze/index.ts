// The registry of checks, in the order they run. Model checks see the normalized mesh;
// IR checks see the built IR (they run only when the model checks found no error).
import type { Check } from "./context.ts";
import { authorizationRules } from "./authorization.ts";
import { ciphers } from "./ciphers.ts";
import { duplicates } from "./duplicates.ts";
import { gatewayPrecedence } from "./gateway-precedence.ts";
import { headerRuleValues } from "./header-rule-values.ts";
import { headers } from "./headers.ts";
import { hostnames } from "./hostnames.ts";
import { kubernetesAdoption } from "./kubernetes-adoption.ts";
import { paths } from "./paths.ts";
import { placement } from "./placement.ts";
import { portClash } from "./port-clash.ts";
import { references } from "./references.ts";
import { regexes } from "./regex.ts";
import { routeActions } from "./route-actions.ts";
import { shadowing } from "./shadowing.ts";
import { timeouts } from "./timeouts.ts";
import { unreachableAuthorization } from "./unreachable-authorization.ts";
import { weights } from "./weights.ts";

export const checks = [
  references, duplicates, weights, routeActions, paths, headers, headerRuleValues, ciphers, hostnames, regexes, authorizationRules,
  unreachableAuthorization, shadowing, gatewayPrecedence, portClash, timeouts, kubernetesAdoption, placement,
] as const satisfies readonly Check[];
