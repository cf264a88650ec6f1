import {
  Kind,
  OperationTypeNode,
  type DocumentNode,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';
import { DEFAULT_QUOTA_FIELD } from './myQuota.js';

/**
 * True when `operation` is a query that selects nothing but the free `quota` field (and `__typename`), through
 * fragments too: the lifecycle then charges it nothing at all (no decision, no request counted), so asking
 * for one's quota never spends it. An operation that selects anything else is priced and charged as usual
 * (the `quota` subtree itself costing 0 through its `@cost(weight: "0")` types).
 */
export function isFreeQuotaOperation(
  document: DocumentNode,
  operation: OperationDefinitionNode,
  fieldName: string = DEFAULT_QUOTA_FIELD,
): boolean {
  if (operation.operation !== OperationTypeNode.QUERY) return false;
  const fragments = new Map<string, SelectionSetNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION)
      fragments.set(definition.name.value, definition.selectionSet);
  }
  let sawQuota = false;
  const visited = new Set<string>();
  const only = (set: SelectionSetNode): boolean => {
    for (const selection of set.selections) {
      if (selection.kind === Kind.FIELD) {
        const name = selection.name.value;
        if (name === fieldName) sawQuota = true;
        else if (name !== '__typename') return false;
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        if (!only(selection.selectionSet)) return false;
      } else {
        const name = selection.name.value;
        // A fragment reached twice is judged once; an unknown one is the server's validation error, not free.
        if (visited.has(name)) continue;
        visited.add(name);
        const target = fragments.get(name);
        if (target === undefined || !only(target)) return false;
      }
    }
    return true;
  };
  return only(operation.selectionSet) && sawQuota;
}
