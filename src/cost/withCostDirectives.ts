/**
 * Schema authors write `@cost` and `@listSize` without declaring them (the declarations are boilerplate and
 * belong to this library), and Federation subgraphs use Federation's directives without declaring them
 * (their router composes them). So every loader completes the SDL with the declarations it lacks: the cost
 * directives under the names its `@link` imports them by (default `@cost`/`@listSize`), from the one source
 * of truth, costDirectivesSDL, and the Federation directives it uses. A declaration the SDL has is left
 * alone.
 */
import { Kind, parse } from 'graphql';
import type { DocumentNode } from 'graphql';
import { costDirectivesSDL } from './directives.js';
import {
  definingOrphanExtensions,
  linkedCostDirectiveNames,
  missingFederationDefinitions,
} from './federation.js';

/**
 * The SDL as a document with the missing cost directive definitions, and the definitions of the
 * Federation directives it uses without defining (`@link`, `@key`, `@shareable`, ..., renamed or
 * namespaced as its `@link`s say), prepended; the first extension of a type the SDL does not define (a
 * Federation 1 entity) becomes its definition, as `@apollo/subgraph` makes it. Throws graphql-js's `GraphQLError` (a syntax error with line
 * and column) when `sdl` does not parse.
 */
export function withCostDirectives(sdl: string | DocumentNode): DocumentNode {
  const parsed = typeof sdl === 'string' ? parse(sdl) : sdl;
  const own = definingOrphanExtensions(parsed.definitions);
  const document = own === parsed.definitions ? parsed : { ...parsed, definitions: own };
  const names = linkedCostDirectiveNames(document) ?? undefined;
  const declared = new Set<string>();
  for (const d of document.definitions) if (d.kind === Kind.DIRECTIVE_DEFINITION) declared.add(d.name.value);
  const missing = [
    ...parse(costDirectivesSDL(names)).definitions.filter(
      (d) => d.kind !== Kind.DIRECTIVE_DEFINITION || !declared.has(d.name.value),
    ),
    ...missingFederationDefinitions(document),
  ];
  return missing.length === 0
    ? document
    : { ...document, definitions: [...missing, ...document.definitions] };
}
