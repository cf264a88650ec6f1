/**
 * Federation schemas load unchanged: subgraph SDL with `@link` (every Federation version that defines
 * `@cost` and `@listSize`, v2.9 on), `@link` renames and namespaces, supergraph SDL (`join__` and `@link`),
 * and Federation's own directives, in the analyzer and in the CLI.
 */
import { buildASTSchema, buildSchema, parse } from 'graphql';
import { CostAnalyzer, withCostDirectives } from '../../src/cost/index.js';
import { runCli } from '../../src/cli/main.js';
import type { CliIo } from '../../src/cli/main.js';

const BODY = (cost: string, listSize: string, key: string = 'key'): string => `
  type Query {
    products(first: Int = 5): [Product] @${listSize}(slicingArguments: ["first"]) @shareable
    top: Product @${cost}(weight: 3)
  }
  type Product @${key}(fields: "id") @${cost}(weight: 2) {
    id: ID!
    name: String @external
    price: Int @requires(fields: "name") @tag(name: "public")
    reviews: [Review] @provides(fields: "id") @inaccessible
    legacy: String @override(from: "old", label: "percent(5)") @authenticated
    secret: String @requiresScopes(scopes: [["read"]]) @policy(policies: [["p"]])
  }
  type Review @${key}(fields: "id", resolvable: false) @interfaceObject { id: ID! }
`;

function price(sdl: string, query: string): number {
  const schema = buildASTSchema(withCostDirectives(sdl));
  return new CostAnalyzer(schema).analyze(parse(query)).total;
}

describe('subgraph SDL', () => {
  test.each(['2.9', '2.10', '2.11', '2.12'])(
    'federation v%s with @cost and @listSize imported',
    (version) => {
      const sdl = `
      extend schema @link(url: "https://specs.apollo.dev/federation/v${version}",
        import: ["@key", "@cost", "@listSize", "@shareable", "@external", "@requires", "@provides", "@tag",
                 "@inaccessible", "@override", "@authenticated", "@requiresScopes", "@policy", "@interfaceObject"])
      ${BODY('cost', 'listSize')}`;
      // 5 products at 2 points each; top: 3 + 2.
      expect(price(sdl, '{ products { id } }')).toBe(10);
      expect(price(sdl, '{ products(first: 2) { id } top { id } }')).toBe(4 + 5);
    },
  );

  test('renames through @link(import: [{ name: "@cost", as: "@weight" }]) are followed', () => {
    const sdl = `
      extend schema @link(url: "https://specs.apollo.dev/federation/v2.9",
        import: ["@key", { name: "@cost", as: "@weight" }, { name: "@listSize", as: "@size" }, "@shareable",
                 "@external", "@requires", "@provides", "@tag", "@inaccessible", "@override", "@authenticated",
                 "@requiresScopes", "@policy", "@interfaceObject"])
      ${BODY('weight', 'size')}`;
    expect(price(sdl, '{ products(first: 2) { id } top { id } }')).toBe(9);
    const document = withCostDirectives(sdl);
    expect(
      buildASTSchema(document)
        .getDirective('weight')
        ?.args.map((a) => a.name),
    ).toEqual(['weight']);
  });

  test('what is not imported is namespaced: @federation__cost, @federation__key, ...', () => {
    const sdl = `
      extend schema @link(url: "https://specs.apollo.dev/federation/v2.9", import: ["@shareable", "@external",
        "@requires", "@provides", "@tag", "@inaccessible", "@override", "@authenticated", "@requiresScopes",
        "@policy", "@interfaceObject"])
      ${BODY('federation__cost', 'federation__listSize', 'federation__key')}`;
    expect(price(sdl, '{ products(first: 2) { id } top { id } }')).toBe(9);
  });

  test('a Federation 1 subgraph (no @link) with @key and @extends loads too', () => {
    const sdl = `
      type Query { products: [Product] @listSize(assumedSize: 3) }
      extend type Product @key(fields: "id") { id: ID! @external name: String @cost(weight: 4) }`;
    expect(price(sdl, '{ products { name } }')).toBe(3 * (1 + 4));
  });

  test('a directive the SDL neither defines nor gets from Federation is still an error', () => {
    expect(() => price('type Query { a: Int @nope }', '{ a }')).toThrow('Unknown directive "@nope".');
  });
});

/** A supergraph as Apollo composition prints it for a subgraph with demand control. */
const SUPERGRAPH = (importCost: string, cost: string): string => `
schema
  @link(url: "https://specs.apollo.dev/link/v1.0")
  @link(url: "https://specs.apollo.dev/join/v0.5", for: EXECUTION)
  @link(url: "https://specs.apollo.dev/cost/v0.1", import: [${importCost}, "@listSize"])
{
  query: Query
}

directive @${cost}(weight: Int!) on ARGUMENT_DEFINITION | ENUM | FIELD_DEFINITION | INPUT_FIELD_DEFINITION | OBJECT | SCALAR
directive @join__directive(graphs: [join__Graph!], name: String!, args: join__DirectiveArguments) repeatable on SCHEMA | OBJECT | INTERFACE | FIELD_DEFINITION
directive @join__enumValue(graph: join__Graph!) repeatable on ENUM_VALUE
directive @join__field(graph: join__Graph, requires: join__FieldSet, provides: join__FieldSet, type: String, external: Boolean, override: String, usedOverridden: Boolean, overrideLabel: String, contextArguments: [join__ContextArgument!]) repeatable on FIELD_DEFINITION | INPUT_FIELD_DEFINITION
directive @join__graph(name: String!, url: String!) on ENUM_VALUE
directive @join__implements(graph: join__Graph!, interface: String!) repeatable on OBJECT | INTERFACE
directive @join__type(graph: join__Graph!, key: join__FieldSet, extension: Boolean! = false, resolvable: Boolean! = true, isInterfaceObject: Boolean! = false) repeatable on OBJECT | INTERFACE | UNION | ENUM | INPUT_OBJECT | SCALAR
directive @join__unionMember(graph: join__Graph!, member: String!) repeatable on UNION
directive @link(url: String, as: String, for: link__Purpose, import: [link__Import]) repeatable on SCHEMA
directive @listSize(assumedSize: Int, slicingArguments: [String!], sizedFields: [String!], requireOneSlicingArgument: Boolean = true) on FIELD_DEFINITION

input join__ContextArgument { name: String! type: String! context: String! selection: join__FieldValue! }
scalar join__DirectiveArguments
scalar join__FieldSet
scalar join__FieldValue
enum join__Graph {
  PRODUCTS @join__graph(name: "products", url: "http://products:4001")
  REVIEWS @join__graph(name: "reviews", url: "http://reviews:4002")
}
scalar link__Import
enum link__Purpose { SECURITY EXECUTION }

type Product @join__type(graph: PRODUCTS, key: "id") @join__type(graph: REVIEWS, key: "id") @${cost}(weight: 2) {
  id: ID!
  name: String @join__field(graph: PRODUCTS)
  reviews(first: Int = 3): [Review] @join__field(graph: REVIEWS) @listSize(slicingArguments: ["first"])
}
type Review @join__type(graph: REVIEWS) { id: ID! stars: Int @${cost}(weight: 1) }
type Query @join__type(graph: PRODUCTS) @join__type(graph: REVIEWS) {
  products(first: Int = 5): [Product] @join__field(graph: PRODUCTS) @listSize(slicingArguments: ["first"])
}
`;

describe('supergraph SDL', () => {
  const query = '{ products(first: 2) { name reviews { stars } } }';
  // 2 products × (2 + 3 reviews × (1 + 1 star)) = 2 × 8.
  test('loads with its join__ and @link directives and prices with its @cost and @listSize', () => {
    expect(new CostAnalyzer(buildSchema(SUPERGRAPH('"@cost"', 'cost'))).analyze(parse(query)).total).toBe(16);
    expect(price(SUPERGRAPH('"@cost"', 'cost'), query)).toBe(16);
  });

  test('a renamed import in the supergraph is followed by the analyzer itself', () => {
    const schema = buildSchema(SUPERGRAPH('{ name: "@cost", as: "@weight" }', 'weight'));
    expect(new CostAnalyzer(schema).analyze(parse(query)).total).toBe(16);
    // Explicit directiveNames still win.
    expect(new CostAnalyzer(schema, { directiveNames: { cost: 'cost' } }).analyze(parse(query)).total).toBe(
      2 * (1 + 3 * 1),
    );
  });
});

describe('the CLI loads Federation schemas', () => {
  async function cli(argv: string[], files: Record<string, string>): Promise<{ code: number; out: string }> {
    let out = '';
    const io: CliIo = {
      stdout: (t) => void (out += t),
      stderr: (t) => void (out += t),
      readFile: (path) =>
        files[path] === undefined ? Promise.reject(new Error('ENOENT')) : Promise.resolve(files[path]),
    };
    return { code: await runCli(argv, io), out };
  }

  test.each([
    [
      'subgraph',
      `extend schema @link(url: "https://specs.apollo.dev/federation/v2.9", import: ["@key", "@cost", "@listSize", "@shareable", "@external", "@requires", "@provides", "@tag", "@inaccessible", "@override", "@authenticated", "@requiresScopes", "@policy", "@interfaceObject"]) ${BODY('cost', 'listSize')}`,
      '{ products(first: 2) { id } top { id } }',
      9,
    ],
    [
      'supergraph',
      SUPERGRAPH('{ name: "@cost", as: "@weight" }', 'weight'),
      '{ products(first: 2) { name reviews { stars } } }',
      16,
    ],
  ])('%s', async (_kind, sdl, query, total) => {
    const run = await cli(['cost', '--schema', 's.graphql', '--query', 'q.graphql', '--json'], {
      's.graphql': sdl,
      'q.graphql': query,
    });
    expect(run.code).toBe(0);
    expect((JSON.parse(run.out) as { total: number }).total).toBe(total);
  });
});
