import type { CostDirectiveNames } from './options.js';
import { DEFAULT_DIRECTIVE_NAMES } from './options.js';

/**
 * The SDL of `@cost` and `@listSize` with the given names, exactly as Apollo Federation defines them
 * (https://specs.apollo.dev/cost/v0.1), for schemas that need the definitions (e.g. `buildSchema`).
 */
export function costDirectivesSDL(names: Partial<CostDirectiveNames> = {}): string {
  const cost = names.cost ?? DEFAULT_DIRECTIVE_NAMES.cost;
  const listSize = names.listSize ?? DEFAULT_DIRECTIVE_NAMES.listSize;
  return `directive @${cost}(
  weight: Int!
) on ARGUMENT_DEFINITION | ENUM | FIELD_DEFINITION | INPUT_FIELD_DEFINITION | OBJECT | SCALAR

directive @${listSize}(
  assumedSize: Int
  slicingArguments: [String!]
  sizedFields: [String!]
  requireOneSlicingArgument: Boolean = true
) on FIELD_DEFINITION
`;
}

/** `@cost` and `@listSize` as Apollo Federation defines them; the same text as `schema/cost-directives.graphql`. */
export const COST_DIRECTIVES_SDL: string = costDirectivesSDL();
