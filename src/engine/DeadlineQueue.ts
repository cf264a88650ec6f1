/**
 * `setImmediate` as it was when this module loaded. The engine uses it to order event-loop phases (see
 * {@link DeadlineQueue}), not to measure time, so test fake timers, which replace the global later, must not
 * hold it back.
 */
const checkPhase = setImmediate;

export interface Deadline {
  readonly atMs: number;
  /** Null once the store answered (or the deadline fired): the entry is then skipped. */
  expire: (() => void) | null;
}

/**
 * The deadlines of an engine's store calls on one timer, not a timer per call (a setTimeout, its clearTimeout
 * and a Promise.race per call were a fifth of the plugin's CPU). Every call waits the same `timeoutMs`, so
 * calls expire in the order they were made: a FIFO whose head arms the timer. Time is `performance.now()`
 * (monotonic, and moved by test fake timers like `setTimeout`).
 */
export class DeadlineQueue {
  readonly #timeoutMs: number;
  #entries: Deadline[] = [];
  #head = 0;
  #live = 0;
  #timer: NodeJS.Timeout | null = null;

  constructor(timeoutMs: number) {
    this.#timeoutMs = timeoutMs;
  }

  add(expire: () => void): Deadline {
    const entry: Deadline = { atMs: performance.now() + this.#timeoutMs, expire };
    this.#entries.push(entry);
    this.#live++;
    this.#timer ??= setTimeout(this.#sweep, this.#timeoutMs);
    return entry;
  }

  cancel(entry: Deadline): void {
    if (entry.expire === null) return;
    entry.expire = null;
    // Nothing left to watch: drop the timer, so an idle engine holds no timer (and no process open).
    if (--this.#live === 0) this.#reset();
  }

  #reset(): void {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    this.#entries = [];
    this.#head = 0;
  }

  readonly #sweep = (): void => {
    this.#timer = null;
    const nowMs = performance.now();
    const entries = this.#entries;
    while (this.#head < entries.length) {
      const entry = entries[this.#head]!;
      if (entry.expire !== null && entry.atMs > nowMs) break;
      this.#head++;
      const expire = entry.expire;
      if (expire === null) continue;
      entry.expire = null;
      this.#live--;
      // Timers run before I/O in each turn of the event loop: on a loop running late, an answer already
      // received would lose to the deadline and a decision the store committed would be dropped (and decided
      // again by the failure mode). Expiring in the check phase lets received answers be read first.
      checkPhase(expire);
    }
    if (this.#live === 0) {
      this.#reset();
      return;
    }
    if (this.#head > 1024 && this.#head * 2 > entries.length) {
      this.#entries = entries.slice(this.#head);
      this.#head = 0;
    }
    const next = this.#entries[this.#head]!;
    this.#timer = setTimeout(this.#sweep, Math.max(0, Math.ceil(next.atMs - nowMs)));
  };
}
