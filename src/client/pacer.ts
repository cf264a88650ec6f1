/**
 * The client's model of its quota, from the last responses: per limit what is left and when more comes, so
 * that a request that would be refused waits instead of being sent. Pure over an injected clock.
 */
import type { QuotaLimit, QuotaState } from './types.js';

/** A limit as last described, brought forward in time by the client. */
interface Model extends Omit<QuotaLimit, 'remaining' | 'resetAtMs'> {
  remaining: number;
  resetAtMs: number | null;
  /**
   * What is left once `resetAtMs` passes: the whole limit after a success (the window resets, the bucket is
   * full), but only the refused operation's units after a refusal by this limit, whose effective window
   * (`t`) is then the time a retry can succeed, not the time the bucket is full.
   */
  fill: number | null;
  /** When `remaining` was last brought up to date, epoch ms. */
  at: number;
  /** The last {@link SHARE_SAMPLES} estimates of how many clients spend this limit (1: this one alone). */
  est: number[];
}

/** How many estimates of the sharers of a limit the pacer keeps; it paces by the largest. */
const SHARE_SAMPLES = 8;

/** What to do before sending: go now (0), wait that many ms, or wait for a response or a free slot (-1). */
export type Gate = number;

/** Units one request needs from a limit: 1 of a request count, the cost of a cost count, none of concurrency. */
function needOf(unit: string, cost: number): number {
  return unit === 'requests' ? 1 : unit === 'concurrent-requests' || unit === 'content-bytes' ? 0 : cost;
}

/**
 * The pacing state of one `quotaFetch`: a closure returning its functions as a tuple, so that both its
 * private state and its members' names minify.
 */
export type Pacer = [
  /**
   * How long a request of `cost` must wait at `now`: the longest wait over every limit that has not enough
   * left (keeping the reserve for the other sharers, see `observe`), the `Retry-After` in force, or -1 to
   * wait for a response (no state known yet while a request is in flight, or no slot free). A cost over a
   * limit's whole capacity does not wait: no wait would help, and the server answers it with an error that
   * says so.
   */
  gate: (cost: number, now: number, maxConcurrency: number) => [waitMs: Gate, limit: string | null],
  /** Takes a request's units from every limit as it is sent; returns its sequence number. */
  send: (cost: number) => number,
  /** A request ended (answered or failed). */
  done: (cost: number) => void,
  /**
   * Feeds a response's state, read after its request left the in-flight count: what the server says is
   * left, less what other requests in flight will take. A response to a request `seq` sent before the one
   * that last updated the model can only lower it (it was decided earlier, so it knows less). `cost` is the
   * request's estimated cost; `refused` gives, per limit, the units of the operation it refused (null when
   * it did not).
   *
   * The answer to a request sent alone (none other in flight, none sent since the last answer) also says
   * how many clients share a limit: the model brought forward to now (this
   * client's own spending taken, the refill at `restorePerSecond` added up to the limit, or the window
   * reset) is what would be left if nobody else spent; what the response says is left falls short of it by
   * the other clients' spending. That shortfall counted in requests like this one, plus this client and
   * rounded to a whole client, estimates the sharers; `gate` keeps, per limit, a reserve of the largest of
   * the last {@link SHARE_SAMPLES} estimates less one, times the request's units: what the other sharers may
   * spend, one such request each, while this one is on its way. A refusal charged nothing and gives no
   * estimate.
   */
  observe: (
    state: QuotaState,
    seq: number,
    cost: number,
    now: number,
    refused: (limit: string) => number | null,
  ) => void,
  /** Nothing is sent before this time (epoch ms): the last `Retry-After`. */
  blockedUntil: () => number,
  /** Requests sent and not yet answered. */
  inflight: () => number,
];

export function createPacer(): Pacer {
  const models = new Map<string, Model>();
  let inflightCost = 0;
  /** The highest send sequence number whose response updated the models. */
  let observedSeq = -1;
  let seq = 0;
  /** Own concurrency cap from a `concurrent-requests` policy. */
  let slots = Infinity;
  /** The model was never fed a response: one request goes first and the rest wait for its answer. */
  let known = false;

  /** Brings a model forward to `now`: a bucket refills at its restore rate; a window ends at its reset. */
  const forward = (m: Model, now: number): void => {
    if (m.restorePerSecond !== null) {
      m.remaining = Math.min(m.limit ?? Infinity, m.remaining + ((now - m.at) * m.restorePerSecond) / 1000);
    } else if (m.resetAtMs !== null && now >= m.resetAtMs) {
      m.remaining = m.fill ?? m.limit ?? Infinity;
      m.fill = m.limit;
      // The next window ends a window later, when its length is known.
      m.resetAtMs = m.windowSeconds === null ? null : m.resetAtMs + m.windowSeconds * 1000;
    }
    m.at = now;
  };

  let blockedUntilMs = 0;
  let inflight = 0;
  return [
    (cost, now, maxConcurrency) => {
      if (inflight >= Math.min(maxConcurrency, slots) || (!known && inflight > 0)) return [-1, null];
      let waitMs = Math.max(0, blockedUntilMs - now);
      let limit: string | null = null;
      for (const [name, m] of models) {
        forward(m, now);
        let need = needOf(m.unit, cost);
        if (need === 0 || (m.limit !== null && need > m.limit)) continue;
        // The reserve for the other sharers, never more than the limit leaves.
        need = Math.min(need * Math.max(...m.est), m.limit ?? Infinity);
        if (m.remaining >= need) continue;
        const wait =
          m.restorePerSecond !== null
            ? Math.ceil(((need - m.remaining) * 1000) / m.restorePerSecond)
            : m.resetAtMs !== null
              ? m.resetAtMs - now
              : inflight > 0
                ? -1
                : 0;
        if (wait === -1 && waitMs === 0) return [-1, name];
        if (wait > waitMs) [waitMs, limit] = [wait, name];
      }
      return [waitMs, limit];
    },

    (cost) => {
      for (const m of models.values()) m.remaining -= needOf(m.unit, cost);
      inflight++;
      inflightCost += cost;
      return seq++;
    },

    (cost) => {
      inflight--;
      inflightCost -= cost;
    },

    (state, sent, cost, now, refused) => {
      const fresh = sent > observedSeq;
      // The only request since the last answer, and none other in flight: its answer shows exactly what
      // this client spent in between (with several in flight, which the server decided first is unknown).
      const alone = sent === observedSeq + 1 && !inflight;
      if (fresh) observedSeq = sent;
      known = true;
      // Retry-After, else the longest `retryAfterSeconds` of graphql-quota's refusals.
      const wait =
        state.retryAfterMs ?? Math.max(0, ...state.refusals.map((r) => (r.retryAfterSeconds ?? 0) * 1000));
      blockedUntilMs = Math.max(blockedUntilMs, now + wait);
      for (const l of state.limits) {
        if (l.unit === 'concurrent-requests') {
          if (l.limit !== null) slots = Math.max(1, l.limit);
          continue;
        }
        if (l.remaining === null) continue;
        const seen = models.get(l.name);
        const refusedNeed = refused(l.name);
        const rate = l.restorePerSecond ?? seen?.restorePerSecond ?? null;
        const next: Model = {
          ...l,
          remaining: l.remaining - (l.unit === 'requests' ? inflight : inflightCost),
          fill: refusedNeed === null ? l.limit : needOf(l.unit, refusedNeed),
          at: now,
          // A rate learnt from `extensions.cost` stays when a later response carries headers only.
          restorePerSecond: rate,
          est: seen?.est ?? [1],
        };
        if (seen) {
          forward(seen, now);
          const need = needOf(l.unit, cost);
          if (!fresh) next.remaining = Math.min(next.remaining, seen.remaining);
          // What the others spent since the last response, in requests like this one, plus this client.
          else if (need && alone && refusedNeed === null)
            next.est = [
              ...seen.est,
              Math.max(1, Math.round(1 + (seen.remaining - next.remaining) / need)),
            ].slice(-SHARE_SAMPLES);
        }
        models.set(l.name, next);
      }
    },
    () => blockedUntilMs,
    () => inflight,
  ];
}
