/**
 * Relay cursor connections over an in-memory array (https://relay.dev/graphql/connections.htm).
 *
 * Cursors are opaque offsets (base64 of `arrayconnection:<offset>`, the graphql-relay format), so a page
 * boundary shifts when items before it are created or deleted; good enough for a demo, and the reason real
 * catalogues use keyset cursors.
 */
import { GraphQLError } from 'graphql';

/** The most items one page may ask for. */
export const MAX_PAGE_SIZE = 100;

const PREFIX = 'arrayconnection:';

export interface PageArgs {
  /** Items to return; an integer in [0, MAX_PAGE_SIZE]. */
  readonly first?: number | null;
  /** Cursor of the item to start after. */
  readonly after?: string | null;
}

export interface Edge<T> {
  readonly cursor: string;
  readonly node: T;
}

export interface Connection<T, E extends Edge<T> = Edge<T>> {
  readonly edges: readonly E[];
  readonly nodes: readonly T[];
  readonly pageInfo: {
    readonly hasNextPage: boolean;
    readonly hasPreviousPage: boolean;
    readonly startCursor: string | null;
    readonly endCursor: string | null;
  };
  readonly totalCount: number;
}

export function offsetToCursor(offset: number): string {
  return Buffer.from(PREFIX + String(offset), 'utf8').toString('base64');
}

function badInput(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'BAD_USER_INPUT' } });
}

/** The offset a cursor stands for; a GraphQLError (BAD_USER_INPUT) for anything this module did not mint. */
export function cursorToOffset(cursor: string): number {
  const decoded = Buffer.from(cursor, 'base64').toString('utf8');
  const digits = decoded.startsWith(PREFIX) ? decoded.slice(PREFIX.length) : '';
  if (!/^(0|[1-9]\d{0,8})$/.test(digits) || offsetToCursor(Number(digits)) !== cursor) {
    throw badInput(`Invalid cursor ${JSON.stringify(cursor)}: pass a cursor from a previous page.`);
  }
  return Number(digits);
}

/** The items of one page; `first` defaults to `defaultFirst` when the client sends null. */
export function connectionFromArray<T>(
  items: readonly T[],
  args: PageArgs,
  defaultFirst = 20,
): Connection<T> {
  return connectionWithEdges(items, args, defaultFirst, (node, cursor) => ({ cursor, node }));
}

/** Like {@link connectionFromArray}, with extra fields on each edge (a search score). */
export function connectionWithEdges<S, T, E extends Edge<T>>(
  items: readonly S[],
  args: PageArgs,
  defaultFirst: number,
  toEdge: (item: S, cursor: string) => E,
): Connection<T, E> {
  const first = args.first ?? defaultFirst;
  if (!Number.isInteger(first) || first < 0 || first > MAX_PAGE_SIZE) {
    throw badInput(`\`first\` must be an integer from 0 to ${MAX_PAGE_SIZE}, got ${String(first)}.`);
  }
  const start = args.after == null ? 0 : cursorToOffset(args.after) + 1;
  const end = Math.min(start + first, items.length);
  const edges: E[] = [];
  for (let i = start; i < end; i++) edges.push(toEdge(items[i] as S, offsetToCursor(i)));
  return {
    edges,
    nodes: edges.map((e) => e.node),
    pageInfo: {
      hasNextPage: end < items.length,
      hasPreviousPage: start > 0,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges[edges.length - 1]?.cursor ?? null,
    },
    totalCount: items.length,
  };
}
