/** A GraphQL client over real HTTP (fetch) for the end-to-end proofs. */

export interface GqlResponse {
  readonly status: number;
  /** Lower-case header names. */
  readonly headers: Readonly<Record<string, string>>;
  // JSON of any shape: tests read into it and assert exact values.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly body: any;
  /** Milliseconds from sending the request to having read the whole body. */
  readonly ms: number;
}

export interface GqlOptions {
  /** Sent as `x-api-key`. */
  readonly apiKey?: string;
  /** Sent as `Authorization: Bearer <bearer>`. */
  readonly bearer?: string;
  readonly variables?: Readonly<Record<string, unknown>>;
  readonly operationName?: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly signal?: AbortSignal;
}

/** POSTs one operation and reads the whole response. */
export async function gql(url: string, query: string, options: GqlOptions = {}): Promise<GqlResponse> {
  const payload: Record<string, unknown> = { query };
  if (options.variables !== undefined) payload['variables'] = options.variables;
  if (options.operationName !== undefined) payload['operationName'] = options.operationName;
  return post(url, JSON.stringify(payload), options);
}

/** POSTs a raw body (a batch, or something hostile) with `content-type: application/json`. */
export async function post(url: string, body: string, options: GqlOptions = {}): Promise<GqlResponse> {
  const headers: Record<string, string> = { 'content-type': 'application/json', ...options.headers };
  if (options.apiKey !== undefined) headers['x-api-key'] = options.apiKey;
  if (options.bearer !== undefined) headers['authorization'] = `Bearer ${options.bearer}`;
  const started = performance.now();
  const response = await fetch(url, {
    method: 'POST',
    headers,
    body,
    ...(options.signal !== undefined ? { signal: options.signal } : {}),
  });
  const text = await response.text();
  const ms = performance.now() - started;
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // Not JSON (an HTML error page, say): kept as text so the assertion shows it.
  }
  return { status: response.status, headers: Object.fromEntries(response.headers), body: parsed, ms };
}

/** The quota headers of a response: X-Rate-Limit-*, RateLimit-Policy, RateLimit and Retry-After. */
export function quotaHeaders(response: GqlResponse): Record<string, string> {
  return Object.fromEntries(
    Object.entries(response.headers).filter(([name]) => /^(x-rate-limit-|ratelimit|retry-after$)/.test(name)),
  );
}

/** The `extensions.code` of each error of a response body (empty when it has none). */
export function errorCodes(response: GqlResponse): string[] {
  const errors = (response.body as { errors?: { extensions?: { code?: unknown } }[] } | null)?.errors ?? [];
  return errors.map((e) => String(e.extensions?.code));
}
