/**
 * What a cost model decides beyond the numeric options: the rules each preset of `CostOptions.model`
 * follows, derived once from the resolved options. Internal: docs/cost-models.md states them for users.
 */
import type { ResolvedCostOptions } from './options.js';

/**
 * Which cost one compiled table computes. IBM's specification defines two costs of one operation; each is
 * computed by a table of its own over the same plan machinery.
 */
export type CostChannel = 'total' | 'field' | 'type' | 'nodes';

/** The rules of one cost model for one channel. */
export interface CostModel {
  readonly channel: CostChannel;
  /**
   * How a field's own points and its type's points combine. False (Apollo): `max(0, own + size × type)
   * + size × children`, so a negative weight offsets the field's own points but never its children. True
   * (IBM, graphql-query-complexity): `max(0, own) + size × max(0, type + children)`, so a negative type
   * weight offsets the children of each instance, which never goes below 0.
   */
  readonly clampInstance: boolean;
  /** Whether `@cost` on fields and arguments counts (false in IBM's type channel). */
  readonly fieldWeights: boolean;
  /** Whether type weights count (false in IBM's field channel). */
  readonly typeWeights: boolean;
  /** The weight of a field returning a composite type without `@cost` (IBM: 1.0). */
  readonly compositeFieldWeight: number;
  /** The weight of an argument or input field of an input object type without `@cost` (IBM: 1.0). */
  readonly compositeInputWeight: number;
  /** Whether argument values cost their types' weights (Apollo: an input object costs `objectTypeCost`). */
  readonly inputTypeCosts: boolean;
  /** Whether `@cost` on arguments and input fields counts at all (graphql-query-complexity: no). */
  readonly argumentWeights: boolean;
  /** Whether `@cost` on the arguments of directives used on fields counts (IBM). */
  readonly directiveArgumentWeights: boolean;
  /**
   * What an explicit `null` argument or input field is. False (Apollo): absent, it costs nothing and a
   * null slicing argument takes the schema default. True (IBM): present, it costs its weight (but nothing
   * below it) and a null slicing argument counts as given but sizes nothing.
   */
  readonly nullIsPresent: boolean;
  /** IBM: `sizedFields` size only the named children, not the annotated list itself (Apollo: both). */
  readonly sizedFieldsOnly: boolean;
  /** False (graphql-query-complexity): a list counts once unless `@complexity(multipliers:)` sizes it. */
  readonly listsMultiply: boolean;
  /** Points of a `__typename` selection (graphql-query-complexity: 1, as any field). */
  readonly typenameCost: number;
  /** IBM's type channel counts the root operation type as one instance of its type. */
  readonly rootTypeCost: boolean;
  /**
   * GitHub: points per instance of a Cursor Connection type (`…Connection` with `edges`/`nodes`) without
   * its own `@cost`, so that each connection counts once per instance of its parent; null elsewhere.
   */
  readonly connectionTypeCost: number | null;
  /**
   * GitHub's node count (the `'nodes'` channel): a connection is a list of its own page size, and its
   * sized fields (`edges`, `nodes`) count once per connection instance, so that each connection adds the
   * product of its `first`/`last` and those of the connections above it.
   */
  readonly connectionsAsLists: boolean;
}

/** The rules of the resolved options' model for one channel. */
export function costModel(options: ResolvedCostOptions, channel: CostChannel = 'total'): CostModel {
  switch (options.model) {
    case 'ibm':
      return {
        channel,
        clampInstance: true,
        fieldWeights: channel !== 'type',
        typeWeights: channel !== 'field',
        compositeFieldWeight: channel === 'type' ? 0 : 1,
        compositeInputWeight: channel === 'type' ? 0 : 1,
        inputTypeCosts: false,
        argumentWeights: channel !== 'type',
        directiveArgumentWeights: channel !== 'type',
        nullIsPresent: true,
        sizedFieldsOnly: true,
        listsMultiply: true,
        typenameCost: 0,
        rootTypeCost: channel === 'type',
        connectionTypeCost: null,
        connectionsAsLists: false,
      };
    case 'graphql-query-complexity':
      return {
        channel,
        clampInstance: true,
        fieldWeights: true,
        typeWeights: true,
        compositeFieldWeight: 0,
        compositeInputWeight: 0,
        inputTypeCosts: false,
        argumentWeights: false,
        directiveArgumentWeights: false,
        nullIsPresent: false,
        sizedFieldsOnly: false,
        listsMultiply: false,
        typenameCost: options.leafTypeCost,
        rootTypeCost: false,
        connectionTypeCost: null,
        connectionsAsLists: false,
      };
    case 'github':
      // GitHub counts connections only: Apollo's rules, but plain lists do not multiply and only connection
      // types cost anything (objectTypeCost defaults to 0 in this model).
      return {
        ...apolloModel(channel),
        listsMultiply: false,
        connectionTypeCost: 1,
        connectionsAsLists: channel === 'nodes',
      };
    default:
      return apolloModel(channel);
  }
}

/** Apollo's rules (demand control): the default model, and the base of GitHub's. */
function apolloModel(channel: CostChannel): CostModel {
  return {
    channel,
    clampInstance: false,
    fieldWeights: true,
    typeWeights: true,
    compositeFieldWeight: 0,
    compositeInputWeight: 0,
    inputTypeCosts: true,
    argumentWeights: true,
    directiveArgumentWeights: false,
    nullIsPresent: false,
    sizedFieldsOnly: false,
    listsMultiply: true,
    typenameCost: 0,
    rootTypeCost: false,
    connectionTypeCost: null,
    connectionsAsLists: false,
  };
}
