/**
 * Field collection, as execution does it (graphql-js `src/execution/collectFields.ts`): fields merge by
 * response key, a fragment is spread once per selection set, `@skip`/`@include` are honoured, and type
 * conditions select the fragments that apply to one object type.
 */
import type { FieldNode, GraphQLObjectType, NamedTypeNode, SelectionNode, SelectionSetNode } from 'graphql';
import { kinds } from './graphqlBindings.js';
import { CostError, CostErrorCode } from './CostError.js';
import type { CostTable } from './CostTable.js';
import type { Condition } from './costPlan.js';
import type { DocumentIndex } from './document.js';
import { unknownFragment } from './document.js';
import type { VariableReader } from './values.js';
import { shouldInclude, variablesIn } from './values.js';

/**
 * Collects the fields of selection sets for one object type at a time, and records every `@skip`/`@include`
 * variable it reads as a {@link Condition} of the plan being compiled. Its buffers are reused across calls
 * to keep allocation low: one collector serves one compilation.
 */
export class FieldCollector {
  /** The conditions read so far; created on first use. */
  conditions: Condition[] | null = null;
  private readonly stack: (readonly SelectionNode[])[] = [];
  private readonly next: number[] = [];
  /** Past a few keys, a Map from response key to position keeps wide selections (2,000 aliases) linear. */
  private index: Map<string, number> | null = null;
  /** Fragments already spread while collecting one object type (graphql-js `visitedFragmentNames`). */
  private visited: Set<string> | null = null;

  constructor(
    private readonly table: CostTable,
    private readonly document: DocumentIndex,
    private readonly reader: VariableReader,
  ) {}

  /** Forgets the fragments spread and the key index: call once the fields of one object type are collected. */
  done(): void {
    this.visited = null;
    this.index = null;
  }

  /**
   * Execution's `collectFields` for one object type, appending to parallel arrays of response keys and
   * field groups from position `count` on, and returning the new count (a linear scan beats a Map for the
   * few keys of a selection set; a group is one node until a second one merges into it). Uses an explicit
   * stack because fragment chains are not bounded.
   */
  collect(
    set: SelectionSetNode,
    object: GraphQLObjectType,
    keys: string[],
    groups: (FieldNode | FieldNode[])[],
    count: number,
  ): number {
    let n = count;
    const stack = this.stack;
    const next = this.next;
    const base = stack.length;
    stack.push(set.selections);
    next.push(0);
    while (stack.length > base) {
      const top = stack.length - 1;
      const selections = stack[top]!;
      const i = next[top]!;
      if (i >= selections.length) {
        stack.pop();
        next.pop();
        continue;
      }
      next[top] = i + 1;
      const selection = selections[i]!;
      if (selection.kind === kinds.FIELD) {
        if (
          selection.directives !== undefined &&
          selection.directives.length > 0 &&
          !this.included(selection)
        ) {
          continue;
        }
        const key = selection.alias === undefined ? selection.name.value : selection.alias.value;
        let at = -1;
        const index = this.index;
        if (index !== null) at = index.get(key) ?? -1;
        else {
          for (let k = n - 1; k >= 0; k--) {
            if (keys[k] === key) {
              at = k;
              break;
            }
          }
        }
        if (at < 0) {
          index?.set(key, n);
          keys[n] = key;
          groups[n] = selection;
          n++;
          if (index === null && n > 32) {
            const built = new Map<string, number>();
            for (let k = 0; k < n; k++) built.set(keys[k]!, k);
            this.index = built;
          }
        } else {
          const group = groups[at]!;
          if (Array.isArray(group)) group.push(selection);
          else groups[at] = [group, selection];
        }
      } else if (selection.kind === kinds.INLINE_FRAGMENT) {
        if (!this.included(selection) || !this.applies(selection.typeCondition, object)) continue;
        stack.push(selection.selectionSet.selections);
        next.push(0);
      } else {
        const name = selection.name.value;
        if ((this.visited ??= new Set()).has(name) || !this.included(selection)) continue;
        this.visited.add(name);
        const fragment = this.document.fragments.get(name);
        if (!fragment) throw unknownFragment(name);
        if (!this.applies(fragment.typeCondition, object)) continue;
        stack.push(fragment.selectionSet.selections);
        next.push(0);
      }
    }
    return n;
  }

  private applies(condition: NamedTypeNode | undefined, object: GraphQLObjectType): boolean {
    if (condition === undefined) return true;
    const name = condition.name.value;
    if (name === object.name) return true;
    const types = this.table.conditionTypes(name);
    if (types === undefined) {
      throw new CostError(CostErrorCode.INVALID_OPERATION, `Unknown type "${name}" in a type condition.`);
    }
    return types.has(object);
  }

  /** graphql-js `shouldIncludeNode`, recording each variable it reads as a condition of the plan. */
  private included(node: SelectionNode): boolean {
    const directives = node.directives;
    if (directives === undefined || directives.length === 0) return true;
    let relevant = false;
    for (const directive of directives) {
      const name = directive.name.value;
      if (name !== 'skip' && name !== 'include') continue;
      relevant = true;
      const variables = variablesIn(directive.arguments);
      if (variables.length === 0) continue;
      this.reader.read(variables);
      for (const variable of variables) {
        const conditions = (this.conditions ??= []);
        if (!conditions.some((condition) => condition.name === variable)) {
          conditions.push({ name: variable, value: this.reader.values[variable] });
        }
      }
    }
    return relevant ? shouldInclude(node, this.reader.values) : true;
  }
}
