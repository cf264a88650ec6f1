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
const json = (s: string | null): unknown => {
  try {
    return s === null ? null : (JSON.parse(s) as unknown);
  } catch {
    return undefined;
  }
};

/**
 * The type of the operation `operationName` selects in `query` (or of its only operation), from the
 * top-level definitions; comments, strings and argument lists are skipped so no keyword inside them counts.
 */
export function operationType(query: string | null, operationName: string | null): OperationType | null {
  if (query === null) return null;
  const src = query.replace(/"""[\s\S]*?"""|"(?:\\.|[^"\\\n])*"|#[^\n\r]*/g, ' ');
  const defs: [string, string | null][] = [];
  let current: [string, string | null] | null = null;
  let named = false;
  let depth = 0;
  let parens = 0;
  for (const [tok] of src.matchAll(/[{}()]|@?[_A-Za-z]\w*/g)) {
    if (tok === '(') parens++;
    else if (tok === ')') parens--;
    else if (parens > 0) continue;
    else if (tok === '{') {
      if (depth++ === 0) {
        if (current === null) defs.push(['query', null]);
        current = null;
      }
    } else if (tok === '}') depth--;
    else if (depth === 0 && tok[0] !== '@') {
      if (current !== null && !named) {
        current[1] = tok;
        named = true;
      } else if (tok === 'query' || tok === 'mutation' || tok === 'subscription' || tok === 'fragment') {
        current = [tok, null];
        named = false;
        if (tok !== 'fragment') defs.push(current);
        // A fragment's name is read and dropped.
      }
    }
  }
  const chosen = operationName ? defs.filter((d) => d[1] === operationName) : defs;
  return chosen.length === 1 ? (chosen[0]![0] as OperationType) : null;
}

function operation(raw: Obj, get: boolean): GraphQLOperation {
  const query = typeof raw['query'] === 'string' ? raw['query'] : null;
  const operationName = typeof raw['operationName'] === 'string' ? raw['operationName'] : null;
  return {
    query,
    operationName,
    variables: obj(raw['variables']),
    extensions: obj(raw['extensions']),
    type: get ? 'query' : operationType(query, operationName),
  };
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
    for (const k of ['variables', 'extensions']) raw[k] = json(params.get(k));
    return { operations: [operation(raw, true)], isBatch: false };
  }
  if (typeof body !== 'string') return null;
  const parsed = json(body);
  const list = Array.isArray(parsed) ? (parsed as unknown[]) : [parsed];
  const operations: GraphQLOperation[] = [];
  for (const item of list) {
    const raw = obj(item);
    if (raw === null) return null;
    operations.push(operation(raw, false));
  }
  return { operations, isBatch: Array.isArray(parsed) };
}
