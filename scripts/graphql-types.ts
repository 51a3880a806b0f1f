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
  getNamedType,
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
export const GENERATED_PATH = resolve(
  import.meta.dirname,
  '..',
  'frontend',
  'src',
  'lib',
  'graphql',
  'schema-types.ts',
);

/**
 * Where the API's own types are generated: the object types of API_OBJECT_TYPES in full (and the
 * enums they use), as resolvers and Lambda data sources answer them. Lambdas and resolvers import
 * them from here, never from the web app; the web app's module refers to them where a query selects
 * one in full, so each is written once.
 */
export const API_TYPES_PATH = resolve(import.meta.dirname, '..', 'lambdas', 'shared', 'api-types.ts');

/** The object types server code builds whole (chat-token, chat settings, the gift pipeline and fan-out). */
export const API_OBJECT_TYPES: readonly string[] = [
  'ChatSettings',
  'ChatToken',
  'GiftEvent',
  // The stream report the analytics-reports function builds (lambdas/shared/domain/analytics-report.ts).
  'ConcurrencyPoint',
  'RetentionPoint',
  'ProductStats',
  'ReportSnapshot',
  'TopGifter',
  'StreamReport',
];

/** How the web app's module (GENERATED_PATH) imports API_TYPES_PATH. */
export const API_TYPES_IMPORT = '../../../../lambdas/shared/api-types';

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

function member(
  name: string,
  type: GraphQLOutputType | GraphQLInputType,
  rendered: string,
  depth: number,
  nullable: Nullable = 'optional',
): string {
  if (isNonNullType(type)) return `${pad(depth)}${name}: ${rendered};`;
  if (nullable === 'omittable') return `${pad(depth)}${name}?: ${rendered} | null | undefined;`;
  return `${pad(depth)}${name}${nullable === 'optional' ? '?' : ''}: ${rendered} | null;`;
}

/** The schema's own named types (no introspection types, no root types, no scalars). */
const ownTypes = (schema: GraphQLSchema) =>
  Object.values(schema.getTypeMap()).filter(
    (type) => !type.name.startsWith('__') && !ROOTS.has(type.name) && !isScalarType(type),
  );

function schemaSection(schema: GraphQLSchema): string[] {
  const out: string[] = [];
  for (const type of ownTypes(schema)) {
    if (isEnumType(type)) {
      out.push(
        `${jsDoc(type.description, 0)}export type ${type.name} = ${type
          .getValues()
          .map((v) => quote(v.name))
          .join(' | ')};`,
      );
    } else if (isInputObjectType(type)) {
      const fields = Object.values(type.getFields()).map(
        (f) => `${jsDoc(f.description, 1)}${member(f.name, f.type, wrapped(f.type, namedRef), 1, 'omittable')}`,
      );
      out.push(`${jsDoc(type.description, 0)}export interface ${type.name} {\n${fields.join('\n')}\n}`);
    }
  }
  return out;
}

/** The schema's object types named, each in full, each field present (`T | null` where the schema allows null), as the API answers it. */
function objectSection(schema: GraphQLSchema, names: readonly string[]): string[] {
  return objectTypes(schema, names).map((type) => {
    const fields = Object.values(type.getFields()).map(
      (f) => `${jsDoc(f.description, 1)}${member(f.name, f.type, wrapped(f.type, namedRef), 1, 'present')}`,
    );
    return `${jsDoc(type.description, 0)}export interface ${type.name} {\n${fields.join('\n')}\n}`;
  });
}

/** The object types named, in schema order; an unknown or non-object name fails the run. */
function objectTypes(schema: GraphQLSchema, names: readonly string[]): GraphQLObjectType[] {
  for (const name of names)
    if (!isObjectType(schema.getType(name)))
      throw new Error(`graphql-types: ${name} names no object type of the schema`);
  return ownTypes(schema)
    .filter(isObjectType)
    .filter((type) => names.includes(type.name));
}

/**
 * Named types a selection is typed as, by type name and printed selection: `sets`, the field sets
 * (`<Type>Fields`); `whole`, each API type (of the API types module) whose fields are all scalars or
 * enums, selected in full in the schema's order (an answer's type, so used in answers only).
 */
interface KnownFieldSets {
  readonly sets: ReadonlyMap<string, string>;
  readonly whole: ReadonlyMap<string, string>;
}
const fieldSetKey = (typeName: string, selectionSet: SelectionSetNode) => `${typeName} ${print(selectionSet)}`;

function wholeTypes(schema: GraphQLSchema, names: readonly string[]): Map<string, string> {
  const leafOnly = objectTypes(schema, names).filter((type) =>
    Object.values(type.getFields()).every((f) => {
      const named = getNamedType(f.type);
      return isScalarType(named) || isEnumType(named);
    }),
  );
  return new Map(
    leafOnly.map((type) => {
      const selection = (
        parse(`{ ${Object.keys(type.getFields()).join(' ')} }`).definitions[0] as OperationDefinitionNode
      ).selectionSet;
      return [fieldSetKey(type.name, selection), type.name];
    }),
  );
}

/** The object type a selection set reads, as an inline type literal (or the field set it equals). */
function selectionType(
  known: KnownFieldSets,
  parent: GraphQLObjectType,
  selectionSet: SelectionSetNode,
  depth: number,
  nullable: Nullable,
): string {
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
        const key = fieldSetKey(named.name, selection.selectionSet);
        return (
          known.sets.get(key) ??
          (nullable === 'present' ? known.whole.get(key) : undefined) ??
          selectionType(known, named, selection.selectionSet, depth + 1, nullable)
        );
      }
      if (isScalarType(named) || isEnumType(named)) return namedRef(named);
      throw new Error(
        `graphql-types: ${parent.name}.${field.name}: ${named.name} (interfaces and unions) is not supported`,
      );
    });
    return member(key, field.type, rendered, depth + 1, nullable);
  });
  return `{\n${members.join('\n')}\n${pad(depth)}}`;
}

function operationOf(source: string, name: string): OperationDefinitionNode {
  const doc = parse(source);
  const ops = doc.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  if (ops.length !== 1 || doc.definitions.length !== 1)
    throw new Error(`graphql-types: ${name} must hold exactly one operation`);
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
    if (op.operation !== label.toLowerCase())
      throw new Error(`graphql-types: ${name} is a ${op.operation}, listed as a ${label}`);
    results.push(`  ${name}: ${selectionType(known, root, op.selectionSet, 1, 'present')};`);
    variables.push(`  ${name}: ${variablesType(schema, op, name, 1)};`);
  }
  const map = (name: string, members: string[]) =>
    members.length
      ? `export interface ${name} {\n${members.join('\n')}\n}`
      : `export type ${name} = Record<string, never>;`;
  return [
    `/** What each ${label.toLowerCase()} in \`${label[0]}\` (frontend/src/lib/queries.ts) answers, by its key there. */\n${map(`${label}Results`, results)}`,
    `/** The variables each ${label.toLowerCase()} in \`${label[0]}\` takes, by its key there. */\n${map(`${label}Variables`, variables)}`,
  ];
}

function fieldSets(
  schema: GraphQLSchema,
  fields: Readonly<Record<string, string>>,
  apiTypes: readonly string[],
): { known: KnownFieldSets; render(): string[] } {
  const sets = Object.entries(fields).map(([typeName, selection]) => {
    const type = schema.getType(typeName);
    if (!isObjectType(type)) throw new Error(`graphql-types: FIELDS.${typeName} names no object type of the schema`);
    return { type, selectionSet: (parse(`{ ${selection} }`).definitions[0] as OperationDefinitionNode).selectionSet };
  });
  const known = {
    sets: new Map(sets.map(({ type, selectionSet }) => [fieldSetKey(type.name, selectionSet), `${type.name}Fields`])),
    whole: wholeTypes(schema, apiTypes),
  };
  return {
    known,
    render: () =>
      sets.map(
        ({ type, selectionSet }) =>
          `/** The fields of ${type.name} the web app reads wherever it shows one (\`FIELDS.${type.name}\`). */\n` +
          `export type ${type.name}Fields = ${selectionType(known, type, selectionSet, 0, 'optional')};`,
      ),
  };
}

/**
 * The generated module's full text. With `apiTypes` ({@link renderApiTypes}' module and the types in
 * it), a selection of one of those types in full is typed as it, imported from there.
 */
export function renderWebTypes(
  schema: GraphQLSchema,
  documents: WebDocuments,
  apiTypes?: { module: string; types: readonly string[] },
): string {
  const sets = fieldSets(schema, documents.fields, apiTypes?.types ?? []);
  const header = [
    '// Generated by `npm run gen:types` (scripts/gen-graphql-types.ts) from lib/api/schema.graphql and',
    '// frontend/src/lib/queries.ts. Do not edit: change the schema or the documents and run it again.',
  ].join('\n');
  const operations = [
    ...operationGroup(schema, sets.known, documents.queries, schema.getQueryType(), 'Query'),
    ...operationGroup(schema, sets.known, documents.mutations, schema.getMutationType(), 'Mutation'),
    ...operationGroup(schema, sets.known, documents.subscriptions, schema.getSubscriptionType(), 'Subscription'),
  ];
  const used = [...new Set(sets.known.whole.values())]
    .filter((name) => operations.some((o) => new RegExp(`: ${name}\\b`).test(o)))
    .sort();
  const sections = [
    '// Schema types.',
    ...(apiTypes && used.length ? [`import type { ${used.join(', ')} } from '${apiTypes.module}';`] : []),
    ...schemaSection(schema),
    '// Field sets (FIELDS in queries.ts).',
    ...sets.render(),
    '// Operations.',
    ...operations,
  ];
  return `${header}\n\n${sections.join('\n\n')}\n`;
}

/** The API types module's full text: the object types named, in full, and the enums they use (see API_TYPES_PATH). */
export function renderApiTypes(schema: GraphQLSchema, names: readonly string[]): string {
  const header = [
    '// Generated by `npm run gen:types` (scripts/gen-graphql-types.ts) from lib/api/schema.graphql. Do not',
    "// edit: change the schema (or API_OBJECT_TYPES) and run it again. The API's types as it answers them:",
    '// every field present, `T | null` where the schema allows null. Server code imports them from here;',
    "// so does the web app's module.",
  ].join('\n');
  const types = objectTypes(schema, names);
  const enums = new Set(
    types.flatMap((t) =>
      Object.values(t.getFields())
        .map((f) => getNamedType(f.type))
        .filter(isEnumType)
        .map((e) => e.name),
    ),
  );
  const enumLines = schemaSection(schema).filter((line) =>
    [...enums].some((e) => line.includes(`export type ${e} = `)),
  );
  return `${header}\n\n${[...enumLines, ...objectSection(schema, names)].join('\n\n')}\n`;
}

/** The repository's generated web module, computed now (what `npm run gen:types` writes). */
export function currentWebTypes(): string {
  return renderWebTypes(
    loadSchema(),
    { queries: Q, mutations: M, subscriptions: S, fields: FIELDS },
    { module: API_TYPES_IMPORT, types: API_OBJECT_TYPES },
  );
}

/** The repository's generated API types module, computed now (what `npm run gen:types` writes). */
export function currentApiTypes(): string {
  return renderApiTypes(loadSchema(), API_OBJECT_TYPES);
}
