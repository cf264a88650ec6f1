import { graphql } from 'graphql';
import type { GraphQLSchema } from 'graphql';
import { createDemoData } from '../../demo/data.js';
import type { DemoData } from '../../demo/records.js';
import { MAX_IMPORT_ITEMS, toMinorUnits } from '../../demo/mutations.js';
import { createDemoSchema } from '../../demo/schema.js';

const NOW = Date.UTC(2025, 0, 15, 9, 30);
const NOW_ISO = '2025-01-15T09:30:00.000Z';

// A small catalogue: mutations change it, so each test gets its own.
let data: DemoData;
let schema: GraphQLSchema;
beforeEach(() => {
  data = createDemoData({ productCount: 20, now: () => NOW });
  schema = createDemoSchema({ data });
});

async function ok(source: string, variableValues: Record<string, unknown> = {}): Promise<unknown> {
  const result = await graphql({ schema, source, variableValues });
  expect(result.errors).toBeUndefined();
  return result.data;
}

describe('createProduct', () => {
  const create = `mutation($input: CreateProductInput!) {
    createProduct(input: $input) {
      product { id sku name de: name(locale: "de-DE") status createdAt updatedAt categories { code } supplier { code } stockStatus }
      errors { field message code }
    }
  }`;

  it('creates a product that queries then return', async () => {
    await expect(
      ok(create, {
        input: {
          sku: 'NEW-1',
          name: 'Trail Mug',
          names: [{ locale: 'de-DE', value: 'Wanderbecher' }],
          categoryIds: ['Category:3'],
          supplierId: 'Supplier:2',
        },
      }),
    ).resolves.toEqual({
      createProduct: {
        product: {
          id: 'Product:21',
          sku: 'NEW-1',
          name: 'Trail Mug',
          de: 'Wanderbecher',
          status: 'DRAFT',
          createdAt: NOW_ISO,
          updatedAt: NOW_ISO,
          categories: [{ code: 'essentials' }],
          supplier: { code: 'SUP-002' },
          stockStatus: 'OUT_OF_STOCK',
        },
        errors: [],
      },
    });
    await expect(ok('{ product(sku: "NEW-1") { id } products(first: 0) { totalCount } }')).resolves.toEqual({
      product: { id: 'Product:21' },
      products: { totalCount: 21 },
    });
  });

  it('reports every problem as a user error and creates nothing', async () => {
    await expect(
      ok(create, {
        input: {
          sku: 'HOM-00002',
          name: '  ',
          names: [{ locale: 'xx-XX', value: 'x' }],
          categoryIds: ['Category:1', 'Product:1'],
          supplierId: 'Supplier:99',
        },
      }),
    ).resolves.toEqual({
      createProduct: {
        product: null,
        errors: [
          { field: ['input', 'sku'], message: 'SKU HOM-00002 is taken.', code: 'DUPLICATE_SKU' },
          { field: ['input', 'name'], message: 'A name cannot be blank.', code: 'INVALID_VALUE' },
          {
            field: ['input', 'names', '0', 'locale'],
            message: 'Unknown locale xx-XX.',
            code: 'INVALID_VALUE',
          },
          {
            field: ['input', 'categoryIds', '1'],
            message: 'No category has the id Product:1.',
            code: 'NOT_FOUND',
          },
          {
            field: ['input', 'supplierId'],
            message: 'No supplier has the id Supplier:99.',
            code: 'NOT_FOUND',
          },
        ],
      },
    });
    expect(data.products.size).toBe(20);
  });

  it('rejects a malformed SKU', async () => {
    const result = (await ok(create, { input: { sku: '-x y', name: 'n' } })) as {
      createProduct: { errors: { code: string }[] };
    };
    expect(result.createProduct.errors).toEqual([
      {
        field: ['input', 'sku'],
        message:
          'A SKU has 1 to 64 letters, digits, dots, dashes or underscores, starting with a letter or digit.',
        code: 'INVALID_VALUE',
      },
    ]);
  });
});

describe('updateProduct and deleteProduct', () => {
  it('changes only the fields given and stamps updatedAt', async () => {
    const before = data.products.get('Product:2')!;
    const createdAt = new Date(before.createdAt).toISOString();
    await expect(
      ok(`mutation {
        updateProduct(id: "Product:2", input: { status: ARCHIVED, description: null }) {
          product { sku name status description createdAt updatedAt }
          errors { code }
        }
      }`),
    ).resolves.toEqual({
      updateProduct: {
        product: {
          sku: 'HOM-00002',
          name: 'Nordlys Vase Ridge 25',
          status: 'ARCHIVED',
          description: null,
          createdAt,
          updatedAt: NOW_ISO,
        },
        errors: [],
      },
    });
  });

  it('deletes a product with its variants, and unlinks it everywhere', async () => {
    const variantIds = [...data.products.get('Product:2')!.variantIds];
    const assetId = data.products.get('Product:2')!.assetIds[0]!;
    await expect(
      ok('mutation { deleteProduct(id: "Product:2") { deletedId errors { code } } }'),
    ).resolves.toEqual({ deleteProduct: { deletedId: 'Product:2', errors: [] } });
    await expect(
      ok(`{ node(id: "Product:2") { id } v: node(id: "${variantIds[0]!}") { id } products(first: 0) { totalCount }
            search(query: "HOM-00002", types: [PRODUCT]) { totalCount }
            asset: node(id: "${assetId}") { ... on Asset { products { id } } } }`),
    ).resolves.toEqual({
      node: null,
      v: null,
      products: { totalCount: 19 },
      search: { totalCount: 0 },
      asset: { products: [] },
    });
    for (const p of data.products.values()) expect(p.relatedIds).not.toContain('Product:2');
    await expect(
      ok('mutation { deleteProduct(id: "Product:2") { deletedId errors { field message code } } }'),
    ).resolves.toEqual({
      deleteProduct: {
        deletedId: null,
        errors: [{ field: ['id'], message: 'Nothing has the id Product:2.', code: 'NOT_FOUND' }],
      },
    });
  });
});

describe('bulkImportProducts', () => {
  const bulk = `mutation($items: [ProductImportInput!]!, $mode: ImportMode) {
    bulkImportProducts(items: $items, mode: $mode) { created updated errors { index sku message code } }
  }`;

  it('creates new SKUs, updates existing ones and skips bad items', async () => {
    await expect(
      ok(bulk, {
        items: [
          { sku: 'IMP-1', name: 'Imported one', variants: [{ sku: 'IMP-1-A', gtin: '4000000000017' }] },
          { sku: 'HOM-00002', name: 'Renamed vase', status: 'ACTIVE' },
          { sku: 'IMP-2', name: 'Bad category', categoryIds: ['Category:999'] },
          { sku: 'IMP-3', name: 'Taken variant', variants: [{ sku: 'IMP-1-A' }] },
        ],
      }),
    ).resolves.toEqual({
      bulkImportProducts: {
        created: 1,
        updated: 1,
        errors: [
          { index: 2, sku: 'IMP-2', message: 'No category has the id Category:999.', code: 'NOT_FOUND' },
          { index: 3, sku: 'IMP-3', message: 'SKU IMP-1-A is taken.', code: 'DUPLICATE_SKU' },
        ],
      },
    });
    await expect(
      ok(`{ a: product(sku: "IMP-1") { status variants { nodes { sku name gtin } } }
            b: product(sku: "HOM-00002") { name status updatedAt } c: product(sku: "IMP-2") { id } }`),
    ).resolves.toEqual({
      a: {
        status: 'DRAFT',
        variants: { nodes: [{ sku: 'IMP-1-A', name: 'Imported one', gtin: '4000000000017' }] },
      },
      b: { name: 'Renamed vase', status: 'ACTIVE', updatedAt: NOW_ISO },
      c: null,
    });
  });

  it('refuses existing SKUs in CREATE_ONLY mode', async () => {
    await expect(
      ok(bulk, { items: [{ sku: 'HOM-00002', name: 'x' }], mode: 'CREATE_ONLY' }),
    ).resolves.toEqual({
      bulkImportProducts: {
        created: 0,
        updated: 0,
        errors: [{ index: 0, sku: 'HOM-00002', message: 'SKU HOM-00002 exists.', code: 'DUPLICATE_SKU' }],
      },
    });
  });

  it('rejects more than MAX_IMPORT_ITEMS items as a request error', async () => {
    const items = Array.from({ length: MAX_IMPORT_ITEMS + 1 }, (_, i) => ({ sku: `X-${i}`, name: 'x' }));
    const result = await graphql({ schema, source: bulk, variableValues: { items } });
    expect(result.errors?.map((e) => [e.message, e.extensions['code']])).toEqual([
      ['An import takes at most 500 items, got 501.', 'BAD_USER_INPUT'],
    ]);
    expect(data.products.size).toBe(20);
  });
});

describe('setPrice', () => {
  const set = `mutation($input: SetPriceInput!) {
    setPrice(input: $input) {
      price { channel { code } amount { amount currency minorUnits } compareAtAmount { amount } validFrom }
      errors { field message code }
    }
  }`;

  it('replaces the price in that channel and currency, and fromPrice follows', async () => {
    const variantId = data.products.get('Product:2')!.variantIds[0]!;
    await expect(
      ok(set, {
        input: {
          variantId,
          channelId: 'Channel:1',
          amount: { amount: '12.5', currency: 'CHF' },
          compareAtAmount: { amount: '20', currency: 'CHF' },
        },
      }),
    ).resolves.toEqual({
      setPrice: {
        price: {
          channel: { code: 'web-eu' },
          amount: { amount: '12.50', currency: 'CHF', minorUnits: 1250 },
          compareAtAmount: { amount: '20.00' },
          validFrom: NOW_ISO,
        },
        errors: [],
      },
    });
    expect(data.variants.get(variantId)!.prices).toHaveLength(5);
    await expect(
      ok(
        '{ node(id: "Product:2") { ... on Product { fromPrice(channel: "Channel:1", currency: CHF) { amount } } } }',
      ),
    ).resolves.toEqual({ node: { fromPrice: { amount: '12.50' } } });
  });

  it('explains a currency the channel does not sell in and an amount too precise for it', async () => {
    const variantId = data.products.get('Product:2')!.variantIds[0]!;
    await expect(
      ok(set, { input: { variantId, channelId: 'Channel:4', amount: { amount: '10.5', currency: 'EUR' } } }),
    ).resolves.toEqual({
      setPrice: {
        price: null,
        errors: [
          {
            field: ['input', 'amount', 'currency'],
            message: 'Channel retail-jp sells in JPY, not EUR.',
            code: 'INVALID_VALUE',
          },
        ],
      },
    });
    await expect(
      ok(set, { input: { variantId, channelId: 'Channel:4', amount: { amount: '10.5', currency: 'JPY' } } }),
    ).resolves.toEqual({
      setPrice: {
        price: null,
        errors: [
          {
            field: ['input', 'amount', 'amount'],
            message: '10.5 is not a non-negative JPY amount with at most 0 decimals.',
            code: 'INVALID_VALUE',
          },
        ],
      },
    });
  });

  it('rejects a non-decimal amount at the scalar, before the resolver', async () => {
    const result = await graphql({
      schema,
      source: set,
      variableValues: {
        input: { variantId: 'x', channelId: 'y', amount: { amount: '1e3', currency: 'EUR' } },
      },
    });
    expect(result.errors?.map((e) => e.message)).toEqual([
      'Variable "$input" got invalid value "1e3" at "input.amount.amount"; Decimal cannot represent "1e3": expected a decimal number as a string, e.g. "19.99".',
    ]);
  });
});

describe('toMinorUnits', () => {
  it('converts decimal strings exactly', () => {
    expect(toMinorUnits('19.99', 'EUR')).toBe(1999);
    expect(toMinorUnits('0.1', 'USD')).toBe(10);
    expect(toMinorUnits('7', 'GBP')).toBe(700);
    expect(toMinorUnits('16200', 'JPY')).toBe(16200);
    expect(toMinorUnits('1.999', 'EUR')).toBeNull();
    expect(toMinorUnits('-1', 'EUR')).toBeNull();
    expect(toMinorUnits('99999999999', 'EUR')).toBeNull();
  });
});
