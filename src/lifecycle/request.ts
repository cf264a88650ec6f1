/**
 * Request headers as every server exposes them: Apollo's `HeaderMap` and a plain `Map` (`get` returns
 * undefined for an absent header) and the Fetch API's `Headers` of Yoga and Hono (`get` returns null) fit as
 * they are; an adapter wraps Node's `IncomingHttpHeaders` in a `get`. Names are asked for in lower case.
 */
export interface RequestHeaders {
  get(name: string): string | null | undefined;
}

/**
 * What `identify`, `planFor` and `anonymousKey` see of a request, whatever the server: its headers and the
 * context the server built for it (Apollo's `contextValue`, Yoga's and Mercurius's `context`).
 */
export interface QuotaRequest<TContext = unknown> {
  readonly headers: RequestHeaders;
  readonly context: TContext;
}

/** The headers of a request that has none (Apollo's request context without `http`, a test). */
export const NO_HEADERS: RequestHeaders = { get: () => undefined };
