import { operationType, readOperations } from '../../src/client/index.js';

describe('operationType', () => {
  it.each<[string, string | null, string | null]>([
    ['{ a }', null, 'query'],
    ['query { a }', null, 'query'],
    ['mutation { save }', null, 'mutation'],
    ['subscription S { tick }', 'S', 'subscription'],
    ['query A { a } mutation B { b }', 'B', 'mutation'],
    ['query A { a } mutation B { b }', 'A', 'query'],
    ['query A { a } mutation B { b }', null, null],
    ['query A { a }', 'Z', null],
    ['fragment F on Mutation { x } mutation M { ...F }', null, 'mutation'],
    ['fragment mutation on T { x } { ...mutation }', null, 'query'],
    ['# mutation M { x }\n{ a }', null, 'query'],
    ['{ a(s: "mutation { x }") }', null, 'query'],
    ['{ a(s: """\nmutation { x }\n""") }', null, 'query'],
    ['query Q($i: In = {mutation: 1}) @live { a }', 'Q', 'query'],
    ['mutation @tagged { a }', null, 'mutation'],
    ['', null, null],
    ['}}}{{{', null, null],
  ])('%j (operationName %j) is %j', (query, name, expected) => {
    expect(operationType(query, name)).toBe(expected);
  });
});

describe('readOperations', () => {
  it('reads a POST body, a batch, and a GET query string', () => {
    expect(readOperations('/g', 'POST', '{"query":"mutation { a }","variables":{"x":1}}')).toEqual({
      isBatch: false,
      operations: [
        {
          query: 'mutation { a }',
          operationName: null,
          variables: { x: 1 },
          extensions: null,
          type: 'mutation',
        },
      ],
    });
    expect(
      readOperations('/g', 'POST', '[{"query":"{ a }"},{"query":"mutation { b }"}]')?.operations.map(
        (o) => o.type,
      ),
    ).toEqual(['query', 'mutation']);
    const get = `/g?query=${encodeURIComponent('{ a }')}&variables=${encodeURIComponent('{"x":2}')}&extensions=%7Bbad`;
    expect(readOperations(get, 'GET', undefined)).toEqual({
      isBatch: false,
      operations: [
        { query: '{ a }', operationName: null, variables: { x: 2 }, extensions: null, type: 'query' },
      ],
    });
  });

  it.each([undefined, 'not json', '[1]', 'null', '[{"query":"{a}"}, 3]'])(
    'gives null for a body it cannot read: %p',
    (body) => {
      expect(readOperations('/g', 'POST', body)).toBeNull();
    },
  );
});
