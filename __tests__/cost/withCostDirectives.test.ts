import { Kind, buildASTSchema, print } from 'graphql';
import { COST_DIRECTIVES_SDL, withCostDirectives } from '../../src/cost/index.js';

describe('withCostDirectives', () => {
  it('prepends the @cost and @listSize declarations an SDL lacks, so it builds', () => {
    const document = withCostDirectives(
      'type Query { items: [Int] @listSize(assumedSize: 3) @cost(weight: 2) }',
    );
    expect(
      document.definitions.map((d) => ('name' in d && d.name !== undefined ? d.name.value : d.kind)),
    ).toEqual(['cost', 'listSize', 'Query']);
    const schema = buildASTSchema(document);
    expect(schema.getDirective('cost')?.args.map((a) => `${a.name}: ${String(a.type)}`)).toEqual([
      'weight: Int!',
    ]);
  });

  it('leaves a declaration the SDL has alone and adds only the missing one', () => {
    const own = 'directive @cost(weight: String!) on FIELD_DEFINITION';
    const document = withCostDirectives(`${own} type Query { a: Int @cost(weight: "1.5") }`);
    expect(
      document.definitions.filter((d) => d.kind === Kind.DIRECTIVE_DEFINITION).map((d) => print(d)),
    ).toEqual([print(withCostDirectives(COST_DIRECTIVES_SDL).definitions[1]!), own]);
  });

  it('returns the same document when nothing is missing', () => {
    const full = withCostDirectives('type Query { a: Int }');
    expect(withCostDirectives(full)).toBe(full);
  });

  it('lets a syntax error through as graphql-js reports it', () => {
    expect(() => withCostDirectives('type Query {')).toThrow('Syntax Error: Expected Name, found <EOF>.');
  });
});
