/**
 * The demo's full-text search: a case-insensitive phrase match over SKUs, codes, names, file names and alt
 * texts. Deliberately naive (a linear scan); it exists so `Query.search` returns a realistic union.
 */
import { GraphQLError } from 'graphql';
import type { AssetRecord, CategoryRecord, DemoData, ProductRecord } from './records.js';

/** Longest accepted search phrase, in characters. */
export const MAX_SEARCH_LENGTH = 200;

export type SearchType = 'PRODUCT' | 'CATEGORY' | 'ASSET';

export interface SearchHit {
  readonly node: ProductRecord | CategoryRecord | AssetRecord;
  /** 1 for an exact SKU, code, file name or name; 0.8 for a match at a word start; 0.5 for any other. */
  readonly score: number;
}

/** The score of the best match of `phrase` (lower case) in `keys` (exact) and `texts`; 0 for none. */
function score(phrase: string, keys: readonly string[], texts: readonly string[]): number {
  let best = 0;
  for (const key of keys) if (key.toLowerCase() === phrase) return 1;
  for (const text of texts) {
    const t = text.toLowerCase();
    if (t === phrase) return 1;
    let at = t.indexOf(phrase);
    while (at >= 0 && best < 0.8) {
      best = Math.max(best, at === 0 || !/[\p{L}\p{N}]/u.test(t[at - 1]!) ? 0.8 : 0.5);
      at = t.indexOf(phrase, at + 1);
    }
  }
  return best;
}

/** Hits, best first; ties in type order (products, categories, assets), then in creation order. */
export function search(data: DemoData, query: string, types: readonly SearchType[] | null): SearchHit[] {
  const phrase = query.trim().toLowerCase();
  if (phrase.length === 0 || phrase.length > MAX_SEARCH_LENGTH) {
    throw new GraphQLError(`\`query\` must have 1 to ${MAX_SEARCH_LENGTH} characters besides spaces.`, {
      extensions: { code: 'BAD_USER_INPUT' },
    });
  }
  const wanted = new Set<SearchType>(types ?? ['PRODUCT', 'CATEGORY', 'ASSET']);
  const hits: SearchHit[] = [];
  const consider = (node: SearchHit['node'], keys: readonly string[], texts: readonly string[]): void => {
    const s = score(phrase, keys, texts);
    if (s > 0) hits.push({ node, score: s });
  };
  if (wanted.has('PRODUCT')) {
    for (const p of data.products.values()) consider(p, [p.sku], Object.values(p.names));
  }
  if (wanted.has('CATEGORY')) {
    for (const c of data.categories) consider(c, [c.code], Object.values(c.names));
  }
  if (wanted.has('ASSET')) {
    for (const a of data.assets.values()) {
      consider(a, [a.fileName], [a.fileName, ...Object.values(a.altTexts ?? {})]);
    }
  }
  // Array.prototype.sort is stable, so equal scores keep the type and creation order of the scan above.
  return hits.sort((x, y) => y.score - x.score);
}
