import { readFileSync } from 'node:fs';
import { buildSchema } from 'graphql';
import { describe, expect, it } from 'vitest';
import {
  API_TYPES_PATH,
  currentApiTypes,
  currentWebTypes,
  GENERATED_PATH,
  renderApiTypes,
  renderWebTypes,
} from '../../../scripts/graphql-types';

const schema = buildSchema(`
  scalar AWSDateTime
  scalar AWSPhone2
  enum Status { ON OFF }
  type Item { id: ID! name: String tags: [String!]! scores: [Int] status: Status! at: AWSDateTime! child: Item }
  input ItemInput { name: String! note: String }
  type Query { item(id: ID!): Item items: [Item!]! odd: AWSPhone2 }
  type Mutation { save(input: ItemInput!): Item! }
  type Subscription { onSave: Item }
`);
const none = { queries: {}, mutations: {}, subscriptions: {}, fields: {} };

describe('renderWebTypes', () => {
  it('types enums as unions and input types with omittable nullable fields; output types only as selected', () => {
    const out = renderWebTypes(schema, { ...none, fields: { Item: 'id name tags scores status at' } });
    expect(out).toContain("export type Status = 'ON' | 'OFF';");
    expect(out).toContain(
      'export type ItemFields = {\n  id: string;\n  name?: string | null;\n  tags: string[];\n  scores?: (number | null)[] | null;\n' +
        '  status: Status;\n  at: string;\n};',
    );
    expect(out).not.toMatch(/interface Item \{/);
    expect(out).toContain('export interface ItemInput {\n  name: string;\n  note?: string | null | undefined;\n}');
    expect(out).not.toMatch(/interface (Query|Mutation|Subscription) \{/);
    expect(out).toContain('export type QueryResults = Record<string, never>;');
  });

  it('types each operation by its selection (nullable fields present, as answered), aliases included, and its variables (nullable ones optional)', () => {
    const out = renderWebTypes(schema, {
      ...none,
      queries: {
        one: 'query One($id: ID!) { item(id: $id) { id label: name child { status } } }',
        all: 'query { items { id } }',
      },
      mutations: { save: 'mutation Save($input: ItemInput!) { save(input: $input) { __typename id } }' },
    });
    expect(out).toContain(
      'export interface QueryResults {\n  one: {\n    item: {\n      id: string;\n      label: string | null;\n' +
        '      child: {\n        status: Status;\n      } | null;\n    } | null;\n  };\n  all: {\n    items: {\n      id: string;\n    }[];\n  };\n}',
    );
    expect(out).toContain(
      'export interface QueryVariables {\n  one: {\n    id: string;\n  };\n  all: Record<string, never>;\n}',
    );
    expect(out).toContain("save: {\n    save: {\n      __typename: 'Item';\n      id: string;\n    };\n  };");
    expect(out).toContain('export interface MutationVariables {\n  save: {\n    input: ItemInput;\n  };\n}');
  });

  it('types a named field set as <Type>Fields, and a selection that is exactly one as that type', () => {
    const out = renderWebTypes(schema, {
      ...none,
      fields: { Item: 'id tags' },
      queries: { same: '{ items { id tags } }', other: '{ items { id } }' },
    });
    expect(out).toContain('export type ItemFields = {\n  id: string;\n  tags: string[];\n};');
    expect(out).toContain('  same: {\n    items: ItemFields[];\n  };');
    expect(out).toContain('  other: {\n    items: {\n      id: string;\n    }[];\n  };');
  });

  it('refuses what it cannot type rather than guessing', () => {
    expect(() => renderWebTypes(schema, { ...none, queries: { odd: '{ odd }' } })).toThrow(/scalar AWSPhone2/);
    expect(() => renderWebTypes(schema, { ...none, queries: { x: '{ item(id: "1") { nope } }' } })).toThrow(
      /Item has no field nope/,
    );
    expect(() =>
      renderWebTypes(schema, { ...none, queries: { x: '{ item(id: "1") { ...F } } fragment F on Item { id }' } }),
    ).toThrow(/exactly one operation/);
    expect(() =>
      renderWebTypes(schema, { ...none, queries: { x: 'mutation { save(input: { name: "a" }) { id } }' } }),
    ).toThrow(/x is a mutation/);
    expect(() => renderWebTypes(schema, { ...none, fields: { Nope: 'id' } })).toThrow(/FIELDS.Nope/);
  });
});

describe('renderApiTypes and the web types that use it', () => {
  const leafy = buildSchema(`
    enum Role { A B }
    enum Other { X }
    type Token { token: String! role: Role! until: String }
    type Owner { id: ID! token: Token other: Other }
    input TokenInput { role: Role! }
    type Query { token: Token owner: Owner }
    type Mutation { mint(input: TokenInput!): Token! }
    type Subscription { onMint: Token }
  `);

  it('writes the named object types in full, each field present (nullable: `T | null`), with the enums they use', () => {
    const out = renderApiTypes(leafy, ['Token']);
    expect(out).toContain("export type Role = 'A' | 'B';");
    expect(out).toContain('export interface Token {\n  token: string;\n  role: Role;\n  until: string | null;\n}');
    expect(out).not.toMatch(/Other|Owner|TokenInput|interface (Query|Mutation) \{/);
    expect(renderApiTypes(leafy, ['Token', 'Owner'])).toContain(
      'export interface Owner {\n  id: string;\n  token: Token | null;\n  other: Other | null;\n}',
    );
    expect(() => renderApiTypes(leafy, ['Nope'])).toThrow(/Nope names no object type/);
  });

  it('types a selection of an API type in full (schema order) as that type, imported; any other selection inline', () => {
    const out = renderWebTypes(
      leafy,
      {
        ...none,
        queries: {
          whole: '{ token { token role until } }',
          part: '{ token { token role } }',
          reordered: '{ token { role token until } }',
        },
        mutations: { mint: 'mutation Mint($input: TokenInput!) { mint(input: $input) { token role until } }' },
      },
      { module: '../api-types', types: ['Token'] },
    );
    expect(out).toContain("import type { Token } from '../api-types';");
    expect(out).toContain("export type Role = 'A' | 'B';");
    expect(out).toContain('  whole: {\n    token: Token | null;\n  };');
    expect(out).toContain('  part: {\n    token: {\n      token: string;\n      role: Role;\n    } | null;\n  };');
    expect(out).toContain('  reordered: {\n    token: {\n      role: Role;');
    expect(out).toContain('  mint: {\n    mint: Token;\n  };');
    expect(
      renderWebTypes(
        leafy,
        { ...none, fields: { Token: 'token role until' } },
        { module: '../api-types', types: ['Token'] },
      ),
    ).not.toContain('import type');
  });
});

describe('the generated GraphQL types', () => {
  it('frontend/src/lib/graphql/schema-types.ts is what the schema and queries.ts give now (run `npm run gen:types` when this fails)', () => {
    expect(readFileSync(GENERATED_PATH, 'utf8')).toBe(currentWebTypes());
  });

  it('lambdas/shared/api-types.ts is what the schema gives now (run `npm run gen:types` when this fails)', () => {
    expect(readFileSync(API_TYPES_PATH, 'utf8')).toBe(currentApiTypes());
  });
});
