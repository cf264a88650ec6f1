/**
 * Schema authors write `@cost` and `@listSize` without declaring them (the declarations are boilerplate and
 * belong to this library), so every loader prepends the declarations the SDL lacks, taken from the one
 * source of truth, COST_DIRECTIVES_SDL. A declaration the SDL does have is left alone.
 */
import { Kind, parse } from 'graphql';
import type { DefinitionNode, DocumentNode } from 'graphql';
import { COST_DIRECTIVES_SDL } from './directives.js';

let costDirectiveDefinitions: readonly DefinitionNode[] | undefined;

/**
 * The SDL as a document with the missing cost directive definitions prepended. Throws graphql-js's
 * `GraphQLError` (a syntax error with line and column) when `sdl` does not parse.
 */
export function withCostDirectives(sdl: string | DocumentNode): DocumentNode {
  const document = typeof sdl === 'string' ? parse(sdl) : sdl;
  costDirectiveDefinitions ??= parse(COST_DIRECTIVES_SDL).definitions;
  const declared = new Set<string>();
  for (const d of document.definitions) if (d.kind === Kind.DIRECTIVE_DEFINITION) declared.add(d.name.value);
  const missing = costDirectiveDefinitions.filter(
    (d) => d.kind !== Kind.DIRECTIVE_DEFINITION || !declared.has(d.name.value),
  );
  return missing.length === 0
    ? document
    : { ...document, definitions: [...missing, ...document.definitions] };
}
