import type {
  DocumentNode,
  FragmentDefinitionNode,
  OperationDefinitionNode,
  SelectionNode,
  SelectionSetNode,
} from 'graphql';
import { kinds } from './graphqlBindings.js';
import { CostError, CostErrorCode } from './CostError.js';

/** A document's operations and fragments, indexed once and checked for unknown fragments and cycles. */
export interface DocumentIndex {
  readonly operations: readonly OperationDefinitionNode[];
  readonly fragments: ReadonlyMap<string, FragmentDefinitionNode>;
  /** Small integer ids of selection sets, for memo keys of merged fields; created on first use. */
  setIds: Map<SelectionSetNode, number> | null;
}

/** The names of the fragments spread anywhere inside a selection set (iterative: depth is not bounded). */
function spreadsIn(root: SelectionSetNode): string[] {
  const names: string[] = [];
  const stack: (readonly SelectionNode[])[] = [root.selections];
  while (stack.length > 0) {
    const selections = stack.pop()!;
    for (const selection of selections) {
      if (selection.kind === kinds.FRAGMENT_SPREAD) names.push(selection.name.value);
      else if (selection.selectionSet) stack.push(selection.selectionSet.selections);
    }
  }
  return names;
}

const NO_FRAGMENTS: ReadonlyMap<string, FragmentDefinitionNode> = new Map();

export function unknownFragment(name: string): CostError {
  return new CostError(CostErrorCode.INVALID_OPERATION, `Unknown fragment "${name}".`);
}

/**
 * Indexes a document. Fragment cycles are rejected here, once per document, with an iterative depth-first
 * search, because a cycle through nested fields would otherwise only stop at `maxDepth`.
 */
export function indexDocument(document: DocumentNode): DocumentIndex {
  const operations: OperationDefinitionNode[] = [];
  let fragments: Map<string, FragmentDefinitionNode> | null = null;
  for (const definition of document.definitions) {
    if (definition.kind === kinds.OPERATION_DEFINITION) operations.push(definition);
    else if (definition.kind === kinds.FRAGMENT_DEFINITION) {
      fragments ??= new Map();
      if (!fragments.has(definition.name.value)) fragments.set(definition.name.value, definition);
    }
  }
  // Most documents have no fragments: nothing to index or check for cycles.
  if (fragments === null) return { operations, fragments: NO_FRAGMENTS, setIds: null };
  const edges = new Map<string, string[]>();
  for (const [name, fragment] of fragments) {
    const spreads = spreadsIn(fragment.selectionSet);
    for (const spread of spreads) if (!fragments.has(spread)) throw unknownFragment(spread);
    edges.set(name, spreads);
  }
  // 1 = on the current path, 2 = done.
  const state = new Map<string, 1 | 2>();
  for (const start of fragments.keys()) {
    if (state.has(start)) continue;
    const path: string[] = [start];
    const next: number[] = [0];
    state.set(start, 1);
    while (path.length > 0) {
      const top = path.length - 1;
      const name = path[top]!;
      const out = edges.get(name)!;
      const i = next[top]!;
      if (i >= out.length) {
        state.set(name, 2);
        path.pop();
        next.pop();
        continue;
      }
      next[top] = i + 1;
      const target = out[i]!;
      const seen = state.get(target);
      if (seen === 1) {
        const cycle = [...path.slice(path.indexOf(target)), target].join(' -> ');
        throw new CostError(CostErrorCode.INVALID_OPERATION, `Fragment cycle: ${cycle}.`);
      }
      if (seen === undefined) {
        state.set(target, 1);
        path.push(target);
        next.push(0);
      }
    }
  }
  return { operations, fragments, setIds: null };
}
