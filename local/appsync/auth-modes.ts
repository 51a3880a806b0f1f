/**
 * Which auth modes may read a field: AppSync's rule over the schema's @aws_iam and
 * @aws_cognito_user_pools directives, computed once per field (the schema is fixed).
 */
import type { GraphQLField, GraphQLObjectType } from 'graphql';

export type AuthMode = 'AMAZON_COGNITO_USER_POOLS' | 'AWS_IAM';

const DEFAULT_MODE: AuthMode = 'AMAZON_COGNITO_USER_POOLS';
const DIRECTIVE_MODE: Record<string, AuthMode> = {
  aws_iam: 'AWS_IAM',
  aws_cognito_user_pools: 'AMAZON_COGNITO_USER_POOLS',
};
/** Introspection fields are open to every mode. */
const ANY_MODE: AuthMode[] = ['AWS_IAM', 'AMAZON_COGNITO_USER_POOLS'];

function modesOf(node: {
  astNode?: { directives?: readonly { name: { value: string } }[] } | null | undefined;
}): AuthMode[] {
  return (node.astNode?.directives ?? [])
    .map((d) => DIRECTIVE_MODE[d.name.value])
    .filter((m): m is AuthMode => m !== undefined);
}

/** AppSync's rule: field directives, else the parent type's, else the default mode. */
function allowedModes(type: GraphQLObjectType, field: GraphQLField<unknown, unknown>): AuthMode[] {
  const own = modesOf(field);
  if (own.length) return own;
  const typeModes = modesOf(type);
  return typeModes.length ? typeModes : [DEFAULT_MODE];
}

/** The allowed modes of `parent.fieldName`, cached per field. */
export function authModesOfFields(): (parent: GraphQLObjectType, fieldName: string) => AuthMode[] {
  const modesByField = new Map<string, AuthMode[]>();
  return (parent, fieldName) => {
    const key = `${parent.name}.${fieldName}`;
    let modes = modesByField.get(key);
    if (!modes) {
      const def = parent.getFields()[fieldName];
      modes = def && !fieldName.startsWith('__') ? allowedModes(parent, def) : ANY_MODE;
      modesByField.set(key, modes);
    }
    return modes;
  };
}
