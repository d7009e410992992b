// The one catalogue of every diagnostic code: the core's and each target's, each in its
// band. test/core/catalogue.test.ts proves codes are unique and inside their bands.
import type { CodeInfo } from "./define.ts";
import { coreCodes } from "./codes.ts";
import { ENVOY_CODES } from "../../targets/envoy/codes.ts";
import { NGINX_CODES } from "../../targets/nginx/codes.ts";
import { haproxyCodes } from "../../targets/haproxy/codes.ts";
import { kubernetesCodes } from "../../targets/kubernetes/codes.ts";
import { certsCodes } from "../../targets/certs/codes.ts";

/** Owner -> its codes, and the numeric ranges it may use. */
export const catalogue: readonly { readonly owner: string; readonly codes: Readonly<Record<string, CodeInfo>>; readonly bands: readonly (readonly [number, number])[] }[] = [
  { owner: "core", codes: coreCodes, bands: [[1000, 1999], [2000, 2999], [3000, 3099], [4000, 4099], [9000, 9999]] },
  { owner: "envoy", codes: ENVOY_CODES, bands: [[3100, 3149], [4100, 4199]] },
  { owner: "nginx", codes: NGINX_CODES, bands: [[3150, 3199], [4200, 4299]] },
  { owner: "haproxy", codes: haproxyCodes, bands: [[3200, 3249], [4300, 4399]] },
  { owner: "kubernetes", codes: kubernetesCodes, bands: [[3250, 3299], [4400, 4499]] },
  { owner: "certs", codes: certsCodes, bands: [[3300, 3349], [4500, 4599]] },
];

export function allCodes(): CodeInfo[] {
  return catalogue.flatMap((c) => Object.values(c.codes)).sort((a, b) => (a.code < b.code ? -1 : 1));
}
