/**
 * Renders the web app's GraphQL types from lib/api/schema.graphql and the documents the web app
 * sends (frontend/src/lib/queries.ts): the schema's enums and input types, one type per field set
 * in `FIELDS`, and the result and variables of every query, mutation and subscription. Output types
 * are only written as selected: what the web app holds is what it asked for, so an object type of
 * the schema in full would be a second, looser copy of each field set.
 * `npm run gen:types` writes the output to GENERATED_PATH; a unit test fails while it is stale.
 *
 * Written on the `graphql` package rather than graphql-codegen (not a dependency). A list is `T[]`,
 * an enum a union of string literals. In an operation's result every selected field is present
 * (`T | null` where the schema allows null), as the server answers; in schema types, field sets and
 * variables a nullable field is also optional, so a component or a test can build a partial one.
 * A selection that is exactly one of the field sets is typed as that field set (`<Type>Fields`,
 * optional nullable fields as in the field set). Fragment spreads are not supported: the web app
 * composes field sets as strings.
 */
import { resolve } from 'node:path';
import {
  isEnumType,
  isInputObjectType,
  isListType,
  isNonNullType,
  isObjectType,
  isScalarType,
  Kind,
  parse,
  print,
  typeFromAST,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLNamedType,
  type GraphQLObjectType,
  type GraphQLOutputType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';
import { loadSchema } from '../lib/api/resolver-files';
import { FIELDS, M, Q, S } from '../frontend/src/lib/queries';

/** Where the generated module lives in the repository. */
export const GENERATED_PATH = resolve(import.meta.dirname, '..', 'frontend', 'src', 'lib', 'graphql', 'schema-types.ts');

/** TypeScript types of GraphQL's and AppSync's scalars; an unknown scalar fails the run so it is mapped on purpose. */
const SCALARS: Readonly<Record<string, string>> = {
  ID: 'string',
  String: 'string',
  Int: 'number',
  Float: 'number',
  Boolean: 'boolean',
  AWSDate: 'string',
  AWSTime: 'string',
  AWSDateTime: 'string',
  AWSTimestamp: 'number',
  AWSEmail: 'string',
  AWSJSON: 'string',
  AWSURL: 'string',
  AWSPhone: 'string',
  AWSIPAddress: 'string',
};

/** The documents to type: each group's entries by name, plus named field sets keyed by their GraphQL type. */
export interface WebDocuments {
  readonly queries: Readonly<Record<string, string>>;
  readonly mutations: Readonly<Record<string, string>>;
  readonly subscriptions: Readonly<Record<string, string>>;
  /** `{ Streamer: 'userId handle ...' }`: rendered as `StreamerFields`. */
  readonly fields: Readonly<Record<string, string>>;
}

const ROOTS = new Set(['Query', 'Mutation', 'Subscription']);
const pad = (depth: number) => '  '.repeat(depth);
const quote = (s: string) => `'${s}'`;

function scalarType(name: string): string {
  const ts = SCALARS[name];
  if (!ts) throw new Error(`graphql-types: no TypeScript type for scalar ${name}; add it to SCALARS`);
  return ts;
}

function jsDoc(description: string | null | undefined, depth: number): string {
  if (!description) return '';
  const lines = description.trim().split('\n');
  if (lines.length === 1) return `${pad(depth)}/** ${lines[0]!.replace(/\*\//g, '*\\/')} */\n`;
  return `${pad(depth)}/**\n${lines.map((l) => `${pad(depth)} * ${l.replace(/\*\//g, '*\\/')}`.trimEnd()).join('\n')}\n${pad(depth)} */\n`;
}

/** A named type as the schema section refers to it. */
function namedRef(type: GraphQLNamedType): string {
  return isScalarType(type) ? scalarType(type.name) : type.name;
}

/** `T`, `T[]`, `(T | null)[]` for a type whose outer nullability the caller renders. */
function wrapped(type: GraphQLOutputType | GraphQLInputType, inner: (named: GraphQLNamedType) => string): string {
  const core = isNonNullType(type) ? type.ofType : type;
  if (isListType(core)) {
    const item = wrapped(core.ofType, inner);
    return isNonNullType(core.ofType) ? `${parens(item)}[]` : `(${item} | null)[]`;
  }
  return inner(core as GraphQLNamedType);
}

const parens = (t: string) => (t.includes(' ') && !t.startsWith('{') ? `(${t})` : t);

/**
 * How a nullable field is written: optional (`?: T | null`); always present (`: T | null`), as in an
 * answer; or, for inputs and variables, omittable (`?: T | null | undefined`), since an undefined
 * value is left out of the request as an absent one is (and the web app's strictest tsconfig tells them apart).
 */
type Nullable = 'optional' | 'present' | 'omittable';

function member(name: string, type: GraphQLOutputType | GraphQLInputType, rendered: string, depth: number, nullable: Nullable = 'optional'): string {
  if (isNonNullType(type)) return `${pad(depth)}${name}: ${rendered};`;
  if (nullable === 'omittable') return `${pad(depth)}${name}?: ${rendered} | null | undefined;`;
  return `${pad(depth)}${name}${nullable === 'optional' ? '?' : ''}: ${rendered} | null;`;
}

function schemaSection(schema: GraphQLSchema): string[] {
  const out: string[] = [];
  for (const type of Object.values(schema.getTypeMap())) {
    if (type.name.startsWith('__') || ROOTS.has(type.name) || isScalarType(type)) continue;
    if (isEnumType(type)) {
      out.push(`${jsDoc(type.description, 0)}export type ${type.name} = ${type.getValues().map((v) => quote(v.name)).join(' | ')};`);
    } else if (isInputObjectType(type)) {
      const fields = Object.values(type.getFields()).map(
        (f) => `${jsDoc(f.description, 1)}${member(f.name, f.type, wrapped(f.type, namedRef), 1, 'omittable')}`,
      );
      out.push(`${jsDoc(type.description, 0)}export interface ${type.name} {\n${fields.join('\n')}\n}`);
    }
  }
  return out;
}

/** `<Type>Fields` by type name and printed selection: a selection that is exactly a field set is typed as it. */
type KnownFieldSets = ReadonlyMap<string, string>;
const fieldSetKey = (typeName: string, selectionSet: SelectionSetNode) => `${typeName} ${print(selectionSet)}`;

/** The object type a selection set reads, as an inline type literal (or the field set it equals). */
function selectionType(known: KnownFieldSets, parent: GraphQLObjectType, selectionSet: SelectionSetNode, depth: number, nullable: Nullable): string {
  const members = selectionSet.selections.map((selection) => {
    if (selection.kind !== Kind.FIELD) {
      throw new Error(`graphql-types: fragments are not supported (in a selection on ${parent.name})`);
    }
    const key = selection.alias?.value ?? selection.name.value;
    if (selection.name.value === '__typename') return `${pad(depth + 1)}${key}: ${quote(parent.name)};`;
    const field: GraphQLField<unknown, unknown> | undefined = parent.getFields()[selection.name.value];
    if (!field) throw new Error(`graphql-types: ${parent.name} has no field ${selection.name.value}`);
    const rendered = wrapped(field.type, (named) => {
      if (isObjectType(named)) {
        if (!selection.selectionSet) throw new Error(`graphql-types: ${parent.name}.${field.name} needs a selection`);
        return known.get(fieldSetKey(named.name, selection.selectionSet)) ?? selectionType(known, named, selection.selectionSet, depth + 1, nullable);
      }
      if (isScalarType(named) || isEnumType(named)) return namedRef(named);
      throw new Error(`graphql-types: ${parent.name}.${field.name}: ${named.name} (interfaces and unions) is not supported`);
    });
    return member(key, field.type, rendered, depth + 1, nullable);
  });
  return `{\n${members.join('\n')}\n${pad(depth)}}`;
}

function operationOf(source: string, name: string): OperationDefinitionNode {
  const doc = parse(source);
  const ops = doc.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  if (ops.length !== 1 || doc.definitions.length !== 1) throw new Error(`graphql-types: ${name} must hold exactly one operation`);
  return ops[0]!;
}

function variablesType(schema: GraphQLSchema, op: OperationDefinitionNode, name: string, depth: number): string {
  const members = (op.variableDefinitions ?? []).map((v) => {
    const type = typeFromAST(schema, v.type) as GraphQLInputType | undefined;
    if (!type) throw new Error(`graphql-types: ${name}: unknown variable type of $${v.variable.name.value}`);
    return member(v.variable.name.value, type, wrapped(type, namedRef), depth + 1, 'omittable');
  });
  return members.length ? `{\n${members.join('\n')}\n${pad(depth)}}` : 'Record<string, never>';
}

function operationGroup(
  schema: GraphQLSchema,
  known: KnownFieldSets,
  docs: Readonly<Record<string, string>>,
  root: GraphQLObjectType | null | undefined,
  label: 'Query' | 'Mutation' | 'Subscription',
): string[] {
  if (!root) throw new Error(`graphql-types: the schema has no ${label} type`);
  const results: string[] = [];
  const variables: string[] = [];
  for (const [name, source] of Object.entries(docs)) {
    const op = operationOf(source, `${label} ${name}`);
    if (op.operation !== label.toLowerCase()) throw new Error(`graphql-types: ${name} is a ${op.operation}, listed as a ${label}`);
    results.push(`  ${name}: ${selectionType(known, root, op.selectionSet, 1, 'present')};`);
    variables.push(`  ${name}: ${variablesType(schema, op, name, 1)};`);
  }
  const map = (name: string, members: string[]) =>
    members.length ? `export interface ${name} {\n${members.join('\n')}\n}` : `export type ${name} = Record<string, never>;`;
  return [
    `/** What each ${label.toLowerCase()} in \`${label[0]}\` (frontend/src/lib/queries.ts) answers, by its key there. */\n${map(`${label}Results`, results)}`,
    `/** The variables each ${label.toLowerCase()} in \`${label[0]}\` takes, by its key there. */\n${map(`${label}Variables`, variables)}`,
  ];
}

function fieldSets(schema: GraphQLSchema, fields: Readonly<Record<string, string>>): { known: KnownFieldSets; render(): string[] } {
  const sets = Object.entries(fields).map(([typeName, selection]) => {
    const type = schema.getType(typeName);
    if (!isObjectType(type)) throw new Error(`graphql-types: FIELDS.${typeName} names no object type of the schema`);
    return { type, selectionSet: (parse(`{ ${selection} }`).definitions[0] as OperationDefinitionNode).selectionSet };
  });
  const known = new Map(sets.map(({ type, selectionSet }) => [fieldSetKey(type.name, selectionSet), `${type.name}Fields`]));
  return {
    known,
    render: () => sets.map(({ type, selectionSet }) =>
      `/** The fields of ${type.name} the web app reads wherever it shows one (\`FIELDS.${type.name}\`). */\n` +
      `export type ${type.name}Fields = ${selectionType(known, type, selectionSet, 0, 'optional')};`),
  };
}

/** The generated module's full text. */
export function renderWebTypes(schema: GraphQLSchema, documents: WebDocuments): string {
  const sets = fieldSets(schema, documents.fields);
  const header = [
    '// Generated by `npm run gen:types` (scripts/gen-graphql-types.ts) from lib/api/schema.graphql and',
    '// frontend/src/lib/queries.ts. Do not edit: change the schema or the documents and run it again.',
  ].join('\n');
  const sections = [
    '// Schema types.',
    ...schemaSection(schema),
    '// Field sets (FIELDS in queries.ts).',
    ...sets.render(),
    '// Operations.',
    ...operationGroup(schema, sets.known, documents.queries, schema.getQueryType(), 'Query'),
    ...operationGroup(schema, sets.known, documents.mutations, schema.getMutationType(), 'Mutation'),
    ...operationGroup(schema, sets.known, documents.subscriptions, schema.getSubscriptionType(), 'Subscription'),
  ];
  return `${header}\n\n${sections.join('\n\n')}\n`;
}

/** The repository's generated module, computed now (what `npm run gen:types` writes). */
export function currentWebTypes(): string {
  return renderWebTypes(loadSchema(), { queries: Q, mutations: M, subscriptions: S, fields: FIELDS });
}
