import { LRUCache } from 'lru-cache';
import {
  exposeHeadersValue,
  partitionKey,
  rateLimitPolicyValue,
  type HeaderField,
  type QuotaHeaderOptions,
} from '../http/index.js';
import type { LimitStatus } from '../quota/index.js';

/** Clients whose `pk` and `RateLimit-Policy` value are remembered (least recently used dropped first). */
export const DEFAULT_HEADER_CACHE_CLIENTS = 10_000;

/** What a client's response headers need that does not change between its requests. */
export interface ClientHeaderState {
  /** The header options with this client's `pk` (null when `partitionKeySecret` is false). */
  readonly options: QuotaHeaderOptions;
  /** The limits `policy` was serialised from; only their static fields (name, kind, unit, size) count. */
  policyLimits: readonly LimitStatus[] | null;
  policy: string | null;
  /** The header names `exposed` was built from, when no `Access-Control-Expose-Headers` was set before. */
  exposedNames: readonly string[] | null;
  exposed: string | null;
}

/**
 * Per client: its `pk` and its `RateLimit-Policy` value. Both were recomputed for every response (an
 * HMAC-SHA-256 and a Structured Field List), a third of the plugin's CPU on a small query, though the `pk`
 * depends only on the client key and the policy only on the plan's limits.
 */
export class HeaderCache {
  readonly #base: Omit<QuotaHeaderOptions, 'partitionKey'>;
  readonly #secret: string | Uint8Array | null;
  readonly #clients: LRUCache<string, ClientHeaderState>;
  /** With no secret every client has the same (absent) `pk`, so one state serves all. */
  readonly #shared: ClientHeaderState | null;

  constructor(
    base: Omit<QuotaHeaderOptions, 'partitionKey'>,
    secret: string | Uint8Array | null,
    max: number = DEFAULT_HEADER_CACHE_CLIENTS,
  ) {
    this.#base = base;
    this.#secret = secret;
    this.#clients = new LRUCache({ max });
    this.#shared = secret === null ? newState({ ...base, partitionKey: null }) : null;
  }

  /** The state of the client charged under `key` (its store key). */
  client(key: string): ClientHeaderState {
    if (this.#shared !== null) return this.#shared;
    let state = this.#clients.get(key);
    if (state === undefined) {
      state = newState({ ...this.#base, partitionKey: partitionKey(key, this.#secret!) });
      this.#clients.set(key, state);
    }
    return state;
  }
}

function newState(options: QuotaHeaderOptions): ClientHeaderState {
  return { options, policyLimits: null, policy: null, exposedNames: null, exposed: null };
}

/**
 * The `RateLimit-Policy` value for `limits`, serialised again only when their static fields differ from the
 * last ones serialised for this client (another plan, or a plan changed by `planFor`).
 */
export function policyFor(state: ClientHeaderState, limits: readonly LimitStatus[]): string | null {
  if (state.policyLimits === null || !sameStaticLimits(state.policyLimits, limits)) {
    state.policy = rateLimitPolicyValue(limits, state.options);
    state.policyLimits = limits;
  }
  return state.policy;
}

function sameStaticLimits(a: readonly LimitStatus[], b: readonly LimitStatus[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (
      x.name !== y.name ||
      x.kind !== y.kind ||
      x.counts !== y.counts ||
      x.limit !== y.limit ||
      x.windowMs !== y.windowMs
    )
      return false;
  }
  return true;
}

/**
 * `Access-Control-Expose-Headers` for `fields` on a response that had none: the names are the same from one
 * response to the next (they change only with a refusal's `retry-after`), so the value is rebuilt only then.
 */
export function exposedFor(state: ClientHeaderState, fields: readonly HeaderField[]): string | null {
  const names = state.exposedNames;
  let same = names !== null && names.length === fields.length;
  for (let i = 0; same && i < fields.length; i++) same = names![i] === fields[i]![0];
  if (!same) {
    state.exposed = exposeHeadersValue(fields);
    state.exposedNames = fields.map(([name]) => name);
  }
  return state.exposed;
}
