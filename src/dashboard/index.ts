/**
 * The usage dashboard (`graphql-quota/dashboard`): a Node HTTP handler serving a partner view (a client's own
 * limits, usage and refusals) and an operator view (every client, refusal rate, store health, the kill
 * switch), with its assets (uPlot) shipped in the package. See docs/dashboard.md.
 */
export {
  createDashboardHandler,
  dashboardAssets,
  MAX_BLOCK_MINUTES,
  MAX_DASHBOARD_HOURS,
} from './handler.js';
export type { DashboardHandler } from './handler.js';
export {
  DEFAULT_DASHBOARD_PATH,
  DEFAULT_DASHBOARD_REFRESH_MS,
  DEFAULT_NEAR_LIMIT_RATIO,
  MIN_OPERATOR_TOKEN_LENGTH,
} from './options.js';
export type { DashboardOptions, DashboardQuota } from './options.js';
export { escapeHtml } from './page.js';
export { OPERATOR_CLIENTS } from './views.js';
export type {
  ClientRow,
  LimitSeries,
  LimitView,
  OperatorView,
  PartnerView,
  Totals,
  UsageSeries,
  ViewRange,
} from './views.js';
