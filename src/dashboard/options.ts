import type { IncomingMessage } from 'node:http';
import { invalidOption } from '../quota/index.js';
import type { InstanceActivity, UsageHistoryReader } from '../history/index.js';
import { DEFAULT_API_KEY_HEADER, type QuotaLifecycle } from '../lifecycle/index.js';

/**
 * What the dashboard needs of the quota: the lifecycle (`createQuotaLifecycle`) or an adapter that carries
 * these members (`quotaPlugin` from `graphql-quota/apollo`).
 */
export type DashboardQuota<TContext = unknown> = Pick<
  QuotaLifecycle<TContext>,
  | 'engine'
  | 'mode'
  | 'identifyRequest'
  | 'readClientQuota'
  | 'block'
  | 'unblock'
  | 'blockAnonymous'
  | 'unblockAnonymous'
  | 'blockEveryone'
  | 'unblockEveryone'
>;

//#region Options
/** Options of {@link createDashboardHandler}. */
export interface DashboardOptions<TContext = unknown> {
  /** The quota whose clients the page shows and whose kill switch it works. */
  readonly quota: DashboardQuota<TContext>;
  /** Where the usage history is read (`MemoryUsageHistory`, fed by `usageHistoryObserver`). */
  readonly history: UsageHistoryReader;
  /** This instance's store calls, fallback use and kill-switch orders; without it the operator view has none. */
  readonly activity?: InstanceActivity;
  /**
   * The operator token: a request bearing it (`Authorization: Bearer <token>`) sees every client and works the
   * kill switch. At least 16 characters (a `QuotaValidationError` otherwise). Absent: no operator view (its
   * routes answer 404).
   */
  readonly operatorToken?: string;
  /** The path the handler is mounted at (it serves it and below). Default `'/dashboard'`. */
  readonly basePath?: string;
  /**
   * The header the page sends the partner's API key in: the one the lifecycle's `identify` reads. Default
   * `DEFAULT_API_KEY_HEADER` (`x-api-key`).
   */
  readonly apiKeyHeader?: string;
  /**
   * The `context` the lifecycle's `identify` and `planFor` receive for a dashboard request, as the server
   * builds it for an API request. Default: `{}`.
   */
  readonly context?: (request: IncomingMessage) => TContext | Promise<TContext>;
  /** How often the page polls for fresh numbers, in milliseconds. Default 5,000. */
  readonly refreshMs?: number;
  /** A limit used at this fraction or more is "near its limit" (the warning, the operator's list). Default 0.8. */
  readonly nearLimitRatio?: number;
  /** The clock, Unix epoch milliseconds. Default `Date.now`. */
  readonly clock?: () => number;
}
//#endregion

export const DEFAULT_DASHBOARD_PATH = '/dashboard';
export const DEFAULT_DASHBOARD_REFRESH_MS = 5_000;
export const DEFAULT_NEAR_LIMIT_RATIO = 0.8;
/** The shortest operator token accepted. */
export const MIN_OPERATOR_TOKEN_LENGTH = 16;

export interface DashboardConfig<TContext> {
  readonly quota: DashboardQuota<TContext>;
  readonly history: UsageHistoryReader;
  readonly activity: InstanceActivity | null;
  readonly operatorToken: string | null;
  readonly basePath: string;
  readonly apiKeyHeader: string;
  readonly context: (request: IncomingMessage) => TContext | Promise<TContext>;
  readonly refreshMs: number;
  readonly nearLimitRatio: number;
  readonly clock: () => number;
}

const OWNER = 'createDashboardHandler';

export function resolveDashboardOptions<TContext>(
  options: DashboardOptions<TContext>,
): DashboardConfig<TContext> {
  if (typeof options !== 'object' || options === null) invalidOption(OWNER, 'options must be an object');
  if (typeof options.quota?.identifyRequest !== 'function')
    invalidOption(OWNER, 'quota must be the quota lifecycle (or an adapter carrying identifyRequest)');
  if (typeof options.history?.clientHistory !== 'function')
    invalidOption(OWNER, 'history must be a usage history');
  const token = options.operatorToken;
  if (token !== undefined && (typeof token !== 'string' || token.length < MIN_OPERATOR_TOKEN_LENGTH))
    invalidOption(
      OWNER,
      `operatorToken must be a string of at least ${MIN_OPERATOR_TOKEN_LENGTH} characters`,
    );
  const basePath = (options.basePath ?? DEFAULT_DASHBOARD_PATH).replace(/\/+$/, '');
  if (!/^(\/[A-Za-z0-9._~-]+)+$/.test(basePath))
    invalidOption(OWNER, 'basePath must be an absolute path of plain segments, such as "/dashboard"');
  const refreshMs = options.refreshMs ?? DEFAULT_DASHBOARD_REFRESH_MS;
  if (!Number.isSafeInteger(refreshMs) || refreshMs < 500)
    invalidOption(OWNER, 'refreshMs must be an integer of at least 500');
  const nearLimitRatio = options.nearLimitRatio ?? DEFAULT_NEAR_LIMIT_RATIO;
  if (!(nearLimitRatio > 0 && nearLimitRatio <= 1)) invalidOption(OWNER, 'nearLimitRatio must be in (0, 1]');
  const apiKeyHeader = (options.apiKeyHeader ?? DEFAULT_API_KEY_HEADER).toLowerCase();
  if (!/^[a-z0-9-]+$/.test(apiKeyHeader)) invalidOption(OWNER, 'apiKeyHeader must be a header name');
  return {
    quota: options.quota,
    history: options.history,
    activity: options.activity ?? null,
    operatorToken: token ?? null,
    basePath,
    apiKeyHeader,
    context: options.context ?? (() => ({}) as TContext),
    refreshMs,
    nearLimitRatio,
    clock: options.clock ?? Date.now,
  };
}
