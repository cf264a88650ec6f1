/**
 * Where a server cannot answer as the others do, and why. Each entry names the servers, the scenario and the
 * step, and the observation that server really gives; the suite asserts exactly that observation (so the
 * difference stays known and stays as documented) and fails when it no longer differs from the others.
 * docs/conformance.md lists these exceptions for users.
 */
import type { ServerKind } from '../helpers/serverApp.js';

export interface ConformanceException {
  readonly servers: readonly ServerKind[];
  readonly scenario: string;
  readonly step: string;
  /** What these servers give instead of the expected observation. */
  readonly observed: unknown;
  /** Why they cannot match: the framework's behaviour, with where it is decided. */
  readonly reason: string;
}

const OWN_HEADERS = "the server's own headers: kept, and Access-Control-Expose-Headers merged";
const QUOTA_EXPOSED =
  'x-rate-limit-remaining, x-rate-limit-reset, x-rate-limit-consumed, x-rate-limit-first-in-duration, ratelimit-policy, ratelimit';
const EXPRESS_CORS =
  "Apollo Server's plugin API sees only the GraphQL response's own HeaderMap. Express's `cors` middleware " +
  'wrote `Access-Control-Expose-Headers` on the Node response before Apollo ran, where no plugin can read ' +
  "it, and `expressMiddleware` then sets Apollo's value with `res.setHeader`, which replaces it. On Express, " +
  "list the quota headers in the cors middleware's `exposedHeaders` too (docs/apollo.md), or set the " +
  "server's own exposed headers in an Apollo plugin.";

const YOGA_JSON_200 =
  'GraphQL Yoga follows the GraphQL-over-HTTP spec to the letter: a request that accepts only ' +
  '`application/json` (the legacy media type) gets 200 for a document that does not parse or validate ' +
  '(`use-http-validation-error.js` marks those errors `spec`, and `getResponseInitByRespectingErrors` ' +
  'skips their status for JSON). Apollo Server and Mercurius answer 400. The quota adds no header either way.';
/** The quota headers of an anonymous 1 request/s, burst 5 bucket after `used` requests at the scenarios' T0. */
function rateHeadersAfter(used: number): Record<string, string> {
  const t0 = Date.UTC(2030, 0, 1, 0, 15) / 1000;
  return {
    'x-rate-limit-remaining': `${5 - used}`,
    'x-rate-limit-reset': `${t0 + used}`,
    'x-rate-limit-consumed': `${used}`,
    'x-rate-limit-first-in-duration': 'false',
    'ratelimit-policy': '"rate";q=5;w=5',
    ratelimit: `"rate";r=${5 - used};t=${used}`,
  };
}
const DEFER = 'incremental delivery (@defer): charged once, the slot held until the last part is sent';
const SUBSCRIPTIONS = 'subscriptions: charged at subscribe, the slot held until the subscription ends';
const INVALID = 'invalid requests count: parse, validation and over-maxCost errors carry the quota headers';

const EXPRESS_VARY =
  'Express middleware sets its `Vary` (here `Origin`, as the `cors` middleware does for a reflected origin) ' +
  'on the Node response before Apollo runs, where no Apollo plugin can read it; `expressMiddleware` then ' +
  "sets each header of Apollo's response head with `res.setHeader`, which replaces it with the quota's " +
  "`Vary` (the cost request header). On Express, add the quota's names to your own `Vary` " +
  "(`QuotaResponse.vary()`: `x-quota-cost` with `exposeCost: 'on-request'`, `x-api-key` with " +
  '`identifyByApiKey`), or set your `Vary` in an Apollo plugin, as docs/apollo.md says.';
const APP_HEADERS_SCENARIO =
  "the application's own RateLimit, X-Request-Id, exposed headers, Vary and Cache-Control: kept on";
/** Each step of the application-headers scenarios that reads `Vary`: on Express, the quota's alone. */
const EXPRESS_VARY_EXCEPTIONS: ConformanceException[] = [
  ...[
    'admitted',
    '429 QUOTA_EXCEEDED',
    '400 QUOTA_CAPACITY_EXCEEDED',
    '400 COST_LIMIT_EXCEEDED',
    '403 CLIENT_BLOCKED',
  ].map((step) => ({ scenario: `${APP_HEADERS_SCENARIO} success and on 429, 400 and 403`, step })),
  { scenario: `${APP_HEADERS_SCENARIO} 503 when the store is down`, step: '503 QUOTA_STORE_UNAVAILABLE' },
].map(({ scenario, step }) => ({
  servers: ['apollo-express'],
  scenario,
  step: `${step}: Vary`,
  observed: 'x-quota-cost',
  reason: EXPRESS_VARY,
}));

export const EXCEPTIONS: readonly ConformanceException[] = [
  ...EXPRESS_VARY_EXCEPTIONS,
  {
    servers: ['yoga'],
    scenario: INVALID,
    step: 'parse error, json',
    observed: [200, rateHeadersAfter(4)],
    reason: YOGA_JSON_200,
  },
  {
    servers: ['yoga'],
    scenario: INVALID,
    step: 'validation error, json',
    observed: [200, rateHeadersAfter(5)],
    reason: YOGA_JSON_200,
  },
  {
    servers: ['apollo-express'],
    scenario: OWN_HEADERS,
    step: 'admitted',
    observed: [true, QUOTA_EXPOSED],
    reason: EXPRESS_CORS,
  },
  {
    servers: ['apollo-express'],
    scenario: OWN_HEADERS,
    step: 'refused',
    observed: [429, true, `${QUOTA_EXPOSED}, retry-after`],
    reason: EXPRESS_CORS,
  },
  {
    servers: ['apollo', 'apollo-express'],
    scenario: DEFER,
    step: 'a deferred fragment is served',
    observed: [406, 'application/json', undefined],
    reason:
      'Apollo Server 5 executes @defer and @stream only when graphql 17.0.0-alpha.9 is installed (its ' +
      '`incrementalDeliveryPolyfill` checks that exact version and `experimentalExecuteIncrementally`); ' +
      'graphql-quota supports graphql 16 (16.15.0 here), on which Apollo answers a request that accepts ' +
      'only multipart/mixed with 406 and executes nothing.',
  },
  {
    servers: ['mercurius'],
    scenario: DEFER,
    step: 'a deferred fragment is served',
    observed: [400, 'application/json', undefined],
    reason:
      'Mercurius 16 executes with graphql-js 16, which has no @defer or @stream: the document fails ' +
      'validation (unknown directive) with 400 before the quota sees it.',
  },
  {
    servers: ['apollo', 'apollo-express'],
    scenario: SUBSCRIPTIONS,
    step: 'the subscription runs',
    observed: [
      406,
      {
        errors: [
          {
            message:
              "An 'accept' header was provided for this request which does not accept application/json; charset=utf-8 or application/graphql-response+json; charset=utf-8",
            extensions: { code: 'BAD_REQUEST' },
          },
        ],
      },
    ],
    reason:
      "Apollo Server 5 serves subscriptions over a WebSocket (graphql-ws, outside Apollo's request " +
      'pipeline and its plugins) or HTTP callbacks, not over server-sent events: it answers 406.',
  },
  {
    servers: ['mercurius'],
    scenario: SUBSCRIPTIONS,
    step: 'the subscription runs',
    observed: [
      200,
      {
        data: { ticks: null },
        extensions: {
          cost: {
            requestedQueryCost: 0,
            actualQueryCost: 0,
            throttleStatus: {
              limit: 'hourly',
              maximumAvailable: 100,
              currentlyAvailable: 100,
              restoreRate: null,
              resetAt: '2030-01-01T01:00:00.000Z',
            },
          },
        },
      },
    ],
    reason:
      'Mercurius serves subscriptions over its WebSocket only (`subscription: true`); over HTTP it runs a ' +
      'subscription through `execute`, which resolves the field to null, and the adapter charges and ' +
      'settles it as any operation. Over its WebSocket the adapter charges a subscription at subscribe and ' +
      'holds its slot until it ends (__tests__/mercurius/subscriptions.test.ts, with a real WebSocket client).',
  },
];
