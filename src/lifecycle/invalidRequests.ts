import { QuotaValidationError, type Limit, type Plan } from '../quota/index.js';
import type { ResolvedClient } from './clients.js';
import type { Lifecycle } from './QuotaLifecycle.js';
import type { ResponseQuota } from './QuotaResponse.js';
import {
  QUOTA_REFUSAL_STATUS,
  UNKNOWN_API_KEY_MESSAGE,
  UNKNOWN_API_KEY_REASON,
  decisionRefusal,
  type QuotaRefusal,
} from './refusals.js';

/**
 * A root field name no GraphQL operation can select (`#` is not a name character): a limit scoped to it
 * applies to nothing. Used to leave a plan's limits out of an invalid request's decision while keeping their
 * names and stored state, so that the decision reports every limit of the plan as it stands.
 */
const NO_FIELD = '#invalid-request';

/** Whether an invalid request counts against `limit`: an unscoped window or bucket that counts requests. */
function countsInvalidRequests(limit: Limit): boolean {
  return (
    limit.kind !== 'concurrency' &&
    (limit.counts ?? (limit.kind === 'token-bucket' ? 'requests' : 'cost')) === 'requests' &&
    limit.operations === undefined &&
    limit.operationNames === undefined &&
    limit.rootFields === undefined
  );
}

const invalidPlans = new WeakMap<Plan, Plan>();

/**
 * The plan an invalid request is decided on: the client's plan, its limits under the same names (so the same
 * stored state), each limit that does not count invalid requests scoped to {@link NO_FIELD} so that it does
 * not apply, and no `exempt` rules (an invalid request is no operation a rule could name). Cached per plan.
 */
export function invalidRequestPlan(plan: Plan): Plan {
  let derived = invalidPlans.get(plan);
  if (derived === undefined) {
    derived = {
      name: plan.name,
      limits: plan.limits.map((limit) =>
        countsInvalidRequests(limit) ? limit : { ...limit, rootFields: [NO_FIELD] },
      ),
    };
    invalidPlans.set(plan, derived);
  }
  return derived;
}

/**
 * Counts a request refused before admission (see the `countInvalidRequests` option) for `client`: one
 * request against each unscoped request-counting limit, recorded on `response` for its headers. Resolves to
 * the quota's refusal when such a limit has nothing left (or the client is blocked) and the mode enforces it:
 * the request is then answered with it instead of the server's own error. Null otherwise, including when the
 * store failed (the server's error stands: the request is invalid whatever the quota). Never charges cost
 * or takes a concurrency slot, so there is nothing to settle.
 */
export async function chargeInvalidRequest<TContext>(
  lifecycle: Lifecycle<TContext>,
  client: ResolvedClient,
  response: ResponseQuota,
  operationName: string | null,
  /**
   * True for an operation the cost analysis refused (QuotaOperation): the count's refusal, when it stands,
   * is then the operation's one refusal and is counted in the usage history as such (the count's decision
   * records nothing). False for a request that did not parse or validate: no operation, nothing recorded.
   */
  operation = false,
): Promise<QuotaRefusal | null> {
  response.varyBy(client.vary);
  if (client.unknownApiKey === true) {
    const refusal = unknownApiKeyRefusal(lifecycle, client, response, operationName);
    if (refusal !== null) return refusal;
  }
  let decision;
  try {
    decision = await lifecycle.engine.decide({
      client: client.key,
      plan: invalidRequestPlan(client.plan),
      cost: 0,
      operation: 'query',
      operationName,
      rootFields: [],
      timeoutMs: lifecycle.engine.timeoutMs,
      // Not an operation in the usage history: its cost refusal, if any, is counted there (see `rejected`).
      record: false,
    });
  } catch (error) {
    if (!(error instanceof QuotaValidationError)) throw error;
    lifecycle.logger.error(`graphql-quota: an invalid request could not be counted: ${error.message}`);
    return null;
  }
  if (decision.source === 'failure-mode') return null;
  response.record(decision, client.key);
  lifecycle.decided(client, operationName, 'query', 0, decision);
  if (decision.allowed || (decision.reason !== 'limit' && decision.reason !== 'blocked')) return null;
  const { code, status, details, message } = decisionRefusal(client.plan.name, 0, decision);
  const enforced = !lifecycle.config.dryRun || code === 'CLIENT_BLOCKED';
  lifecycle.rejected(
    { client: client.public, code, status, cost: 0, decision },
    operationName,
    enforced,
    message,
    !operation,
  );
  if (!enforced) return null;
  response.refused(status);
  const extensions = { quota: details, code };
  return { allowed: false, status, code, message, headers: response.headers(), extensions, cause: null };
}

/**
 * For a request whose API key `identify` does not know (`client.unknownApiKey`): with the `unknownApiKey`
 * option `'refuse'`, the 401 `UNKNOWN_API_KEY` refusal (logged and told to `onRejection`; a dry run only
 * logs it); otherwise null, the request served on the anonymous plan, and `response` told so (its
 * `X-Rate-Limit-Anonymous: unknown-api-key`).
 */
export function unknownApiKeyRefusal<TContext>(
  lifecycle: Lifecycle<TContext>,
  client: ResolvedClient,
  response: ResponseQuota,
  operationName: string | null,
): QuotaRefusal | null {
  if (lifecycle.config.unknownApiKey === 'refuse') {
    const code = 'UNKNOWN_API_KEY';
    const status = QUOTA_REFUSAL_STATUS[code];
    const enforced = !lifecycle.config.dryRun;
    const event = { client: client.public, code, status, cost: null, decision: null };
    lifecycle.rejected(event, operationName, enforced, UNKNOWN_API_KEY_MESSAGE);
    if (enforced) {
      response.refused(status);
      const extensions = { code };
      return {
        allowed: false,
        status,
        code,
        message: UNKNOWN_API_KEY_MESSAGE,
        headers: [],
        extensions,
        cause: null,
      };
    }
  }
  response.servedAnonymous(UNKNOWN_API_KEY_REASON);
  return null;
}
