import { Kind, type DocumentNode, type OperationDefinitionNode, type SelectionSetNode } from 'graphql';

/**
 * The field names (not aliases) an operation selects at its root, through inline fragments and fragment
 * spreads, each once, in document order: what scoped limits (`rootFields`) and exemptions are matched on.
 * A field under `@skip`/`@include` counts as selected (a scope charges it rather than let a directive slip an
 * operation past its limit). A spread of an unknown fragment is ignored (validation reports it).
 */
export function rootFieldNames(document: DocumentNode, operation: OperationDefinitionNode): string[] {
  const fragments = new Map<string, SelectionSetNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION)
      fragments.set(definition.name.value, definition.selectionSet);
  }
  const names = new Set<string>();
  const visited = new Set<string>();
  const walk = (selectionSet: SelectionSetNode): void => {
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.FIELD) names.add(selection.name.value);
      else if (selection.kind === Kind.INLINE_FRAGMENT) walk(selection.selectionSet);
      else if (!visited.has(selection.name.value)) {
        // Each fragment once: cycles (invalid, but a document may reach here unvalidated) end.
        visited.add(selection.name.value);
        const fragment = fragments.get(selection.name.value);
        if (fragment !== undefined) walk(fragment);
      }
    }
  };
  walk(operation.selectionSet);
  return [...names];
}
