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
const PARSE = 'headers on parse and validation errors: the server answers, the quota adds nothing';

export const EXCEPTIONS: readonly ConformanceException[] = [
  {
    servers: ['yoga'],
    scenario: PARSE,
    step: 'parse error, json',
    observed: [200, {}],
    reason: YOGA_JSON_200,
  },
  {
    servers: ['yoga'],
    scenario: PARSE,
    step: 'validation error, json',
    observed: [200, {}],
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
];
