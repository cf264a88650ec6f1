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
   * The request header names (lower case) the quota's part of this response depends on, for `Vary`: the
   * `costRequestHeader` when `exposeCost` is `'on-request'` (it decides `extensions.cost`), and every header
   * `identify`, `planFor` or `anonymousKey` read (an API key header decides whose quota the headers show,
   * and the status). Empty when there is none.
   */
  vary(): readonly string[];
  /**
   * Sets {@link headers} on the response, each merged with a value already there (`mergeHeaderValue`: the
   * application's own `RateLimit` / `RateLimit-Policy` members kept, the later `Retry-After`),
   * `Access-Control-Expose-Headers` as {@link exposeHeaders} gives it, `Vary` with {@link vary} appended,
   * and, when an operation of this response was refused (a quota or cost refusal, also in a partly refused
   * batch), `Cache-Control: no-store` appended to the application's directives: a refusal says when to retry
   * and must not be served again from a cache (RFC 6585 §4 forbids storing a 429). Every header is merged,
   * never replaced; every other header is left alone.
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
  /** The request headers the response depends on (see {@link vary}); shared until one is added. */
  #vary: readonly string[];
  #varyOwned = false;

  /**
   * @param vary The request headers every response of the lifecycle depends on (the cost request header
   *   with `exposeCost: 'on-request'`); not copied.
   */
  constructor(
    exposeHeaders: boolean,
    clientOf: (key: string) => ClientHeaderState,
    vary: readonly string[] = [],
  ) {
    this.#exposeHeaders = exposeHeaders;
    this.#clientOf = clientOf;
    this.#vary = vary;
  }

  vary(): readonly string[] {
    return this.#vary;
  }

  /** Adds request header names (lower case) the response depends on: those its client's identification read. */
  varyBy(names: readonly string[]): void {
    for (const name of names) {
      if (this.#vary.includes(name)) continue;
      if (!this.#varyOwned) {
        this.#vary = [...this.#vary];
        this.#varyOwned = true;
      }
      (this.#vary as string[]).push(name);
    }
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
    // Merged with what is there (the application's own RateLimit policies, a longer Retry-After, its Vary and
    // Cache-Control): never replaced.
    const merge = (name: string, value: string) =>
      target.set(name, mergeHeaderValue(name, value, target.get(name)));
    for (const [name, value] of fields) merge(name, value);
    if (this.#vary.length > 0) merge('vary', this.#vary.join(', '));
    if (this.#status !== null) merge('cache-control', 'no-store');
    if (fields.length === 0) return;
    const exposed = this.exposeHeaders(target.get('access-control-expose-headers'));
    if (exposed !== null) target.set('access-control-expose-headers', exposed);
  }
}
