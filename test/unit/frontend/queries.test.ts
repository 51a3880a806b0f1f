import { parse, validate } from 'graphql';
import { describe, expect, it } from 'vitest';
import { loadSchema } from '../../../lib/api/resolver-files';
import { C, M, Q, S } from '../../../frontend/src/lib/queries';

const schema = loadSchema();

describe('every GraphQL document the web app sends is valid against lib/api/schema.graphql', () => {
  const docs = {
    ...Object.fromEntries(Object.entries(Q).map(([k, v]) => [`Q.${k}`, v])),
    ...Object.fromEntries(Object.entries(M).map(([k, v]) => [`M.${k}`, v])),
    ...Object.fromEntries(Object.entries(S).map(([k, v]) => [`S.${k}`, v])),
    ...Object.fromEntries(Object.entries(C).map(([k, v]) => [`C.${k}`, v])),
  };
  it.each(Object.entries(docs))('%s', (_name, doc) => {
    expect(validate(schema, parse(doc)).map((e) => e.message)).toEqual([]);
  });
});
