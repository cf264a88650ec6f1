/**
 * What a GraphQL-over-HTTP request carries: its operations (one, or a batch's array) read from a JSON POST
 * body or a GET query string, as the GraphQL over HTTP draft and Apollo's batching send them. Never throws:
 * a request it cannot read yields null, and the client then treats it as possibly a mutation.
 */

/** The operation types of GraphQL. */
export type OperationType = 'query' | 'mutation' | 'subscription';

/** One operation of a request, as `estimateCost` and the retry rules see it. */
export interface GraphQLOperation {
  /** The document text; null for a persisted query sent by hash only. */
  readonly query: string | null;
  readonly operationName: string | null;
  readonly variables: Readonly<Record<string, unknown>> | null;
  /** The request's `extensions` (e.g. `persistedQuery`); null when absent. */
  readonly extensions: Readonly<Record<string, unknown>> | null;
  /**
   * The operation's type, read from the document; null when unknown (no document, or several operations
   * and no `operationName` matching one). GET requests are queries (GraphQL over HTTP forbids mutations
   * over GET).
   */
  readonly type: OperationType | null;
}

type Obj = Record<string, unknown>;
const obj = (x: unknown): Obj | null =>
  typeof x === 'object' && x !== null && !Array.isArray(x) ? (x as Obj) : null;
const str = (x: unknown): string | null => (typeof x === 'string' ? x : null);
/** The JSON value of `s`; null for null, undefined when it is not JSON. */
export const parseJson = (s: string | null): unknown => {
  try {
    return s === null ? null : (JSON.parse(s) as unknown);
  } catch {
    return undefined;
  }
};

/**
 * The type of the operation `operationName` selects in `query` (or of its only operation), from the
 * top-level definitions. Comments and strings are dropped first, then argument lists and selection sets are
 * collapsed from the innermost out, so that each top-level definition ends in one `_` and no keyword inside
 * a selection, an argument or a string counts.
 */
export function operationType(query: string | null, operationName: string | null): OperationType | null {
  if (query === null) return null;
  let src = query.replace(/"""[\s\S]*?"""|"(?:\\.|[^"\\\n])*"|#.*/g, ' ');
  for (let before = ''; before !== src;) {
    before = src;
    src = src.replace(/\{[^{}]*\}|\([^()]*\)/g, (block) => (block[0] === '{' ? '_' : ' '));
  }
  const chosen = src
    .split('_')
    .slice(0, -1)
    .map((head) => /^\s*(?:(query|mutation|subscription|fragment)\b\s*(\w*))?/.exec(head)!)
    .filter(([, type, name]) => type !== 'fragment' && (!operationName || name === operationName));
  return chosen.length === 1 ? ((chosen[0]![1] ?? 'query') as OperationType) : null;
}

/** One operation of a request body (`{}` gives an operation of which nothing is known). */
export function operationOf(raw: Obj, get: boolean): GraphQLOperation {
  const query = str(raw['query']);
  const operationName = str(raw['operationName']);
  return {
    query,
    operationName,
    variables: obj(raw['variables']),
    extensions: obj(raw['extensions']),
    type: get ? 'query' : operationType(query, operationName),
  };
}

/**
 * What a `fetch` call's `input` and `init` say: the URL (a string), the method (upper case, `GET` by
 * default) and the `Request` object when `input` is one (its method counts when `init` gives none).
 */
export function requestOf(
  input: string | URL | Request,
  init: RequestInit,
): [url: string, method: string, request: Request | null] {
  const request = typeof input === 'object' && 'url' in input ? input : null;
  const url = typeof input === 'string' ? input : 'href' in input ? input.href : input.url;
  return [url, (init.method ?? request?.method ?? 'GET').toUpperCase(), request];
}

/**
 * The operations of a request: one for a single operation, several for a batch (`isBatch`); null when the
 * body is not a GraphQL request this client can read (a stream, FormData, a `Request` object's body).
 */
export function readOperations(
  url: string,
  method: string,
  body: unknown,
): { operations: GraphQLOperation[]; isBatch: boolean } | null {
  if (method === 'GET') {
    const params = new URL(url, 'http://localhost').searchParams;
    const raw: Obj = { query: params.get('query'), operationName: params.get('operationName') };
    for (const k of ['variables', 'extensions']) raw[k] = parseJson(params.get(k));
    return { operations: [operationOf(raw, true)], isBatch: false };
  }
  if (typeof body !== 'string') return null;
  const parsed = parseJson(body);
  const list = Array.isArray(parsed) ? (parsed as unknown[]) : [parsed];
  const operations: GraphQLOperation[] = [];
  for (const item of list) {
    const raw = obj(item);
    if (raw === null) return null;
    operations.push(operationOf(raw, false));
  }
  return { operations, isBatch: Array.isArray(parsed) };
}
