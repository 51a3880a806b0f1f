/**
 * A platform ban's hold on sign-in (docs/safety.md, "Bans"): the Cognito user signed out everywhere
 * (its refresh tokens revoked, so no session renews) and disabled (no new sign-in); lifting the ban
 * enables it again. Tokens issued before the ban stay valid for AppSync until they expire, which is
 * why every mutation also runs the account gate (lib/api/resolvers/functions/accountGate.ts).
 *
 * The client lives here rather than in the shared clients module: only the safety function calls
 * Cognito, and every other function's bundle would otherwise carry the Cognito SDK.
 */
import {
  AdminDisableUserCommand,
  AdminEnableUserCommand,
  AdminUserGlobalSignOutCommand,
  CognitoIdentityProviderClient,
} from '@aws-sdk/client-cognito-identity-provider';
import { ENV, requireEnv } from '../shared/env';
import { observability } from '../shared/logger';

const { logger } = observability('safety');

export const cognito = new CognitoIdentityProviderClient({});

const userGone = (error: unknown) => (error as { name?: string }).name === 'UserNotFoundException';

/**
 * Signs the user out everywhere, then disables them. The user pool's usernames are the users' ids
 * (`sub`: sign-in is by email). A user who deleted their account has nothing left to disable.
 */
export async function disableAccount(userId: string): Promise<void> {
  const UserPoolId = requireEnv(ENV.USER_POOL_ID);
  try {
    // Sign-out first: Cognito may refuse it for a user already disabled, and a retry runs both again.
    await cognito.send(new AdminUserGlobalSignOutCommand({ UserPoolId, Username: userId }));
    await cognito.send(new AdminDisableUserCommand({ UserPoolId, Username: userId }));
  } catch (error) {
    if (!userGone(error)) throw error;
    logger.warn('banned user has no Cognito user to disable', { userId });
  }
}

/** Enables the user again (a ban lifted); they sign in afresh. */
export async function enableAccount(userId: string): Promise<void> {
  const UserPoolId = requireEnv(ENV.USER_POOL_ID);
  try {
    await cognito.send(new AdminEnableUserCommand({ UserPoolId, Username: userId }));
  } catch (error) {
    if (!userGone(error)) throw error;
    logger.warn('lifted user has no Cognito user to enable', { userId });
  }
}
