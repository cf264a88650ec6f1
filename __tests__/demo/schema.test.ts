import {
  buildASTSchema,
  getNamedType,
  graphql,
  isInterfaceType,
  isObjectType,
  isUnionType,
  Kind,
  validateSchema,
} from 'graphql';
import type { ExecutionResult, GraphQLSchema } from 'graphql';
import { createDemoData } from '../../demo/data.js';
import { createResolvers } from '../../demo/resolvers.js';
import { bindDemoSchema, createDemoSchema, readPimSdl } from '../../demo/schema.js';
import { withCostDirectives } from '../../src/cost/index.js';

const catalogue = createDemoData();
let schema: GraphQLSchema;
beforeAll(() => {
  schema = createDemoSchema({ data: catalogue });
});

async function run(source: string, variableValues?: Record<string, unknown>): Promise<ExecutionResult> {
  return graphql({ schema, source, ...(variableValues ? { variableValues } : {}) });
}

/** The data of a result that must have no errors. */
async function ok(source: string, variableValues?: Record<string, unknown>): Promise<unknown> {
  const result = await run(source, variableValues);
  expect(result.errors).toBeUndefined();
  return result.data;
}

/** The codes and messages of a result's errors. */
async function errorsOf(source: string, variableValues?: Record<string, unknown>): Promise<unknown> {
  const result = await run(source, variableValues);
  return result.errors?.map((e) => ({ code: e.extensions['code'], message: e.message }));
}

describe('schema/pim.graphql', () => {
  it('is a valid schema of 68 named types once the cost directives are prepended', () => {
    const built = buildASTSchema(withCostDirectives(readPimSdl()));
    expect(validateSchema(built)).toEqual([]);
    const named = Object.keys(built.getTypeMap()).filter((n) => !n.startsWith('__'));
    expect(named).toHaveLength(68 + 5); // + String, Int, Float, Boolean, ID
  });

  it('does not declare the cost directives itself (one source of truth)', () => {
    expect(readPimSdl()).not.toMatch(/directive\s+@/);
  });

  it('names only real arguments and fields in @listSize', () => {
    const built = buildASTSchema(withCostDirectives(readPimSdl()));
    const problems: string[] = [];
    let annotated = 0;
    for (const type of Object.values(built.getTypeMap())) {
      if (!isObjectType(type) && !isInterfaceType(type)) continue;
      for (const field of Object.values(type.getFields())) {
        const listSize = field.astNode?.directives?.find((d) => d.name.value === 'listSize');
        if (listSize === undefined) continue;
        annotated++;
        const strings = (name: string): string[] => {
          const arg = listSize.arguments?.find((a) => a.name.value === name);
          return arg?.value.kind === Kind.LIST
            ? arg.value.values.flatMap((v) => (v.kind === Kind.STRING ? [v.value] : []))
            : [];
        };
        for (const s of strings('slicingArguments')) {
          if (!field.args.some((a) => a.name === s))
            problems.push(`${type.name}.${field.name}: no argument ${s}`);
        }
        const target = getNamedType(field.type);
        for (const s of strings('sizedFields')) {
          if (!(isObjectType(target) && s in target.getFields())) {
            problems.push(`${type.name}.${field.name}: no field ${s}`);
          }
        }
      }
    }
    expect(problems).toEqual([]);
    expect(annotated).toBe(27);
  });
});

describe('bindDemoSchema', () => {
  it('rejects a resolver for a field the schema lacks', () => {
    const built = buildASTSchema(withCostDirectives(readPimSdl()));
    const resolvers = {
      ...createResolvers(createDemoData({ productCount: 1 })),
      Product: { nmae: () => 'x' },
    };
    expect(() => bindDemoSchema(built, resolvers)).toThrow('resolver for Product.nmae, which does not exist');
    expect(() => bindDemoSchema(built, { SearchResult: {} })).toThrow(
      'resolvers for SearchResult, which is not an object type',
    );
  });

  it('resolves every abstract type through __typename', () => {
    const abstract = Object.values(schema.getTypeMap()).filter((t) => isUnionType(t) || isInterfaceType(t));
    expect(abstract.map((t) => t.name).sort()).toEqual(['AttributeValue', 'Node', 'SearchResult']);
  });
});

describe('queries', () => {
  it('serves a product with localized names, prices, stock, attributes and variants', async () => {
    await expect(
      ok(`{
        node(id: "Product:2") {
          __typename
          ... on Product {
            sku name de: name(locale: "de-DE") fr: name(locale: "fr-FR") status createdAt updatedAt
            primaryCategory { path } supplier { name }
            fromPrice(channel: "Channel:2", currency: USD) { amount currency minorUnits }
            jpy: fromPrice(channel: "Channel:4", currency: JPY) { amount }
            none: fromPrice(channel: "Channel:2", currency: EUR) { amount }
            stockStatus
            attributes {
              __typename attribute { code }
              ... on OptionAttributeValue { option { label } }
              ... on TextAttributeValue { locale text }
              ... on DateAttributeValue { date }
              ... on NumberAttributeValue { number unit }
            }
            variants { totalCount nodes { sku name de: name(locale: "de-DE") gtin inventory { warehouse { code } available } } }
            assets(first: 2) { kind fileName }
            related { sku }
          }
        }
      }`),
    ).resolves.toEqual({
      node: {
        __typename: 'Product',
        sku: 'HOM-00002',
        name: 'Nordlys Vase Ridge 25',
        de: 'Nordlys Vase Ridge 25',
        fr: 'Nordlys Vase Ridge 25',
        status: 'DRAFT',
        createdAt: '2024-05-12T13:04:33.982Z',
        updatedAt: '2024-05-28T13:04:33.982Z',
        primaryCategory: { path: 'home/decor/essentials' },
        supplier: { name: 'Delta Works' },
        fromPrice: { amount: '51.99', currency: 'USD', minorUnits: 5199 },
        jpy: { amount: '7800' },
        none: null,
        stockStatus: 'IN_STOCK',
        attributes: [
          { __typename: 'OptionAttributeValue', attribute: { code: 'brand' }, option: { label: 'Nordlys' } },
          {
            __typename: 'TextAttributeValue',
            attribute: { code: 'material' },
            locale: 'en-US',
            text: 'Cotton',
          },
          {
            __typename: 'TextAttributeValue',
            attribute: { code: 'material' },
            locale: 'de-DE',
            text: 'Baumwolle',
          },
          {
            __typename: 'DateAttributeValue',
            attribute: { code: 'launch_date' },
            date: '2024-06-11T00:00:00.000Z',
          },
          {
            __typename: 'NumberAttributeValue',
            attribute: { code: 'warranty_years' },
            number: 4,
            unit: 'years',
          },
        ],
        variants: {
          totalCount: 1,
          nodes: [
            {
              sku: 'HOM-00002-1',
              name: 'Nordlys Vase Ridge 25 (Grey)',
              de: 'Nordlys Vase Ridge 25 (Grau)',
              gtin: '4002566406964',
              inventory: [
                { warehouse: { code: 'BER' }, available: 53 },
                { warehouse: { code: 'LYS' }, available: 24 },
                { warehouse: { code: 'EWR' }, available: 0 },
                { warehouse: { code: 'KIX' }, available: 148 },
              ],
            },
          ],
        },
        assets: [
          { kind: 'IMAGE', fileName: 'hom-00002-1.jpg' },
          { kind: 'IMAGE', fileName: 'hom-00002-2.jpg' },
        ],
        related: [{ sku: 'FOO-00807' }, { sku: 'APP-01007' }],
      },
    });
  });

  it('looks a product up by exactly one of id and sku', async () => {
    await expect(ok('{ product(sku: "HOM-00002") { id } }')).resolves.toEqual({
      product: { id: 'Product:2' },
    });
    await expect(ok('{ product(id: "Category:1") { id } }')).resolves.toEqual({ product: null });
    const both = [{ code: 'BAD_USER_INPUT', message: 'Pass exactly one of `id` and `sku`.' }];
    await expect(errorsOf('{ product(id: "Product:2", sku: "HOM-00002") { id } }')).resolves.toEqual(both);
    await expect(errorsOf('{ product { id } }')).resolves.toEqual(both);
  });

  it('walks the category tree', async () => {
    await expect(
      ok(`{
        categoryTree { code de: name(locale: "de-DE") }
        category(id: "Category:3") {
          path depth name ancestors { code } parent { code }
          productCount all: productCount(includeDescendants: true)
        }
        family: category(id: "Category:2") {
          productCount all: productCount(includeDescendants: true) children { productCount }
        }
      }`),
    ).resolves.toEqual({
      categoryTree: [
        { code: 'apparel', de: 'Bekleidung' },
        { code: 'footwear', de: 'Schuhe' },
        { code: 'home', de: 'Wohnen' },
        { code: 'electronics', de: 'Elektronik' },
        { code: 'outdoor', de: 'Outdoor' },
        { code: 'beauty', de: 'Beauty' },
      ],
      category: {
        path: 'apparel/shirts/essentials',
        depth: 2,
        name: 'Shirts Essentials',
        ancestors: [{ code: 'apparel' }, { code: 'shirts' }],
        parent: { code: 'shirts' },
        productCount: 41,
        all: 41,
      },
      // Products sit in leaves only; some are cross-listed in two lines of the family, so the family
      // counts each product once while its lines' counts add up to more.
      family: {
        productCount: 0,
        all: 80,
        children: [{ productCount: 41 }, { productCount: 29 }, { productCount: 30 }],
      },
    });
    // The same counts, straight from the catalogue.
    const inAny = (ids: string[]): number =>
      [...catalogue.products.values()].filter((p) => p.categoryIds.some((c) => ids.includes(c))).length;
    expect([inAny(['Category:3']), inAny(['Category:3', 'Category:4', 'Category:5'])]).toEqual([41, 80]);
  });

  it('filters and sorts products', async () => {
    await expect(
      ok(`{
        products(first: 3, filter: { categoryId: "Category:3", status: ACTIVE }, sort: { field: NAME, direction: DESC }) {
          totalCount nodes { sku name } pageInfo { hasNextPage hasPreviousPage }
        }
        prefix: products(filter: { skuPrefix: "BEA-0000" }) { totalCount nodes { sku } }
      }`),
    ).resolves.toEqual({
      products: {
        totalCount: 27,
        nodes: [
          { sku: 'APP-00400', name: 'Umbra Shirt Pulse 73' },
          { sku: 'APP-01187', name: 'Umbra Shirt Pulse 73' },
          { sku: 'APP-01943', name: 'Umbra Shirt Orbit 86' },
        ],
        pageInfo: { hasNextPage: true, hasPreviousPage: false },
      },
      prefix: { totalCount: 1, nodes: [{ sku: 'BEA-00003' }] },
    });
  });

  it('searches products, categories and assets, best match first', async () => {
    await expect(
      ok(`{
        search(query: "Stiefel", types: [CATEGORY, PRODUCT], first: 2) {
          totalCount
          edges { score node { __typename ... on Category { path } ... on Product { sku } } }
        }
        phrase: search(query: "nordlys vase ridge 25") {
          totalCount
          nodes { __typename ... on Product { sku } ... on Asset { fileName url } }
        }
      }`),
    ).resolves.toEqual({
      search: {
        totalCount: 41,
        edges: [
          { score: 1, node: { __typename: 'Category', path: 'footwear/boots' } },
          { score: 0.8, node: { __typename: 'Product', sku: 'FOO-00010' } },
        ],
      },
      phrase: {
        totalCount: 3,
        nodes: [
          { __typename: 'Product', sku: 'HOM-00002' },
          {
            __typename: 'Asset',
            fileName: 'hom-00002-1.jpg',
            url: 'https://cdn.pim.example/assets/11/hom-00002-1.jpg',
          },
          {
            __typename: 'Asset',
            fileName: 'hom-00002-2.jpg',
            url: 'https://cdn.pim.example/assets/12/hom-00002-2.jpg',
          },
        ],
      },
    });
    await expect(errorsOf('{ search(query: "   ") { totalCount } }')).resolves.toEqual([
      { code: 'BAD_USER_INPUT', message: '`query` must have 1 to 200 characters besides spaces.' },
    ]);
  });

  it('pages with first/after cursors', async () => {
    const page = async (after: string | null): Promise<{ skus: string[]; end: string; next: boolean }> => {
      const data = (await ok(
        'query($after: String) { suppliers(first: 15, after: $after) { nodes { code } pageInfo { endCursor hasNextPage hasPreviousPage } } }',
        { after },
      )) as {
        suppliers: { nodes: { code: string }[]; pageInfo: { endCursor: string; hasNextPage: boolean } };
      };
      return {
        skus: data.suppliers.nodes.map((n) => n.code),
        end: data.suppliers.pageInfo.endCursor,
        next: data.suppliers.pageInfo.hasNextPage,
      };
    };
    const one = await page(null);
    const two = await page(one.end);
    const three = await page(two.end);
    expect([one.skus.length, two.skus.length, three.skus.length]).toEqual([15, 15, 10]);
    expect([one.next, two.next, three.next]).toEqual([true, true, false]);
    const all = [...one.skus, ...two.skus, ...three.skus];
    expect(all).toEqual(Array.from({ length: 40 }, (_, i) => `SUP-${String(i + 1).padStart(3, '0')}`));
  });

  it('rejects a page size over 100, a negative one and a forged cursor', async () => {
    await expect(errorsOf('{ products(first: 101) { totalCount } }')).resolves.toEqual([
      { code: 'BAD_USER_INPUT', message: '`first` must be an integer from 0 to 100, got 101.' },
    ]);
    await expect(
      errorsOf('{ node(id: "Product:2") { ... on Product { related(first: -1) { sku } } } }'),
    ).resolves.toEqual([
      { code: 'BAD_USER_INPUT', message: '`first` must be an integer from 0 to 100, got -1.' },
    ]);
    await expect(errorsOf('{ products(after: "bm9wZQ==") { totalCount } }')).resolves.toEqual([
      { code: 'BAD_USER_INPUT', message: 'Invalid cursor "bm9wZQ==": pass a cursor from a previous page.' },
    ]);
  });

  it('rejects malformed custom scalar input with a clear message', async () => {
    const result = await run(
      'query($t: DateTime) { products(filter: { updatedSince: $t }) { totalCount } }',
      {
        t: 'yesterday',
      },
    );
    expect(result.errors?.map((e) => e.message)).toEqual([
      'Variable "$t" got invalid value "yesterday"; DateTime cannot represent "yesterday": expected an RFC 3339 date-time such as 2024-05-01T12:00:00Z.',
    ]);
    await expect(
      ok('{ products(first: 0, filter: { updatedSince: "2024-12-01T00:00:00Z" }) { totalCount } }'),
    ).resolves.toEqual({ products: { totalCount: 0 } });
    await expect(
      ok('{ products(first: 0, filter: { updatedSince: "2024-05-01T00:00:00Z" }) { totalCount } }'),
    ).resolves.toEqual({ products: { totalCount: 180 } });
    const since = Date.parse('2024-05-01T00:00:00Z');
    expect([...catalogue.products.values()].filter((p) => p.updatedAt >= since)).toHaveLength(180);
  });
});
