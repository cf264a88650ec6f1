/**
 * Apollo Federation schemas as the cost layer reads them: `@link` imports (https://specs.apollo.dev/link/v1.0)
 * decide what `@cost` and `@listSize` are called in a subgraph or supergraph, and Federation's own
 * directives get their definitions so that a subgraph SDL builds with graphql-js alone.
 *
 * Federation defines `@cost` and `@listSize` from v2.9 on (https://specs.apollo.dev/federation/v2.9); the
 * demand control spec itself is https://specs.apollo.dev/cost/v0.1, which supergraphs link.
 */
import type {
  ConstDirectiveNode,
  ConstValueNode,
  DefinitionNode,
  DocumentNode,
  GraphQLSchema,
} from 'graphql';
import { Kind, parse } from 'graphql';
import type { CostDirectiveNames } from './options.js';

interface LinkedSpec {
  /** The spec's name in its URL: `federation`, `cost`, `link`, `join`. */
  readonly name: string;
  readonly version: readonly [number, number];
  /** The namespace of what it does not import: `as`, else its name. */
  readonly namespace: string;
  /** Imported elements: original name (with `@` for directives) to local name. */
  readonly imports: ReadonlyMap<string, string>;
}

const SPEC_URL = /^https?:\/\/[^/]+\/(?:[^/]+\/)*([A-Za-z_][A-Za-z0-9_-]*)\/v(\d+)\.(\d+)\/?$/;

function stringOf(value: ConstValueNode | undefined): string | null {
  return value !== undefined && value.kind === Kind.STRING ? value.value : null;
}

function readLink(directive: ConstDirectiveNode): LinkedSpec | null {
  const args = new Map((directive.arguments ?? []).map((arg) => [arg.name.value, arg.value]));
  const match = SPEC_URL.exec(stringOf(args.get('url')) ?? '');
  if (!match) return null;
  const name = match[1]!;
  const imports = new Map<string, string>();
  const list = args.get('import');
  const items = list === undefined ? [] : list.kind === Kind.LIST ? list.values : [list];
  for (const item of items) {
    if (item.kind === Kind.STRING) imports.set(item.value, item.value);
    else if (item.kind === Kind.OBJECT) {
      const fields = new Map(item.fields.map((field) => [field.name.value, field.value]));
      const original = stringOf(fields.get('name'));
      if (original !== null) imports.set(original, stringOf(fields.get('as')) ?? original);
    }
  }
  const alias = stringOf(args.get('as'));
  return {
    name,
    version: [Number(match[2]), Number(match[3])],
    namespace: alias ?? name,
    imports,
  };
}

type SchemaNodes = readonly { readonly directives?: readonly ConstDirectiveNode[] | undefined }[];

/** The specs a schema links, read from `schema @link(...)` and `extend schema @link(...)`. */
function linksOf(nodes: SchemaNodes): LinkedSpec[] {
  const specs: LinkedSpec[] = [];
  for (const node of nodes) {
    for (const directive of node.directives ?? []) {
      if (directive.name.value !== 'link') continue;
      const spec = readLink(directive);
      if (spec !== null) specs.push(spec);
    }
  }
  return specs;
}

function schemaNodesOf(document: DocumentNode): SchemaNodes {
  return document.definitions.filter(
    (d) => d.kind === Kind.SCHEMA_DEFINITION || d.kind === Kind.SCHEMA_EXTENSION,
  );
}

/** The local name of a directive a linked spec defines: its import alias, or `namespace__name`. */
function localName(spec: LinkedSpec, directive: string): string {
  const imported = spec.imports.get(`@${directive}`);
  return imported !== undefined ? imported.replace(/^@/, '') : `${spec.namespace}__${directive}`;
}

/** Whether a linked spec defines `@cost` and `@listSize`: the cost spec, and Federation from v2.9. */
function definesCost(spec: LinkedSpec): boolean {
  if (spec.name === 'cost') return true;
  if (spec.name !== 'federation') return false;
  const [major, minor] = spec.version;
  return major > 2 || (major === 2 && minor >= 9);
}

/**
 * The names under which a schema's `@link`s import `@cost` and `@listSize` (renames such as
 * `import: [{ name: "@cost", as: "@weight" }]` and un-imported `@federation__cost` included); null when
 * no linked spec defines them.
 */
export function linkedCostDirectiveNames(source: DocumentNode | GraphQLSchema): CostDirectiveNames | null {
  const nodes: SchemaNodes =
    'kind' in source
      ? schemaNodesOf(source)
      : [...(source.astNode ? [source.astNode] : []), ...source.extensionASTNodes];
  const spec = linksOf(nodes).find(definesCost);
  if (spec === undefined) return null;
  return { cost: localName(spec, 'cost'), listSize: localName(spec, 'listSize') };
}

/** Federation 2's directives (https://specs.apollo.dev/federation/v2.9) and `@link`, by original name. */
const FEDERATION_DIRECTIVES: Readonly<Record<string, string>> = {
  link: '(url: String, as: String, for: link__Purpose, import: [link__Import]) repeatable on SCHEMA',
  key: '(fields: federation__FieldSet!, resolvable: Boolean = true) repeatable on OBJECT | INTERFACE',
  requires: '(fields: federation__FieldSet!) on FIELD_DEFINITION',
  provides: '(fields: federation__FieldSet!) on FIELD_DEFINITION',
  external: '(reason: String) on OBJECT | FIELD_DEFINITION',
  tag: '(name: String!) repeatable on FIELD_DEFINITION | OBJECT | INTERFACE | UNION | ARGUMENT_DEFINITION | SCALAR | ENUM | ENUM_VALUE | INPUT_OBJECT | INPUT_FIELD_DEFINITION | SCHEMA',
  extends: ' on OBJECT | INTERFACE',
  shareable: ' repeatable on OBJECT | FIELD_DEFINITION',
  inaccessible:
    ' on FIELD_DEFINITION | OBJECT | INTERFACE | UNION | ARGUMENT_DEFINITION | SCALAR | ENUM | ENUM_VALUE | INPUT_OBJECT | INPUT_FIELD_DEFINITION',
  override: '(from: String!, label: String) on FIELD_DEFINITION',
  composeDirective: '(name: String!) repeatable on SCHEMA',
  interfaceObject: ' on OBJECT',
  authenticated: ' on FIELD_DEFINITION | OBJECT | INTERFACE | SCALAR | ENUM',
  requiresScopes:
    '(scopes: [[federation__Scope!]!]!) on FIELD_DEFINITION | OBJECT | INTERFACE | SCALAR | ENUM',
  policy: '(policies: [[federation__Policy!]!]!) on FIELD_DEFINITION | OBJECT | INTERFACE | SCALAR | ENUM',
  context: '(name: String!) repeatable on INTERFACE | OBJECT | UNION',
  fromContext: '(field: federation__ContextFieldValue) on ARGUMENT_DEFINITION',
};

/** The types Federation's directive definitions use. */
const FEDERATION_TYPES: Readonly<Record<string, string>> = {
  link__Purpose: 'enum link__Purpose { SECURITY EXECUTION }',
  link__Import: 'scalar link__Import',
  federation__FieldSet: 'scalar federation__FieldSet',
  federation__Scope: 'scalar federation__Scope',
  federation__Policy: 'scalar federation__Policy',
  federation__ContextFieldValue: 'scalar federation__ContextFieldValue',
};

/** Every directive name used in a document (on the schema, types, fields, arguments, values). */
function usedDirectives(document: DocumentNode): Set<string> {
  const used = new Set<string>();
  const stack: unknown[] = [...document.definitions];
  while (stack.length > 0) {
    const node = stack.pop();
    if (typeof node !== 'object' || node === null) continue;
    if ((node as { kind?: unknown }).kind === Kind.DIRECTIVE) {
      used.add((node as { name: { value: string } }).name.value);
      continue;
    }
    for (const value of Object.values(node)) {
      if (Array.isArray(value)) stack.push(...(value as unknown[]));
      else if (typeof value === 'object' && value !== null && 'kind' in value) stack.push(value);
    }
  }
  return used;
}

/**
 * The definitions of the Federation directives a document uses but does not define, under the names it
 * uses them by (`@key`, a renamed import, or `@federation__key`), and of the types those need.
 */
export function missingFederationDefinitions(document: DocumentNode): DefinitionNode[] {
  const defined = new Set<string>();
  for (const d of document.definitions) {
    if ('name' in d && d.name !== undefined) defined.add(d.name.value);
  }
  const used = usedDirectives(document);
  const specs = linksOf(schemaNodesOf(document));
  const federation = specs.find((spec) => spec.name === 'federation');
  const sdl: string[] = [];
  for (const [original, signature] of Object.entries(FEDERATION_DIRECTIVES)) {
    const names = new Set([original]);
    if (federation !== undefined) {
      names.add(localName(federation, original));
      if (!federation.imports.has(`@${original}`)) names.delete(original);
    }
    if (original === 'link') names.add('link');
    for (const name of names) {
      if (used.has(name) && !defined.has(name)) sdl.push(`directive @${name}${signature}`);
    }
  }
  if (sdl.length === 0) return [];
  const text = sdl.join('\n');
  for (const [name, definition] of Object.entries(FEDERATION_TYPES)) {
    if (!defined.has(name) && text.includes(name)) sdl.push(definition);
  }
  return [...parse(sdl.join('\n')).definitions];
}

const EXTENSION_TO_DEFINITION: Partial<Record<Kind, Kind>> = {
  [Kind.OBJECT_TYPE_EXTENSION]: Kind.OBJECT_TYPE_DEFINITION,
  [Kind.INTERFACE_TYPE_EXTENSION]: Kind.INTERFACE_TYPE_DEFINITION,
  [Kind.UNION_TYPE_EXTENSION]: Kind.UNION_TYPE_DEFINITION,
  [Kind.ENUM_TYPE_EXTENSION]: Kind.ENUM_TYPE_DEFINITION,
  [Kind.INPUT_OBJECT_TYPE_EXTENSION]: Kind.INPUT_OBJECT_TYPE_DEFINITION,
  [Kind.SCALAR_TYPE_EXTENSION]: Kind.SCALAR_TYPE_DEFINITION,
};

/**
 * A subgraph may extend a type another subgraph defines (`extend type Product @key(fields: "id")`, the
 * Federation 1 style): as `@apollo/subgraph` does, the first extension of a type the document does not
 * define becomes its definition. Returns the same definitions when there is none.
 */
export function definingOrphanExtensions(definitions: readonly DefinitionNode[]): readonly DefinitionNode[] {
  const defined = new Set<string>();
  for (const d of definitions) {
    if ('name' in d && d.name !== undefined && !(d.kind in EXTENSION_TO_DEFINITION))
      defined.add(d.name.value);
  }
  let changed = false;
  const result = definitions.map((d) => {
    const kind = EXTENSION_TO_DEFINITION[d.kind];
    if (kind === undefined || !('name' in d) || d.name === undefined || defined.has(d.name.value)) return d;
    defined.add(d.name.value);
    changed = true;
    return { ...d, kind } as DefinitionNode;
  });
  return changed ? result : definitions;
}
