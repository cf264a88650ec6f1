import { createHash } from 'node:crypto';
import { Kind, parse, print, visit } from 'graphql';
import { LRUCache } from 'lru-cache';
import type { DecisionResult, DecisionSource, QuotaObserver, QuotaOperationEvent } from './events.js';
import { invalidOption } from '../quota/index.js';

/**
 * The one method the decision log calls: pino's `logger.info(mergingObject, message)` (also bunyan's, and
 * any logger written to that shape).
 */
export interface DecisionLogger {
  info(record: DecisionLogRecord, message: string): void;
}

/** The message every decision record is written with. */
export const DECISION_LOG_MESSAGE = 'graphql-quota decision';
/** What replaces a redacted value in the opt-in query text and variables. */
export const REDACTED = '[REDACTED]';
/** How many distinct documents' hashes (and redacted texts) the log remembers. */
const DOCUMENT_MEMORY = 1_000;

/**
 * One operation, as the decision log writes it. Minimum necessary data (GDPR/CCPA): no query text and no
 * variables unless {@link DecisionLogOptions.includeQuery} opts in, and then with every variable value and
 * every string literal redacted.
 */
export interface DecisionLogRecord {
  /** When the decision was taken, ISO 8601 (UTC). Not `time`, which pino writes itself. */
  readonly decidedAt: string;
  /** The client id, or null when the operation was refused before its client was known. */
  readonly client: string | null;
  readonly anonymous: boolean | null;
  readonly plan: string | null;
  readonly operationName: string | null;
  readonly operationType: string;
  /** SHA-256 of the operation's text, lower-case hex; null when the server gave no text. */
  readonly documentHash: string | null;
  /** Points; null when the analysis produced no estimate. */
  readonly estimatedCost: number | null;
  /** Points; null when the operation did not execute or its actual cost was not computed. */
  readonly actualCost: number | null;
  readonly result: DecisionResult;
  /** The refusal code, null when allowed. */
  readonly code: string | null;
  /** The HTTP status of the response. */
  readonly status: number;
  /** Milliseconds from the decision to the response. */
  readonly durationMs: number | null;
  /** `store`, `fallback` (this process's in-memory store), `failure-mode` or `none` (no quota decision). */
  readonly source: DecisionSource;
  /** The limit that refused, when one did. */
  readonly refusedBy: string | null;
  /** Opt-in ({@link DecisionLogOptions.includeQuery}): the text, string literals redacted. */
  readonly query?: string | null;
  /** Opt-in: the variables' names, each value replaced by {@link REDACTED}. */
  readonly variables?: Readonly<Record<string, string>> | null;
}

/** Options of {@link decisionLog}. */
export interface DecisionLogOptions {
  /** Where records go: a pino logger (or one with its `info(object, message)` shape). Required. */
  readonly logger: DecisionLogger;
  /**
   * The fraction of allowed operations written, in [0, 1]. Refused operations and 5xx responses are always
   * written. Default 1 (every operation).
   */
  readonly sampleRate?: number;
  /** The random source of sampling, in [0, 1). Default `Math.random`. */
  readonly random?: () => number;
  /**
   * Opt-in: add the operation text, with every string literal replaced by {@link REDACTED}, and the
   * variables' names, each value replaced by {@link REDACTED}. Query text can carry personal data; enable it
   * for diagnostics only. Default `false`.
   */
  readonly includeQuery?: boolean;
  /** The message of every record. Default {@link DECISION_LOG_MESSAGE}. */
  readonly message?: string;
}

/**
 * The decision log: an observer that writes one structured record per operation, when it settles, through a
 * pino-compatible logger. Throws a `QuotaValidationError` (`QUOTA_INVALID_OPTION`) on malformed options.
 *
 * ```ts
 * const observer = decisionLog({ logger: pino(), sampleRate: 0.1 });
 * ```
 */
export function decisionLog(options: DecisionLogOptions): QuotaObserver {
  if (typeof options !== 'object' || options === null || typeof options.logger?.info !== 'function')
    invalidOption('decisionLog', 'logger must have an info(record, message) method');
  const sampleRate = options.sampleRate ?? 1;
  if (typeof sampleRate !== 'number' || !(sampleRate >= 0 && sampleRate <= 1))
    invalidOption('decisionLog', `sampleRate must be a number in [0, 1], got ${String(sampleRate)}`);
  const random = options.random ?? Math.random;
  const includeQuery = options.includeQuery ?? false;
  if (typeof includeQuery !== 'boolean') invalidOption('decisionLog', 'includeQuery must be a boolean');
  const message = options.message ?? DECISION_LOG_MESSAGE;
  const logger = options.logger;
  const hashes = new LRUCache<string, string>({ max: DOCUMENT_MEMORY });
  const redacted = new LRUCache<string, { text: string | null }>({ max: includeQuery ? DOCUMENT_MEMORY : 1 });

  const hashOf = (query: string): string => {
    let hash = hashes.get(query);
    if (hash === undefined) {
      hash = createHash('sha256').update(query).digest('hex');
      hashes.set(query, hash);
    }
    return hash;
  };

  return {
    settled(event) {
      const always = event.result !== 'allowed' || event.status >= 500;
      if (!always && sampleRate < 1 && !(random() < sampleRate)) return;
      logger.info(decisionRecord(event, includeQuery, hashOf, redacted), message);
    },
  };
}

function decisionRecord(
  event: QuotaOperationEvent,
  includeQuery: boolean,
  hashOf: (query: string) => string,
  redacted: LRUCache<string, { text: string | null }>,
): DecisionLogRecord {
  const record: DecisionLogRecord = {
    decidedAt: new Date(event.timeMs).toISOString(),
    client: event.client?.id ?? null,
    anonymous: event.client?.anonymous ?? null,
    plan: event.client?.plan ?? null,
    operationName: event.operationName,
    operationType: event.operationType,
    documentHash: event.documentHash ?? (event.query === null ? null : hashOf(event.query)),
    estimatedCost: event.estimatedCost,
    actualCost: event.actualCost,
    result: event.result,
    code: event.code,
    status: event.status,
    durationMs: event.durationMs,
    source: event.source,
    refusedBy: event.decision?.refusedBy ?? null,
  };
  if (!includeQuery) return record;
  let query: string | null = null;
  if (event.query !== null) {
    let known = redacted.get(event.query);
    if (known === undefined) {
      known = { text: redactQuery(event.query) };
      redacted.set(event.query, known);
    }
    query = known.text;
  }
  const variables =
    event.variables === null
      ? null
      : Object.fromEntries(Object.keys(event.variables).map((name) => [name, REDACTED]));
  return { ...record, query, variables };
}

/**
 * The operation text with every string literal (block strings too) replaced by {@link REDACTED}, printed by
 * graphql-js; null when the text does not parse. Numbers, enums and names are kept: they carry the shape that
 * explains a cost, and variables are never inlined.
 */
export function redactQuery(query: string): string | null {
  try {
    const document = visit(parse(query, { noLocation: true }), {
      StringValue: () => ({ kind: Kind.STRING, value: REDACTED }),
    });
    return print(document);
  } catch {
    return null;
  }
}
