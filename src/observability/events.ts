/**
 * What the request lifecycle and the engine tell observability: plain event objects, no server framework, no
 * telemetry library. Every server adapter emits the same events through the lifecycle, so metrics, the
 * decision log and the alert watcher read one vocabulary whatever the server.
 */
import type { Decision, OperationType } from '../quota/index.js';
import type { StoreCallEvent } from '../engine/index.js';

export type { StoreCallEvent, StoreCallOutcome, StoreMethod } from '../engine/index.js';

/** How a decision ended: admitted, refused, or (in a dry run) admitted although the policy would refuse it. */
export type DecisionResult = 'allowed' | 'refused' | 'dry-run-refused';

/** Where a decision came from: {@link Decision.source}, or `'none'` when no quota decision was taken. */
export type DecisionSource = Decision['source'] | 'none';

/** The client an operation was charged to, as the lifecycle resolved it. */
export interface ObservedClient {
  /** The client id `identify` returned, or the anonymous key. */
  readonly id: string;
  readonly anonymous: boolean;
  /** The name of the client's plan. */
  readonly plan: string;
}

/**
 * One operation, from its decision to its end. The lifecycle passes the same object to
 * {@link QuotaObserver.decided} and then, with `actualCost`, `durationMs` and the final `status` filled in,
 * to {@link QuotaObserver.settled}: one allocation per operation, and one log record.
 */
export interface QuotaOperationEvent {
  /** When the decision was taken, Unix epoch milliseconds. */
  readonly timeMs: number;
  /** Null when the operation was refused before its client was resolved. */
  readonly client: ObservedClient | null;
  readonly operationName: string | null;
  readonly operationType: OperationType;
  /**
   * The operation's source text as the server received it, or null. Read only by the decision log, and only
   * when the operator opted in to logging query text ({@link DecisionLogOptions.includeQuery}) or no
   * `documentHash` is given (the log then hashes it).
   */
  readonly query: string | null;
  /** The SHA-256 of `query` in lower-case hex (Apollo Server's `queryHash`), when the server has one. */
  readonly documentHash: string | null;
  /** The operation's variables, or null. Only the opt-in query log reads them, to name and redact them. */
  readonly variables: Readonly<Record<string, unknown>> | null;
  /** The estimated cost in points (IBM/Apollo `cost.estimated`); null when the analysis produced none. */
  readonly estimatedCost: number | null;
  readonly result: DecisionResult;
  /** The refusal code (`QUOTA_EXCEEDED`, `COST_LIMIT_EXCEEDED`...); null when allowed. */
  readonly code: string | null;
  /** The HTTP status sent (or, in a dry run, the one a refusal would have sent). Updated at settlement. */
  status: number;
  /** Which store answered, the fallback, the failure mode; `'none'` when no quota decision was taken. */
  readonly source: DecisionSource;
  /** The quota decision, when one was taken. */
  readonly decision: Decision | null;
  /** The actual cost in points (`cost.actual`), once known at settlement; null when not computed. */
  actualCost: number | null;
  /** Milliseconds from the decision to the end of the response, once settled; null before. */
  durationMs: number | null;
}

/** An operation took a limit's usage across a usage threshold (the lifecycle's `onThreshold`). */
export interface ThresholdEvent {
  readonly client: ObservedClient;
  /** The limit's name. */
  readonly limit: string;
  /** The threshold crossed, a fraction of the limit (0.8 for 80 %). */
  readonly threshold: number;
}

/** Whom a kill-switch order applies to. */
export type KillSwitchScope = 'client' | 'anonymous' | 'everyone';

/** An operator blocked or unblocked a client, an anonymous key, or everyone. */
export interface KillSwitchEvent {
  readonly action: 'block' | 'unblock';
  readonly scope: KillSwitchScope;
  /** For `block`: how long, in milliseconds; null for `unblock`. */
  readonly durationMs: number | null;
  /** When the order was given, Unix epoch milliseconds. */
  readonly timeMs: number;
  /** False when the store could not record it (the engine logged why). */
  readonly recorded: boolean;
}

/**
 * Receives observability events. Every member is optional; each is called synchronously on the request path,
 * so it must be cheap and must not throw (the emitter guards with {@link combineObservers}).
 */
export interface QuotaObserver {
  /** Once per operation, when its decision (or a refusal before any decision) is known. */
  readonly decided?: (event: QuotaOperationEvent) => void;
  /** Once per operation that was `decided`, when its response is sent. */
  readonly settled?: (event: QuotaOperationEvent) => void;
  /** After every call from the engine to its store. */
  readonly storeCall?: (event: StoreCallEvent) => void;
  /** When an operation takes a limit across a usage threshold. */
  readonly thresholdCrossed?: (event: ThresholdEvent) => void;
  /** When the kill switch changes. */
  readonly killSwitch?: (event: KillSwitchEvent) => void;
}

const EVENT_NAMES = ['decided', 'settled', 'storeCall', 'thresholdCrossed', 'killSwitch'] as const;

/**
 * One observer that forwards every event to each of `observers`, in order. An observer that throws does not
 * stop the others nor the request: the error goes to `onError` (default: ignored).
 */
export function combineObservers(
  observers: readonly QuotaObserver[],
  onError: (error: unknown) => void = () => undefined,
): QuotaObserver {
  const combined: Record<string, (event: never) => void> = {};
  for (const name of EVENT_NAMES) {
    const handlers = observers.map((o) => o[name]).filter((h) => h !== undefined) as ((e: never) => void)[];
    if (handlers.length === 0) continue;
    combined[name] = (event: never) => {
      for (const handler of handlers) {
        try {
          handler(event);
        } catch (error) {
          onError(error);
        }
      }
    };
  }
  return combined;
}
