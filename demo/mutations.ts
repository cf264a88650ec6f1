/**
 * The demo's mutations over the in-memory catalogue. Expected failures (unknown id, duplicate SKU, a bad
 * value) come back as `errors` in the payload, so a client can show them next to the input field; only
 * requests no client should ever send (an import over the item limit) are GraphQL errors.
 */
import { GraphQLError } from 'graphql';
import { DEFAULT_LOCALE, addProduct, addVariant, removeProduct } from './data.js';
import type {
  CurrencyCode,
  DemoData,
  Localized,
  PriceRecord,
  ProductRecord,
  ProductStatus,
} from './records.js';
import { currencyDecimals } from './vocabulary.js';

/** Most items one `bulkImportProducts` call may carry. */
export const MAX_IMPORT_ITEMS = 500;

export type UserErrorCode = 'NOT_FOUND' | 'DUPLICATE_SKU' | 'INVALID_VALUE';

export interface UserError {
  readonly field: readonly string[];
  readonly message: string;
  readonly code: UserErrorCode;
}

export interface LocalizedStringInput {
  readonly locale: string;
  readonly value: string;
}

export interface CreateProductInput {
  readonly sku: string;
  readonly name: string;
  readonly names?: readonly LocalizedStringInput[] | null;
  readonly description?: string | null;
  readonly status: ProductStatus;
  readonly categoryIds?: readonly string[] | null;
  readonly supplierId?: string | null;
}

export interface UpdateProductInput {
  readonly name?: string | null;
  readonly names?: readonly LocalizedStringInput[] | null;
  readonly description?: string | null;
  readonly status?: ProductStatus | null;
  readonly categoryIds?: readonly string[] | null;
  readonly supplierId?: string | null;
}

export interface ProductImportInput {
  readonly sku: string;
  readonly name: string;
  readonly description?: string | null;
  readonly status?: ProductStatus | null;
  readonly categoryIds?: readonly string[] | null;
  readonly variants?:
    readonly { readonly sku: string; readonly name?: string | null; readonly gtin?: string | null }[] | null;
}

export interface MoneyInput {
  readonly amount: string;
  readonly currency: CurrencyCode;
}

export interface SetPriceInput {
  readonly variantId: string;
  readonly channelId: string;
  readonly amount: MoneyInput;
  readonly compareAtAmount?: MoneyInput | null;
}

const SKU = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

function checkSku(sku: string, field: readonly string[], errors: UserError[]): void {
  if (!SKU.test(sku)) {
    errors.push({
      field,
      message:
        'A SKU has 1 to 64 letters, digits, dots, dashes or underscores, starting with a letter or digit.',
      code: 'INVALID_VALUE',
    });
  }
}

function checkName(name: string, field: readonly string[], errors: UserError[]): void {
  if (name.trim().length === 0)
    errors.push({ field, message: 'A name cannot be blank.', code: 'INVALID_VALUE' });
}

function checkCategories(
  data: DemoData,
  ids: readonly string[],
  field: readonly string[],
  errors: UserError[],
): void {
  ids.forEach((id, i) => {
    if (data.nodes.get(id)?.__typename !== 'Category') {
      errors.push({
        field: [...field, String(i)],
        message: `No category has the id ${id}.`,
        code: 'NOT_FOUND',
      });
    }
  });
}

function checkSupplier(data: DemoData, id: string, field: readonly string[], errors: UserError[]): void {
  if (data.nodes.get(id)?.__typename !== 'Supplier') {
    errors.push({ field, message: `No supplier has the id ${id}.`, code: 'NOT_FOUND' });
  }
}

/** `names` merged over `base`; an error per unknown locale. */
function mergeNames(
  data: DemoData,
  base: Localized,
  names: readonly LocalizedStringInput[],
  field: readonly string[],
  errors: UserError[],
): Localized {
  const merged: Record<string, string> = { ...base };
  names.forEach((n, i) => {
    if (!data.locales.some((l) => l.code === n.locale)) {
      errors.push({
        field: [...field, String(i), 'locale'],
        message: `Unknown locale ${n.locale}.`,
        code: 'INVALID_VALUE',
      });
    } else {
      checkName(n.value, [...field, String(i), 'value'], errors);
      merged[n.locale] = n.value;
    }
  });
  return merged as Localized;
}

export function createProduct(
  data: DemoData,
  input: CreateProductInput,
): { product: ProductRecord | null; errors: UserError[] } {
  const errors: UserError[] = [];
  checkSku(input.sku, ['input', 'sku'], errors);
  if (data.productsBySku.has(input.sku) || data.variantsBySku.has(input.sku)) {
    errors.push({ field: ['input', 'sku'], message: `SKU ${input.sku} is taken.`, code: 'DUPLICATE_SKU' });
  }
  checkName(input.name, ['input', 'name'], errors);
  const names = mergeNames(
    data,
    { [DEFAULT_LOCALE]: input.name },
    input.names ?? [],
    ['input', 'names'],
    errors,
  );
  checkCategories(data, input.categoryIds ?? [], ['input', 'categoryIds'], errors);
  if (input.supplierId != null) checkSupplier(data, input.supplierId, ['input', 'supplierId'], errors);
  if (errors.length > 0) return { product: null, errors };
  const product = addProduct(data, {
    sku: input.sku,
    names,
    descriptions: input.description == null ? null : { [DEFAULT_LOCALE]: input.description },
    status: input.status,
    categoryIds: [...(input.categoryIds ?? [])],
    supplierId: input.supplierId ?? null,
  });
  return { product, errors };
}

function findProduct(data: DemoData, id: string): ProductRecord | undefined {
  const node = data.nodes.get(id);
  return node?.__typename === 'Product' ? node : undefined;
}

function notFound(field: readonly string[], id: string): UserError {
  return { field, message: `Nothing has the id ${id}.`, code: 'NOT_FOUND' };
}

export function updateProduct(
  data: DemoData,
  id: string,
  input: UpdateProductInput,
): { product: ProductRecord | null; errors: UserError[] } {
  const product = findProduct(data, id);
  if (product === undefined) return { product: null, errors: [notFound(['id'], id)] };
  const errors: UserError[] = [];
  let names: Localized = product.names;
  if (input.name != null) {
    checkName(input.name, ['input', 'name'], errors);
    names = { ...names, [DEFAULT_LOCALE]: input.name };
  }
  if (input.names != null) names = mergeNames(data, names, input.names, ['input', 'names'], errors);
  if (input.categoryIds != null) checkCategories(data, input.categoryIds, ['input', 'categoryIds'], errors);
  if (input.supplierId != null) checkSupplier(data, input.supplierId, ['input', 'supplierId'], errors);
  if (errors.length > 0) return { product: null, errors };
  product.names = names;
  if (input.description !== undefined) {
    product.descriptions =
      input.description === null ? null : { ...product.descriptions, [DEFAULT_LOCALE]: input.description };
  }
  if (input.status != null) product.status = input.status;
  if (input.categoryIds != null) product.categoryIds = [...input.categoryIds];
  if (input.supplierId !== undefined) product.supplierId = input.supplierId;
  product.updatedAt = data.now();
  return { product, errors };
}

export function deleteProduct(data: DemoData, id: string): { deletedId: string | null; errors: UserError[] } {
  const product = findProduct(data, id);
  if (product === undefined) return { deletedId: null, errors: [notFound(['id'], id)] };
  removeProduct(data, product);
  return { deletedId: id, errors: [] };
}

export interface ImportItemError {
  readonly index: number;
  readonly sku: string;
  readonly message: string;
  readonly code: UserErrorCode;
}

/**
 * Imports each item on its own: an item with an error is skipped whole, the others still apply.
 * Throws a GraphQLError (BAD_USER_INPUT) for more than {@link MAX_IMPORT_ITEMS} items.
 */
export function bulkImportProducts(
  data: DemoData,
  items: readonly ProductImportInput[],
  mode: 'CREATE_ONLY' | 'UPSERT',
): { created: number; updated: number; errors: ImportItemError[] } {
  if (items.length > MAX_IMPORT_ITEMS) {
    throw new GraphQLError(`An import takes at most ${MAX_IMPORT_ITEMS} items, got ${items.length}.`, {
      extensions: { code: 'BAD_USER_INPUT' },
    });
  }
  let created = 0;
  let updated = 0;
  const errors: ImportItemError[] = [];
  items.forEach((item, index) => {
    const itemErrors: UserError[] = [];
    const at = ['items', String(index)];
    checkSku(item.sku, [...at, 'sku'], itemErrors);
    checkName(item.name, [...at, 'name'], itemErrors);
    checkCategories(data, item.categoryIds ?? [], [...at, 'categoryIds'], itemErrors);
    const existing = data.productsBySku.get(item.sku);
    if (existing !== undefined && mode === 'CREATE_ONLY') {
      itemErrors.push({ field: [...at, 'sku'], message: `SKU ${item.sku} exists.`, code: 'DUPLICATE_SKU' });
    }
    if (existing === undefined && data.variantsBySku.has(item.sku)) {
      itemErrors.push({
        field: [...at, 'sku'],
        message: `SKU ${item.sku} is a variant's.`,
        code: 'DUPLICATE_SKU',
      });
    }
    const seen = new Set<string>([item.sku]);
    (item.variants ?? []).forEach((v, vi) => {
      const field = [...at, 'variants', String(vi), 'sku'];
      checkSku(v.sku, field, itemErrors);
      const owner = data.variantsBySku.get(v.sku)?.productId;
      if (
        seen.has(v.sku) ||
        data.productsBySku.has(v.sku) ||
        (owner !== undefined && owner !== existing?.id)
      ) {
        itemErrors.push({ field, message: `SKU ${v.sku} is taken.`, code: 'DUPLICATE_SKU' });
      }
      seen.add(v.sku);
    });
    const first = itemErrors[0];
    if (first !== undefined) {
      errors.push({ index, sku: item.sku, message: first.message, code: first.code });
      return;
    }
    let product: ProductRecord;
    if (existing === undefined) {
      product = addProduct(data, {
        sku: item.sku,
        names: { [DEFAULT_LOCALE]: item.name },
        descriptions: item.description == null ? null : { [DEFAULT_LOCALE]: item.description },
        status: item.status ?? 'DRAFT',
        categoryIds: [...(item.categoryIds ?? [])],
        supplierId: null,
      });
      created++;
    } else {
      product = existing;
      product.names = { ...product.names, [DEFAULT_LOCALE]: item.name };
      if (item.description != null) {
        product.descriptions = { ...product.descriptions, [DEFAULT_LOCALE]: item.description };
      }
      if (item.status != null) product.status = item.status;
      if (item.categoryIds != null) product.categoryIds = [...item.categoryIds];
      product.updatedAt = data.now();
      updated++;
    }
    for (const v of item.variants ?? []) {
      const variant = data.variantsBySku.get(v.sku);
      if (variant === undefined) {
        addVariant(data, product, {
          sku: v.sku,
          name: v.name ?? null,
          gtin: v.gtin ?? null,
          weightGrams: null,
          options: [],
          prices: [],
          inventory: [],
          assetIds: [],
        });
      } else {
        if (v.name != null) variant.name = v.name;
        if (v.gtin != null) variant.gtin = v.gtin;
      }
    }
  });
  return { created, updated, errors };
}

/** `amount` in minor units; null when it has more decimals than the currency or is negative or huge. */
export function toMinorUnits(amount: string, currency: CurrencyCode): number | null {
  const decimals = currencyDecimals(currency);
  const match = /^(\d+)(?:\.(\d+))?$/.exec(amount);
  if (match === null) return null;
  const fraction = match[2] ?? '';
  if (fraction.length > decimals) return null;
  const minor = Number(match[1]) * 10 ** decimals + Number(fraction.padEnd(decimals, '0') || '0');
  return Number.isSafeInteger(minor) && minor <= 1e12 ? minor : null;
}

/** Replaces the variant's price in the channel and currency (or adds one), valid from now. */
export function setPrice(
  data: DemoData,
  input: SetPriceInput,
): { price: PriceRecord | null; errors: UserError[] } {
  const errors: UserError[] = [];
  const variant = data.variants.get(input.variantId);
  if (variant === undefined) errors.push(notFound(['input', 'variantId'], input.variantId));
  const channel = data.channels.find((c) => c.id === input.channelId);
  if (channel === undefined) errors.push(notFound(['input', 'channelId'], input.channelId));
  const { currency } = input.amount;
  if (channel !== undefined && !channel.currencies.includes(currency)) {
    errors.push({
      field: ['input', 'amount', 'currency'],
      message: `Channel ${channel.code} sells in ${channel.currencies.join(', ')}, not ${currency}.`,
      code: 'INVALID_VALUE',
    });
  }
  const amountMinor = toMinorUnits(input.amount.amount, currency);
  const decimals = currencyDecimals(currency);
  if (amountMinor === null) {
    errors.push({
      field: ['input', 'amount', 'amount'],
      message: `${input.amount.amount} is not a non-negative ${currency} amount with at most ${decimals} decimals.`,
      code: 'INVALID_VALUE',
    });
  }
  let compareAtMinor: number | null = null;
  if (input.compareAtAmount != null) {
    compareAtMinor = toMinorUnits(input.compareAtAmount.amount, currency);
    if (input.compareAtAmount.currency !== currency || compareAtMinor === null) {
      errors.push({
        field: ['input', 'compareAtAmount'],
        message: `compareAtAmount must be a ${currency} amount with at most ${decimals} decimals.`,
        code: 'INVALID_VALUE',
      });
    }
  }
  if (variant === undefined || channel === undefined || amountMinor === null || errors.length > 0) {
    return { price: null, errors };
  }
  const price: PriceRecord = {
    channelId: channel.id,
    currency,
    amountMinor,
    compareAtMinor,
    validFrom: data.now(),
  };
  const at = variant.prices.findIndex((p) => p.channelId === channel.id && p.currency === currency);
  if (at >= 0) variant.prices[at] = price;
  else variant.prices.push(price);
  return { price, errors };
}
