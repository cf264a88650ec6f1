/**
 * graphql-js's `Kind` and the classes the hot paths test with `instanceof`, each read once. graphql 16 is
 * CommonJS whose exports are getters, and a CommonJS build of this package (`dist/cjs`, and tsx or jest)
 * compiles every `Kind.FIELD` into a call of one: on a cold analysis, once per selection, argument and
 * value of a new document (5% of the time in a profile of GitHub's documented operations). Code that runs
 * per document reads these instead; the rest imports graphql as usual.
 */
import {
  GraphQLBoolean,
  GraphQLFloat,
  GraphQLID,
  GraphQLInputObjectType,
  GraphQLInt,
  GraphQLList,
  GraphQLNonNull,
  GraphQLString,
  Kind,
} from 'graphql';

export const kinds: typeof Kind = Kind;
export const NonNullType: typeof GraphQLNonNull = GraphQLNonNull;
export const ListType: typeof GraphQLList = GraphQLList;
export const InputObjectType: typeof GraphQLInputObjectType = GraphQLInputObjectType;
export const IntType: typeof GraphQLInt = GraphQLInt;
export const FloatType: typeof GraphQLFloat = GraphQLFloat;
export const StringType: typeof GraphQLString = GraphQLString;
export const BooleanType: typeof GraphQLBoolean = GraphQLBoolean;
export const IDType: typeof GraphQLID = GraphQLID;
