/**
 * `annotateSchema`: writes the annotations the `conventions` option infers into the schema's own SDL, for
 * its author to review and commit, so that the schema is priced the same without the option.
 */
import { Kind, Source, buildASTSchema, getLocation, isObjectType, parse } from 'graphql';
import type { GraphQLSchema, Location } from 'graphql';
import { CostTable } from './CostTable.js';
import type { ListSizeSpec } from './CostTable.js';
import { costDirectivesSDL } from './directives.js';
import { linkedCostDirectiveNames } from './federation.js';
import type { CostConventions, CostOptions } from './options.js';
import { resolveCostOptions } from './options.js';
import { withCostDirectives } from './withCostDirectives.js';

/** One annotation {@link annotateSchema} wrote. */
export interface SchemaAnnotation {
  /** `Type.field` for a `@listSize`, `Type` for an edge type's `@cost`. */
  readonly coordinate: string;
  /** The directive as written, e.g. `@listSize(slicingArguments: ["first"], sizedFields: ["nodes"], …)`. */
  readonly directive: string;
  /** Where it was written in the original SDL: 1-based line and column (after the field's type). */
  readonly line: number;
  readonly column: number;
}

/** What {@link annotateSchema} returns. */
export interface AnnotatedSchema {
  /** The SDL with the annotations written in, and the cost directive declarations it lacked prepended. */
  readonly sdl: string;
  /** Every annotation written, in schema order. */
  readonly annotations: readonly SchemaAnnotation[];
}

/** Options of {@link annotateSchema}: the cost options, whose `conventions` decide what is inferred. */
export interface AnnotateOptions extends CostOptions {
  /** The conventions to write down. Default `{ connections: true }`. */
  readonly conventions?: CostConventions;
}

function quoted(names: readonly string[]): string {
  return `[${names.map((name) => JSON.stringify(name)).join(', ')}]`;
}

function listSizeText(name: string, spec: ListSizeSpec): string {
  const args = [
    ...(spec.assumedSize === null ? [] : [`assumedSize: ${spec.assumedSize}`]),
    `slicingArguments: ${quoted(spec.slicingArguments.map((s) => s.name))}`,
    ...(spec.sizedFields.length === 0 ? [] : [`sizedFields: ${quoted(spec.sizedFields)}`]),
    `requireOneSlicingArgument: ${String(spec.requireOneSlicingArgument)}`,
  ];
  return `@${name}(${args.join(', ')})`;
}

/**
 * Infers the `@listSize` of every field the `conventions` size (Cursor Connections by `first`/`last`, plain
 * lists by `listArguments`, `defaultPageSize` as `assumedSize`) and the `@cost(weight: 0)` of every edge
 * type `freeEdges` makes free, and writes them into `sdl` where they belong (after the field's type, after
 * the edge type's name and interfaces), leaving everything else byte for byte. The result, analyzed
 * without `conventions`, prices every operation exactly as `sdl` with them: explicit annotations already
 * in `sdl` win over conventions, so they are left as they are. The declarations of `@cost`/`@listSize`
 * (under `directiveNames`) are prepended when `sdl` neither declares them nor imports them by `@link`.
 *
 * @param sdl one schema document (the annotations are written at positions in this text).
 * @throws graphql-js `GraphQLError` when `sdl` does not parse or build; `TypeError` for invalid options;
 *   `CostError` `INVALID_COST_DIRECTIVE` for invalid annotations already in `sdl`.
 */
export function annotateSchema(sdl: string, options: AnnotateOptions = {}): AnnotatedSchema {
  const source = new Source(sdl, 'schema.graphql');
  const document = parse(source);
  const schema: GraphQLSchema = buildASTSchema(withCostDirectives(document));
  const linked = linkedCostDirectiveNames(schema);
  const resolved = resolveCostOptions({
    ...options,
    ...(options.directiveNames === undefined && linked !== null ? { directiveNames: linked } : {}),
    conventions: options.conventions ?? { connections: true },
  });
  const table = new CostTable(schema, resolved);
  const names = resolved.directiveNames;
  const edits: { at: number; text: string; coordinate: string; directive: string }[] = [];
  const insertAfter = (loc: Location | undefined, coordinate: string, directive: string): void => {
    if (loc?.source === source) edits.push({ at: loc.end, text: ` ${directive}`, coordinate, directive });
  };
  for (const coordinate of table.conventionFields) {
    const [typeName, fieldName] = coordinate.split('.') as [string, string];
    const type = schema.getType(typeName);
    if (!isObjectType(type)) continue;
    const info = table.fieldsOf(type)?.get(fieldName);
    if (!info?.listSize) continue;
    insertAfter(info.def.astNode?.type.loc, coordinate, listSizeText(names.listSize, info.listSize));
  }
  for (const typeName of table.conventionTypes) {
    const node = schema.getType(typeName)?.astNode;
    if (node?.kind !== Kind.OBJECT_TYPE_DEFINITION) continue;
    const anchor = node.interfaces?.length ? node.interfaces[node.interfaces.length - 1]! : node.name;
    insertAfter(anchor.loc, typeName, `@${names.cost}(weight: 0)`);
  }
  edits.sort((a, b) => a.at - b.at);
  let text = '';
  let from = 0;
  for (const edit of edits) {
    text += sdl.slice(from, edit.at) + edit.text;
    from = edit.at;
  }
  text += sdl.slice(from);
  const declared = new Set(
    document.definitions.flatMap((d) => (d.kind === Kind.DIRECTIVE_DEFINITION ? [d.name.value] : [])),
  );
  if (edits.length > 0 && linked === null) {
    // costDirectivesSDL is the two declarations, @cost first, separated by a blank line.
    const [cost, listSize] = costDirectivesSDL(names).trimEnd().split('\n\n') as [string, string];
    const header = [
      ...(declared.has(names.cost) ? [] : [cost]),
      ...(declared.has(names.listSize) ? [] : [listSize]),
    ];
    if (header.length > 0) text = `${header.join('\n\n')}\n\n${text}`;
  }
  const annotations = edits.map(({ at, coordinate, directive }) => {
    const { line, column } = getLocation(source, at);
    return { coordinate, directive, line, column: column + 1 };
  });
  return { sdl: text, annotations };
}
