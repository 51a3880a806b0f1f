/**
 * Platform admins in the local mode: adds a user (by email) to the user pool's `admins` group, as
 * an operator does in AWS with `aws cognito-idp admin-add-user-to-group` (docs/economy.md). The
 * real Cognito Identity Provider client talks to the local Cognito, so this is the same call.
 */
import {
  AdminAddUserToGroupCommand,
  AdminRemoveUserFromGroupCommand,
  CognitoIdentityProviderClient,
  CreateGroupCommand,
  ListUsersInGroupCommand,
  type UserType,
} from '@aws-sdk/client-cognito-identity-provider';
import { ADMINS_GROUP } from '../../lambdas/shared/domain/economy';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../dynamodb/server';

/** Where a running (or stopped) local platform's Cognito is. */
export interface LocalPool {
  cognitoUrl: string;
  userPoolId: string;
}

function client(pool: LocalPool): CognitoIdentityProviderClient {
  return new CognitoIdentityProviderClient({
    endpoint: pool.cognitoUrl,
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
  });
}

/** Puts `email`'s user into the admins group (creating the group if an older data directory lacks it). */
export async function addAdmin(pool: LocalPool, email: string): Promise<void> {
  const cognito = client(pool);
  try {
    try {
      await cognito.send(
        new AdminAddUserToGroupCommand({ UserPoolId: pool.userPoolId, GroupName: ADMINS_GROUP, Username: email }),
      );
    } catch (error) {
      if ((error as Error).name !== 'ResourceNotFoundException') throw error;
      await cognito.send(new CreateGroupCommand({ UserPoolId: pool.userPoolId, GroupName: ADMINS_GROUP }));
      await cognito.send(
        new AdminAddUserToGroupCommand({ UserPoolId: pool.userPoolId, GroupName: ADMINS_GROUP, Username: email }),
      );
    }
  } finally {
    cognito.destroy();
  }
}

/** Takes `email`'s user out of the admins group. */
export async function removeAdmin(pool: LocalPool, email: string): Promise<void> {
  const cognito = client(pool);
  try {
    await cognito.send(
      new AdminRemoveUserFromGroupCommand({ UserPoolId: pool.userPoolId, GroupName: ADMINS_GROUP, Username: email }),
    );
  } finally {
    cognito.destroy();
  }
}

/** The admins' emails. */
export async function listAdmins(pool: LocalPool): Promise<string[]> {
  const cognito = client(pool);
  try {
    const out = await cognito.send(
      new ListUsersInGroupCommand({ UserPoolId: pool.userPoolId, GroupName: ADMINS_GROUP }),
    );
    return (out.Users ?? []).map(
      (u: UserType) => u.Attributes?.find((a) => a.Name === 'email')?.Value ?? u.Username ?? '?',
    );
  } finally {
    cognito.destroy();
  }
}
