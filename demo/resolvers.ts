/**
 * Resolvers of schema/pim.graphql over a {@link DemoData}. Only fields that are not a same-named property of
 * the record need one; graphql-js's default resolver serves the rest, and records' `__typename` resolves
 * the abstract types.
 */
import { GraphQLError } from 'graphql';
import type { GraphQLResolveInfo } from 'graphql';
import { connectionFromArray, connectionWithEdges, MAX_PAGE_SIZE } from './connection.js';
import type { PageArgs } from './connection.js';
import { DEFAULT_LOCALE } from './data.js';
import type {
  AssetKind,
  AssetRecord,
  AttributeOptionRecord,
  AttributeRecord,
  AttributeValueRecord,
  CategoryRecord,
  ChannelRecord,
  CurrencyCode,
  DemoData,
  InventoryRecord,
  Localized,
  NodeRecord,
  OptionValueRecord,
  PriceRecord,
  ProductRecord,
  ProductStatus,
  VariantRecord,
} from './records.js';
import * as mutations from './mutations.js';
import { search } from './search.js';
import { currencyDecimals } from './vocabulary.js';
import type { SearchHit, SearchType } from './search.js';

// Method syntax makes the parameters bivariant, so each resolver may declare its source record and the
// exact argument shape the schema guarantees (graphql-js has coerced the arguments before calling it).
type Resolver<S> = {
  bivarianceHack(source: S, args: never, context: unknown, info: GraphQLResolveInfo): unknown;
}['bivarianceHack'];

/** Field resolvers of one object type. */
export type TypeResolvers<S> = Readonly<Record<string, Resolver<S>>>;

/** Field resolvers by object type name. */
export type Resolvers = Readonly<Record<string, TypeResolvers<never>>>;

type StockStatus = 'IN_STOCK' | 'LOW_STOCK' | 'OUT_OF_STOCK';

/** Fewer units available than this (but some) is LOW_STOCK. */
export const LOW_STOCK_THRESHOLD = 10;

interface LocaleArgs {
  readonly locale: string;
}

interface Money {
  readonly amount: string;
  readonly currency: CurrencyCode;
  readonly minorUnits: number;
}

interface ProductFilter {
  readonly status?: ProductStatus | null;
  readonly categoryId?: string | null;
  readonly supplierId?: string | null;
  readonly skuPrefix?: string | null;
  readonly updatedSince?: number | null;
  readonly text?: string | null;
}

interface ProductSort {
  readonly field: 'SKU' | 'NAME' | 'CREATED_AT' | 'UPDATED_AT';
  readonly direction: 'ASC' | 'DESC';
}

function localized(text: Localized, locale: string): string {
  return text[locale] ?? text[DEFAULT_LOCALE];
}

/** A Decimal string for an amount in minor units: 1999 EUR cents is "19.99", 16200 yen is "16200". */
export function formatMinorUnits(minor: number, currency: CurrencyCode): string {
  const decimals = currencyDecimals(currency);
  if (decimals === 0) return String(minor);
  const digits = String(minor).padStart(decimals + 1, '0');
  return `${digits.slice(0, -decimals)}.${digits.slice(-decimals)}`;
}

function money(minor: number, currency: CurrencyCode): Money {
  return { amount: formatMinorUnits(minor, currency), currency, minorUnits: minor };
}

function stockOf(inventory: readonly InventoryRecord[]): StockStatus {
  const available = inventory.reduce((sum, i) => sum + Math.max(0, i.onHand - i.reserved), 0);
  return available === 0 ? 'OUT_OF_STOCK' : available < LOW_STOCK_THRESHOLD ? 'LOW_STOCK' : 'IN_STOCK';
}

function checkFirst(first: number): number {
  if (!Number.isInteger(first) || first < 0 || first > MAX_PAGE_SIZE) {
    throw new GraphQLError(`\`first\` must be an integer from 0 to ${MAX_PAGE_SIZE}, got ${first}.`, {
      extensions: { code: 'BAD_USER_INPUT' },
    });
  }
  return first;
}

function compare(a: string | number, b: string | number): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Builds the resolvers over one catalogue; mutations change it in place. */
export function createResolvers(data: DemoData): Resolvers {
  const get = <T extends NodeRecord['__typename']>(
    typename: T,
    id: string,
  ): Extract<NodeRecord, { __typename: T }> => {
    const node = data.nodes.get(id);
    // Records only reference live ids (deletes unlink them), so a miss is a bug in the demo, not bad input.
    if (node?.__typename !== typename) throw new Error(`dangling ${typename} reference ${id}`);
    return node as Extract<NodeRecord, { __typename: T }>;
  };
  const find = <T extends NodeRecord['__typename']>(
    typename: T,
    id: string,
  ): Extract<NodeRecord, { __typename: T }> | null => {
    const node = data.nodes.get(id);
    return node?.__typename === typename ? (node as Extract<NodeRecord, { __typename: T }>) : null;
  };
  const productsIn = (category: CategoryRecord, includeDescendants: boolean): ProductRecord[] => {
    const ids = new Set<string>([category.id]);
    if (includeDescendants) {
      for (const c of data.categories) if (c.path.startsWith(`${category.path}/`)) ids.add(c.id);
    }
    return [...data.products.values()].filter((p) => p.categoryIds.some((id) => ids.has(id)));
  };

  const Query: TypeResolvers<unknown> = {
    node: (_, { id }: { id: string }) => data.nodes.get(id) ?? null,
    product: (_, { id, sku }: { id?: string | null; sku?: string | null }) => {
      if ((id == null) === (sku == null)) {
        throw new GraphQLError('Pass exactly one of `id` and `sku`.', {
          extensions: { code: 'BAD_USER_INPUT' },
        });
      }
      return id != null ? find('Product', id) : (data.productsBySku.get(sku!) ?? null);
    },
    products: (_, args: PageArgs & { filter?: ProductFilter | null; sort?: ProductSort | null }) => {
      const f = args.filter ?? {};
      const text = f.text?.toLowerCase();
      let items = [...data.products.values()].filter(
        (p) =>
          (f.status == null || p.status === f.status) &&
          (f.categoryId == null || p.categoryIds.includes(f.categoryId)) &&
          (f.supplierId == null || p.supplierId === f.supplierId) &&
          (f.skuPrefix == null || p.sku.startsWith(f.skuPrefix)) &&
          (f.updatedSince == null || p.updatedAt >= f.updatedSince) &&
          (text == null || Object.values(p.names).some((n) => n.toLowerCase().includes(text))),
      );
      if (args.sort != null) {
        const { field, direction } = args.sort;
        const key = (p: ProductRecord): string | number =>
          field === 'SKU'
            ? p.sku
            : field === 'NAME'
              ? p.names[DEFAULT_LOCALE]
              : field === 'CREATED_AT'
                ? p.createdAt
                : p.updatedAt;
        const sign = direction === 'DESC' ? -1 : 1;
        // Stable sort: ties stay in creation order whatever the direction.
        items = items.sort((a, b) => sign * compare(key(a), key(b)));
      }
      return connectionFromArray(items, args, 20);
    },
    category: (_, { id }: { id: string }) => find('Category', id),
    categoryTree: () => data.categories.filter((c) => c.depth === 0),
    categories: (_, args: PageArgs & { parentId?: string | null }) => {
      if (args.parentId == null) return connectionFromArray(data.categories, args, 20);
      const parent = find('Category', args.parentId);
      if (parent === null) {
        throw new GraphQLError(`No category has the id ${args.parentId}.`, {
          extensions: { code: 'BAD_USER_INPUT' },
        });
      }
      return connectionFromArray(
        parent.childIds.map((id) => get('Category', id)),
        args,
        20,
      );
    },
    attributes: () => data.attributes,
    channels: () => data.channels,
    locales: () => data.locales,
    assets: (_, args: PageArgs & { kind?: AssetKind | null }) => {
      const all = [...data.assets.values()];
      return connectionFromArray(args.kind == null ? all : all.filter((a) => a.kind === args.kind), args, 20);
    },
    suppliers: (_, args: PageArgs) => connectionFromArray(data.suppliers, args, 20),
    warehouses: () => data.warehouses,
    search: (_, args: PageArgs & { query: string; types?: readonly SearchType[] | null }) =>
      connectionWithEdges(
        search(data, args.query, args.types ?? null),
        args,
        10,
        (hit: SearchHit, cursor) => ({
          cursor,
          node: hit.node,
          score: hit.score,
        }),
      ),
  };

  const Mutation: TypeResolvers<unknown> = {
    createProduct: (_, { input }: { input: mutations.CreateProductInput }) =>
      mutations.createProduct(data, input),
    updateProduct: (_, { id, input }: { id: string; input: mutations.UpdateProductInput }) =>
      mutations.updateProduct(data, id, input),
    deleteProduct: (_, { id }: { id: string }) => mutations.deleteProduct(data, id),
    bulkImportProducts: (
      _,
      { items, mode }: { items: readonly mutations.ProductImportInput[]; mode: 'CREATE_ONLY' | 'UPSERT' },
    ) => mutations.bulkImportProducts(data, items, mode),
    setPrice: (_, { input }: { input: mutations.SetPriceInput }) => mutations.setPrice(data, input),
  };

  const Product: TypeResolvers<ProductRecord> = {
    name: (p, { locale }: LocaleArgs) => localized(p.names, locale),
    description: (p, { locale }: LocaleArgs) =>
      p.descriptions === null ? null : localized(p.descriptions, locale),
    names: (p) => Object.entries(p.names).map(([locale, value]) => ({ locale, value })),
    primaryCategory: (p) => (p.categoryIds[0] === undefined ? null : get('Category', p.categoryIds[0])),
    categories: (p) => p.categoryIds.map((id) => get('Category', id)),
    variants: (p, args: PageArgs) =>
      connectionFromArray(
        p.variantIds.map((id) => get('ProductVariant', id)),
        args,
        10,
      ),
    assets: (p, { kind, first }: { kind?: AssetKind | null; first: number }) =>
      p.assetIds
        .map((id) => get('Asset', id))
        .filter((a) => kind == null || a.kind === kind)
        .slice(0, checkFirst(first)),
    supplier: (p) => (p.supplierId === null ? null : get('Supplier', p.supplierId)),
    fromPrice: (p, { channel, currency }: { channel: string; currency: CurrencyCode }) => {
      let lowest: number | null = null;
      for (const vid of p.variantIds) {
        for (const price of get('ProductVariant', vid).prices) {
          if (price.channelId === channel && price.currency === currency) {
            lowest = lowest === null ? price.amountMinor : Math.min(lowest, price.amountMinor);
          }
        }
      }
      return lowest === null ? null : money(lowest, currency);
    },
    stockStatus: (p) => {
      const statuses = p.variantIds.map((id) => stockOf(get('ProductVariant', id).inventory));
      return statuses.includes('IN_STOCK')
        ? 'IN_STOCK'
        : statuses.includes('LOW_STOCK')
          ? 'LOW_STOCK'
          : 'OUT_OF_STOCK';
    },
    related: (p, { first }: { first: number }) =>
      p.relatedIds.slice(0, checkFirst(first)).map((id) => get('Product', id)),
  };

  const ProductVariant: TypeResolvers<VariantRecord> = {
    product: (v) => get('Product', v.productId),
    name: (v, { locale }: LocaleArgs) => {
      if (v.name !== null) return v.name;
      const labels = v.options.map((o) => {
        const attribute = get('Attribute', o.attributeId);
        const option = attribute.options.find((x) => x.code === o.optionCode);
        return option === undefined ? o.optionCode : localized(option.labels, locale);
      });
      const productName = localized(get('Product', v.productId).names, locale);
      return labels.length === 0 ? productName : `${productName} (${labels.join(', ')})`;
    },
    prices: (v, { channel, currency }: { channel?: string | null; currency?: CurrencyCode | null }) =>
      v.prices.filter(
        (p) => (channel == null || p.channelId === channel) && (currency == null || p.currency === currency),
      ),
    stockStatus: (v) => stockOf(v.inventory),
    assets: (v) => v.assetIds.map((id) => get('Asset', id)),
  };

  const Price: TypeResolvers<PriceRecord> = {
    channel: (p) => get('Channel', p.channelId),
    amount: (p) => money(p.amountMinor, p.currency),
    compareAtAmount: (p) => (p.compareAtMinor === null ? null : money(p.compareAtMinor, p.currency)),
  };

  const InventoryLevel: TypeResolvers<InventoryRecord> = {
    warehouse: (i) => get('Warehouse', i.warehouseId),
    available: (i) => Math.max(0, i.onHand - i.reserved),
  };

  const Category: TypeResolvers<CategoryRecord> = {
    name: (c, { locale }: LocaleArgs) => localized(c.names, locale),
    parent: (c) => (c.parentId === null ? null : get('Category', c.parentId)),
    children: (c) => c.childIds.map((id) => get('Category', id)),
    ancestors: (c) => {
      const chain: CategoryRecord[] = [];
      for (let at = c.parentId; at !== null;) {
        const parent = get('Category', at);
        chain.unshift(parent);
        at = parent.parentId;
      }
      return chain;
    },
    products: (c, args: PageArgs & { includeDescendants: boolean }) =>
      connectionFromArray(productsIn(c, args.includeDescendants), args, 20),
    productCount: (c, { includeDescendants }: { includeDescendants: boolean }) =>
      productsIn(c, includeDescendants).length,
  };

  const Attribute: TypeResolvers<AttributeRecord> = {
    name: (a, { locale }: LocaleArgs) => localized(a.names, locale),
  };

  const AttributeOption: TypeResolvers<AttributeOptionRecord> = {
    label: (o, { locale }: LocaleArgs) => localized(o.labels, locale),
  };

  const attributeOf = (v: AttributeValueRecord): AttributeRecord => get('Attribute', v.attributeId);
  const valueResolvers: TypeResolvers<AttributeValueRecord> = { attribute: attributeOf };

  const Channel: TypeResolvers<ChannelRecord> = {
    locales: (c) => c.localeCodes.map((code) => data.locales.find((l) => l.code === code)),
    defaultLocale: (c) => data.locales.find((l) => l.code === c.defaultLocaleCode),
  };

  const Asset: TypeResolvers<AssetRecord> = {
    altText: (a, { locale }: LocaleArgs) => (a.altTexts === null ? null : localized(a.altTexts, locale)),
    products: (a, { first }: { first: number }) =>
      a.productIds.slice(0, checkFirst(first)).map((id) => get('Product', id)),
  };

  const Supplier: TypeResolvers<{ readonly id: string }> = {
    products: (s, args: PageArgs) =>
      connectionFromArray(
        [...data.products.values()].filter((p) => p.supplierId === s.id),
        args,
        20,
      ),
  };

  return {
    Query,
    Mutation,
    Product,
    ProductVariant,
    Price,
    InventoryLevel,
    Category,
    Attribute,
    AttributeOption,
    TextAttributeValue: valueResolvers,
    NumberAttributeValue: { ...valueResolvers, unit: (v: AttributeValueRecord) => attributeOf(v).unit },
    BooleanAttributeValue: valueResolvers,
    OptionAttributeValue: {
      ...valueResolvers,
      option: (v: OptionValueRecord) => attributeOf(v).options.find((o) => o.code === v.optionCode),
    },
    DateAttributeValue: valueResolvers,
    Channel,
    Asset,
    Supplier,
  };
}
