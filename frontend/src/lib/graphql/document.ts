/**
 * GraphQL documents that carry their result and variables types. A document is still the plain
 * string the API client sends; the types ride along as optional phantom properties, so `gql` and
 * `subscribe` infer what an operation answers from the document alone.
 */

/** A GraphQL document whose operation answers `R` and takes `V`. */
export type Document<R, V> = string & { readonly __result?: R; readonly __variables?: V };

/**
 * Types each document of a group by its key, from the generated `<Group>Results` and
 * `<Group>Variables` maps (lib/graphql/schema-types.ts). A key missing from those maps fails the
 * type check until `npm run gen:types` runs again.
 */
export function typedDocuments<Results, Variables>() {
  return <const D extends { [K in keyof D]: K extends keyof Results & keyof Variables ? string : never }>(docs: D) =>
    docs as unknown as {
      readonly [K in keyof D]: K extends keyof Results & keyof Variables ? Document<Results[K], Variables[K]> : never;
    };
}
