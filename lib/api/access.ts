import { isObjectType, type GraphQLSchema } from 'graphql';
import { loadSchema } from './resolver-files';

/**
 * Who may call which root field through IAM, derived from the schema's directives so the CDK
 * policies and the local GraphQL server agree:
 * - `backend`: `Mutation.publish*` (called by Lambdas with their execution role, SigV4-signed);
 * - `guest`: every other root field marked `@aws_iam` (the identity pool's unauthenticated role,
 *   or an unsigned request in the local mode).
 */
export interface IamAccess {
  readonly guest: readonly string[];
  readonly backend: readonly string[];
}

const ROOTS = ['Query', 'Mutation', 'Subscription'] as const;

export function iamAccess(schema: GraphQLSchema = loadSchema()): IamAccess {
  const guest: string[] = [];
  const backend: string[] = [];
  for (const root of ROOTS) {
    const type = schema.getType(root);
    if (!isObjectType(type)) continue;
    for (const field of Object.values(type.getFields())) {
      const iam = (field.astNode?.directives ?? []).some((d) => d.name.value === 'aws_iam');
      if (!iam) continue;
      const name = `${root}.${field.name}`;
      if (root === 'Mutation' && field.name.startsWith('publish')) backend.push(name);
      else guest.push(name);
    }
  }
  return { guest, backend };
}
