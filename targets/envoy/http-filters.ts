// The HTTP filter chain of a listener, in the order Envoy runs it:
// request model (repeated rule headers, backslash; then several URI SANs) -> jwt_authn (who the token says you are) -> RBAC deny -> RBAC allow -> local rate limit
// -> fault -> router. Authorization runs before the rate limit so requests that would be
// refused anyway do not spend the tokens of permitted callers; the router is always last.
import type { HttpListenerIR, RateLimitIR } from "../../compiler/ir/types.ts";
import { buildTypedConfig, FILTER_NAMES, formatDuration, TYPES, type Json } from "./format.ts";
import { buildJwtFilter } from "./jwt.ts";
import { buildRbacFilters } from "./rbac.ts";
import { buildRequestModelFilter, buildSingleIdentityFilter, needsSingleIdentityFilter } from "./request-model.ts";
import type { SharedSubtrees } from "./shared.ts";
import { usesFaultInjection } from "./routes.ts";

const ALWAYS = { numerator: 100, denominator: "HUNDRED" };

/** A token bucket: `requests` per window steadily, `burst` more on top. */
export function buildTokenBucket(limit: RateLimitIR): Json {
  return { max_tokens: limit.requests + limit.burst, tokens_per_fill: limit.requests, fill_interval: formatDuration(limit.windowMs) };
}

/** Local rate limit is off unless filter_enabled and filter_enforced say 100%. */
function buildRateLimitFilter(limit: RateLimitIR, statPrefix: string): Json {
  return {
    name: FILTER_NAMES.httpRateLimit,
    typed_config: buildTypedConfig(TYPES.httpRateLimit, {
      stat_prefix: `${statPrefix}_ratelimit`,
      token_bucket: buildTokenBucket(limit),
      filter_enabled: { runtime_key: `${statPrefix}_ratelimit_enabled`, default_value: ALWAYS },
      filter_enforced: { runtime_key: `${statPrefix}_ratelimit_enforced`, default_value: ALWAYS },
    }),
  };
}

/**
 * `headers` are the listener's rule-named headers (request-model.ts `ruleHeaderNames`),
 * `headersKey` the same joined: the request model's filter is shared by the listeners with the
 * same headers, and the filters without listener data (single identity, fault, router) by all.
 */
export function buildHttpFilters(shared: SharedSubtrees, listener: HttpListenerIR, headers: readonly string[], headersKey: string): Json[] {
  const filters: Json[] = [shared.of("request-model", headersKey, () => buildRequestModelFilter(headers))];
  if (needsSingleIdentityFilter(listener)) filters.push(shared.of("single-identity", "", buildSingleIdentityFilter));
  if (listener.jwt !== null) filters.push(buildJwtFilter(listener.jwt));
  if (listener.authorization !== null) filters.push(...buildRbacFilters(listener.authorization, "http"));
  if (listener.rateLimit !== null) filters.push(buildRateLimitFilter(listener.rateLimit, listener.name));
  // An empty fault config injects nothing by itself; routes switch it on per route.
  if (usesFaultInjection(listener)) filters.push(shared.of("fault-filter", "", () => ({ name: FILTER_NAMES.fault, typed_config: buildTypedConfig(TYPES.fault, {}) })));
  filters.push(shared.of("router-filter", "", () => ({ name: FILTER_NAMES.router, typed_config: buildTypedConfig(TYPES.router, {}) })));
  return filters;
}
