/**
 * Shapes of the demo catalogue's records. Property names match the schema's field names, so graphql-js's
 * default resolver serves most fields; `__typename` lets the default type resolver pick the concrete type of
 * `Node`, `SearchResult` and `AttributeValue`. Times are Unix epoch milliseconds.
 */

/** Text per locale; `en-US` is always present. */
export type Localized = { readonly 'en-US': string } & { readonly [locale: string]: string };

export type ProductStatus = 'DRAFT' | 'ACTIVE' | 'ARCHIVED';
export type CurrencyCode = 'EUR' | 'USD' | 'GBP' | 'CHF' | 'JPY';
export type AttributeType = 'TEXT' | 'NUMBER' | 'BOOLEAN' | 'OPTION' | 'DATE';
export type AssetKind = 'IMAGE' | 'DOCUMENT' | 'VIDEO';

export interface LocaleRecord {
  readonly code: string;
  readonly name: string;
}

export interface ChannelRecord {
  readonly __typename: 'Channel';
  readonly id: string;
  readonly code: string;
  readonly name: string;
  readonly kind: 'WEB' | 'MARKETPLACE' | 'RETAIL';
  readonly currencies: readonly CurrencyCode[];
  readonly localeCodes: readonly string[];
  readonly defaultLocaleCode: string;
}

export interface WarehouseRecord {
  readonly __typename: 'Warehouse';
  readonly id: string;
  readonly code: string;
  readonly name: string;
  readonly country: string;
}

export interface SupplierRecord {
  readonly __typename: 'Supplier';
  readonly id: string;
  readonly code: string;
  readonly name: string;
  readonly country: string;
  readonly leadTimeDays: number;
}

export interface CategoryRecord {
  readonly __typename: 'Category';
  readonly id: string;
  readonly code: string;
  readonly names: Localized;
  readonly path: string;
  readonly depth: number;
  readonly parentId: string | null;
  readonly childIds: string[];
}

export interface AttributeOptionRecord {
  readonly code: string;
  readonly labels: Localized;
}

export interface AttributeRecord {
  readonly __typename: 'Attribute';
  readonly id: string;
  readonly code: string;
  readonly names: Localized;
  readonly type: AttributeType;
  readonly unit: string | null;
  readonly localizable: boolean;
  readonly options: readonly AttributeOptionRecord[];
}

interface AttributeValueBase {
  readonly attributeId: string;
  readonly locale: string | null;
}
export interface TextValueRecord extends AttributeValueBase {
  readonly __typename: 'TextAttributeValue';
  readonly text: string;
}
export interface NumberValueRecord extends AttributeValueBase {
  readonly __typename: 'NumberAttributeValue';
  readonly number: number;
}
export interface BooleanValueRecord extends AttributeValueBase {
  readonly __typename: 'BooleanAttributeValue';
  readonly boolean: boolean;
}
export interface OptionValueRecord extends AttributeValueBase {
  readonly __typename: 'OptionAttributeValue';
  readonly optionCode: string;
}
export interface DateValueRecord extends AttributeValueBase {
  readonly __typename: 'DateAttributeValue';
  /** Unix epoch milliseconds. */
  readonly date: number;
}
export type AttributeValueRecord =
  TextValueRecord | NumberValueRecord | BooleanValueRecord | OptionValueRecord | DateValueRecord;

export interface PriceRecord {
  readonly channelId: string;
  readonly currency: CurrencyCode;
  /** In the currency's minor unit (cents; yen have none). */
  readonly amountMinor: number;
  readonly compareAtMinor: number | null;
  /** Unix epoch milliseconds. */
  readonly validFrom: number;
}

export interface InventoryRecord {
  readonly warehouseId: string;
  readonly onHand: number;
  readonly reserved: number;
}

export interface ProductRecord {
  readonly __typename: 'Product';
  readonly id: string;
  readonly sku: string;
  names: Localized;
  descriptions: Localized | null;
  status: ProductStatus;
  /** Unix epoch milliseconds. */
  readonly createdAt: number;
  /** Unix epoch milliseconds. */
  updatedAt: number;
  /** The first is the primary category. */
  categoryIds: string[];
  supplierId: string | null;
  readonly attributes: AttributeValueRecord[];
  readonly variantIds: string[];
  readonly assetIds: string[];
  readonly relatedIds: string[];
}

export interface VariantRecord {
  readonly __typename: 'ProductVariant';
  readonly id: string;
  readonly sku: string;
  readonly productId: string;
  /** Set for imported variants; generated ones derive their name from the product and options. */
  name: string | null;
  gtin: string | null;
  readonly weightGrams: number | null;
  readonly options: readonly OptionValueRecord[];
  readonly prices: PriceRecord[];
  readonly inventory: readonly InventoryRecord[];
  readonly assetIds: readonly string[];
}

export interface AssetRecord {
  readonly __typename: 'Asset';
  readonly id: string;
  readonly kind: AssetKind;
  readonly fileName: string;
  readonly mimeType: string;
  readonly byteSize: number;
  readonly url: string;
  readonly altTexts: Localized | null;
  readonly dimensions: { readonly widthPx: number; readonly heightPx: number } | null;
  readonly pageCount: number | null;
  /** Unix epoch milliseconds. */
  readonly createdAt: number;
  readonly productIds: string[];
}

/** Every record `Query.node` can return. */
export type NodeRecord =
  | ProductRecord
  | VariantRecord
  | CategoryRecord
  | AttributeRecord
  | ChannelRecord
  | AssetRecord
  | WarehouseRecord
  | SupplierRecord;

/** The catalogue: lookup tables plus the counters mutations use to mint ids. */
export interface DemoData {
  readonly locales: readonly LocaleRecord[];
  readonly channels: readonly ChannelRecord[];
  readonly warehouses: readonly WarehouseRecord[];
  readonly suppliers: readonly SupplierRecord[];
  /** Depth-first: each root followed by its subtree. */
  readonly categories: readonly CategoryRecord[];
  readonly attributes: readonly AttributeRecord[];
  /** Attribute by code (`brand`, `color`, `size`...). */
  readonly attributesByCode: ReadonlyMap<string, AttributeRecord>;
  /** In creation order, which is also SKU order for generated products. */
  readonly products: Map<string, ProductRecord>;
  readonly productsBySku: Map<string, ProductRecord>;
  readonly variants: Map<string, VariantRecord>;
  readonly variantsBySku: Map<string, VariantRecord>;
  readonly assets: Map<string, AssetRecord>;
  /** Every record with a global id, by id. */
  readonly nodes: Map<string, NodeRecord>;
  readonly now: () => number;
  /** The number the next created product / variant / asset gets in its id. */
  readonly sequence: { product: number; variant: number; asset: number };
}
