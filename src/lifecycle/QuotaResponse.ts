import {
  exposeHeadersValue,
  mergeDecisions,
  mergeHeaderValue,
  quotaHeaders,
  type HeaderField,
} from '../http/index.js';
import type { Decision } from '../quota/index.js';
import { exposedFor, policyFor, type ClientHeaderState } from './headerCache.js';

/** Response headers as servers expose them: Apollo's `HeaderMap` and the Fetch API's `Headers` fit as they are. */
export interface ResponseHeaders {
  get(name: string): string | null | undefined;
  set(name: string, value: string): void;
}

/**
 * The quota's part of one HTTP response, shared by every operation of a batched request (one response
 * head): their decisions merged into one set of header fields, and the status their refusals call for.
 * Create one per HTTP response with `QuotaLifecycle.startResponse()`.
 */
export interface QuotaResponse {
  /**
   * The HTTP status the quota calls for: the largest status of the refusals of this response's operations
   * (503 over 500 over 429 over 403 over 400) when every operation it decided was refused; 200 when some
   * were refused and others admitted (a partly refused batch: what ran must not look failed, or a client
   * that retries on 429 would run it twice; each refused operation's own result carries its error, code and
   * `extensions.quota.retryAfterSeconds`); null when none was refused (the server's status stands).
   * Refusals a dry run lets through do not count.
   */
  readonly status: number | null;
  /**
   * The quota header fields for the merged decisions of this response's operations, lower-case names in a
   * stable order (`x-rate-limit-*`, `ratelimit-policy`, `ratelimit`, `retry-after`); empty when no
   * operation reached a decision with usage to report. First, `x-rate-limit-anonymous: unknown-api-key` when
   * the client presented an API key `identify` does not know and was served as anonymous.
   */
  headers(): readonly HeaderField[];
  /**
   * The `Access-Control-Expose-Headers` value listing {@link headers}, merged with `existing` (the value
   * already on the response, if any); null when there is nothing to set (no quota header, or the
   * `exposeHeaders` option is off).
   */
  exposeHeaders(existing?: string | null): string | null;
  /**
   * Sets {@link headers} on the response, each merged with a value already there (`mergeHeaderValue`: the
   * application's own `RateLimit` / `RateLimit-Policy` members kept, the later `Retry-After`), and
   * `Access-Control-Expose-Headers` as {@link exposeHeaders} gives it (merged too). Leaves every other
   * header alone.
   */
  writeHeaders(target: ResponseHeaders): void;
}

/** The implementation; operations record their decisions through {@link record}. */
export class ResponseQuota implements QuotaResponse {
  readonly #exposeHeaders: boolean;
  /** The header state of the client of the first decision (a response has one client but for odd batches). */
  readonly #clientOf: (key: string) => ClientHeaderState;
  #client: ClientHeaderState | null = null;
  /**
   * The decisions folded into one as they arrive (`mergeDecisions` is associative), so a batch of n
   * operations costs O(n), not O(n²): re-merging every decision at each of them let one request of 3,000
   * trivial operations hold a server for 20 s.
   */
  #merged: Decision | null = null;
  /** The header fields of `#merged`, until the next decision arrives. */
  #fields: HeaderField[] | null = null;
  #status: number | null = null;
  /** Operations of this response admitted (they run). */
  #admitted = 0;
  /** Why its client was served as anonymous though it presented a credential; null when it was not. */
  #anonymous: string | null = null;

  constructor(exposeHeaders: boolean, clientOf: (key: string) => ClientHeaderState) {
    this.#exposeHeaders = exposeHeaders;
    this.#clientOf = clientOf;
  }

  get status(): number | null {
    return this.#status !== null && this.#admitted > 0 ? 200 : this.#status;
  }

  /** Records that the client was served as anonymous for `reason` (sent as `X-Rate-Limit-Anonymous`). */
  servedAnonymous(reason: string): void {
    this.#anonymous = reason;
    this.#fields = null;
  }

  /** Adds an admitted operation (one that runs). */
  admitted(): void {
    this.#admitted++;
  }

  /** Adds an operation's decision, taken for the client under store key `clientKey`. */
  record(decision: Decision, clientKey: string): void {
    this.#client ??= this.#clientOf(clientKey);
    this.#merged = this.#merged === null ? decision : mergeDecisions([this.#merged, decision]);
    this.#fields = null;
  }

  /** Adds an enforced refusal's status. */
  refused(status: number): void {
    if (this.#status === null || status > this.#status) this.#status = status;
  }

  headers(): readonly HeaderField[] {
    const merged = this.#merged;
    if (merged === null) return [];
    const client = this.#client!;
    if (this.#fields === null) {
      const fields = quotaHeaders(merged, client.options, policyFor(client, merged.limits));
      this.#fields =
        this.#anonymous === null ? fields : [['x-rate-limit-anonymous', this.#anonymous], ...fields];
    }
    return this.#fields;
  }

  exposeHeaders(existing?: string | null): string | null {
    if (!this.#exposeHeaders) return null;
    const fields = this.headers();
    if (fields.length === 0) return null;
    return existing === undefined || existing === null
      ? exposedFor(this.#client!, fields)
      : exposeHeadersValue(fields, existing);
  }

  writeHeaders(target: ResponseHeaders): void {
    const fields = this.headers();
    if (fields.length === 0) return;
    // Merged with what is there (the application's own RateLimit policies, a longer Retry-After): never replaced.
    for (const [name, value] of fields) target.set(name, mergeHeaderValue(name, value, target.get(name)));
    const exposed = this.exposeHeaders(target.get('access-control-expose-headers'));
    if (exposed !== null) target.set('access-control-expose-headers', exposed);
  }
}
