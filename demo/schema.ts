/**
 * The executable demo schema: schema/pim.graphql (with the cost directive definitions prepended from the
 * one source of truth, COST_DIRECTIVES_SDL) bound to resolvers over an in-memory catalogue. graphql-js only:
 * `buildASTSchema`, then resolvers and scalar behaviour attached to the built types.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildASTSchema, isObjectType, isScalarType } from 'graphql';
import type { GraphQLSchema } from 'graphql';
import { withCostDirectives } from '../src/cost/index.js';
import { quotaResolvers, quotaTypeDefs, type QuotaResolversOptions } from '../src/observability/index.js';
import { createDemoData } from './data.js';
import type { DemoData } from './records.js';
import { createResolvers } from './resolvers.js';
import type { Resolvers } from './resolvers.js';
import { DateTimeScalar, DecimalScalar, URLScalar } from './scalars.js';
import type { ScalarBehaviour } from './scalars.js';

/** Absolute path of the annotated demo SDL. */
export const PIM_SCHEMA_PATH = join(__dirname, '..', 'schema', 'pim.graphql');

/** Options of {@link createDemoSchema}. */
export interface DemoSchemaOptions {
  /** The catalogue to serve; mutations change it. Default: a fresh `createDemoData()`. */
  readonly data?: DemoData;
  /**
   * Adds the free `quota` field (`quotaTypeDefs()`), answered by `quotaResolvers(quota)`: the caller's own
   * quota. Default: no such field.
   */
  readonly quota?: QuotaResolversOptions<unknown>;
}

const SCALARS: Readonly<Record<string, ScalarBehaviour>> = {
  DateTime: DateTimeScalar,
  Decimal: DecimalScalar,
  URL: URLScalar,
};

/** The SDL of schema/pim.graphql as written (without the directive definitions). */
export function readPimSdl(): string {
  return readFileSync(PIM_SCHEMA_PATH, 'utf8');
}

/**
 * Attaches resolvers and scalar behaviour to a schema built from pim.graphql. Throws on a resolver for a
 * type or field the schema lacks, so a renamed field cannot silently fall back to the default resolver.
 */
export function bindDemoSchema(schema: GraphQLSchema, resolvers: Resolvers): GraphQLSchema {
  for (const [typeName, fields] of Object.entries(resolvers)) {
    const type = schema.getType(typeName);
    if (!isObjectType(type)) throw new Error(`resolvers for ${typeName}, which is not an object type`);
    const defined = type.getFields();
    for (const [fieldName, resolve] of Object.entries(fields)) {
      const field = defined[fieldName];
      if (field === undefined) throw new Error(`resolver for ${typeName}.${fieldName}, which does not exist`);
      // The resolver map is typed per record; graphql-js calls it with whatever the parent resolved to.
      field.resolve = resolve as (...args: unknown[]) => unknown;
    }
  }
  for (const [name, behaviour] of Object.entries(SCALARS)) {
    const type = schema.getType(name);
    if (!isScalarType(type)) throw new Error(`scalar ${name} is missing from the schema`);
    type.serialize = behaviour.serialize;
    type.parseValue = behaviour.parseValue;
    type.parseLiteral = behaviour.parseLiteral;
  }
  return schema;
}

/** The demo PIM schema, executable, serving `options.data` (default: the generated catalogue). */
export function createDemoSchema(options: DemoSchemaOptions = {}): GraphQLSchema {
  const sdl = options.quota === undefined ? readPimSdl() : `${readPimSdl()}\n${quotaTypeDefs()}`;
  const schema = bindDemoSchema(
    buildASTSchema(withCostDirectives(sdl)),
    createResolvers(options.data ?? createDemoData()),
  );
  if (options.quota !== undefined) {
    schema.getQueryType()!.getFields()['quota']!.resolve = quotaResolvers(options.quota).Query['quota']!;
  }
  return schema;
}
