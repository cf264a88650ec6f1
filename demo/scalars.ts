/**
 * Behaviour of the demo schema's custom scalars. `buildSchema` gives every custom scalar a pass-through
 * implementation; these validate input so that resolvers only ever see well-formed values.
 */
import { GraphQLError, Kind } from 'graphql';
import type { ValueNode } from 'graphql';

export interface ScalarBehaviour {
  serialize(value: unknown): unknown;
  parseValue(value: unknown): unknown;
  parseLiteral(node: ValueNode): unknown;
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
const DECIMAL = /^-?(0|[1-9]\d*)(\.\d+)?$/;

function invalid(scalar: string, value: unknown, expected: string): GraphQLError {
  return new GraphQLError(
    `${scalar} cannot represent ${JSON.stringify(value) ?? String(value)}: ${expected}.`,
  );
}

/** Builds a scalar that accepts string input only, checked by `parse`. */
function stringScalar(parse: (s: string) => unknown, serialize: (v: unknown) => unknown): ScalarBehaviour {
  return {
    serialize,
    parseValue: (value) => {
      if (typeof value !== 'string')
        throw new GraphQLError(`Expected a string, got ${JSON.stringify(value)}.`);
      return parse(value);
    },
    parseLiteral: (node) => {
      if (node.kind !== Kind.STRING) throw new GraphQLError(`Expected a string literal, got ${node.kind}.`);
      return parse(node.value);
    },
  };
}

/** `DateTime`: RFC 3339 strings outside, Unix epoch milliseconds inside. */
export const DateTimeScalar = stringScalar(
  (s) => {
    const ms = RFC3339.test(s) ? Date.parse(s) : Number.NaN;
    if (Number.isNaN(ms))
      throw invalid('DateTime', s, 'expected an RFC 3339 date-time such as 2024-05-01T12:00:00Z');
    return ms;
  },
  (v) => {
    if (typeof v !== 'number' || !Number.isFinite(v))
      throw invalid('DateTime', v, 'expected epoch milliseconds');
    return new Date(v).toISOString();
  },
);

/** `Decimal`: a decimal number written as a string. */
export const DecimalScalar = stringScalar(
  (s) => {
    if (!DECIMAL.test(s)) throw invalid('Decimal', s, 'expected a decimal number as a string, e.g. "19.99"');
    return s;
  },
  (v) => {
    if (typeof v !== 'string' || !DECIMAL.test(v)) throw invalid('Decimal', v, 'expected a decimal string');
    return v;
  },
);

/** `URL`: an absolute URL. */
export const URLScalar = stringScalar(
  (s) => {
    if (!URL.canParse(s)) throw invalid('URL', s, 'expected an absolute URL');
    return s;
  },
  (v) => {
    if (typeof v !== 'string') throw invalid('URL', v, 'expected a string');
    return v;
  },
);
