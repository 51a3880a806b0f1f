/**
 * Preloaded into cognito-local (`node --import cognito-local-hooks.mjs .../start.js`) by local/auth/cognito.ts.
 *
 * 1. Code delivery. cognito-local "delivers" confirmation codes by logging a box through pino and
 *    sonic-boom 2.8, which counts queued output in characters but subtracts bytes written: after the
 *    box's multi-byte border characters its counter goes wrong and output stalls for seconds to
 *    minutes (pinojs/sonic-boom issue 139), so codes read from its console arrived 20 s to 8 min late
 *    or never. Each delivery is instead written at once, as one JSON line, to descriptor 3, a pipe the
 *    local mode reads (it writes the outbox file and prints the code), with what caused it (SignUp,
 *    ResendCode, ForgotPassword, ...); the box is not logged.
 * 2. ResendConfirmationCode, which cognito-local 5.3 lacks ("Unsupported x-amz-target header"): added
 *    to its targets with Cognito's behaviour, built from its own services as its ForgotPassword is.
 * 3. GetTokensFromRefreshToken, which cognito-local 5.3 lacks too, while aws-amplify 6 refreshes tokens
 *    with nothing else: without it every refresh failed, so a session kept its first ID token until it
 *    expired (a user just added to `admins` never got `cognito:groups`, a claimed handle never reached
 *    the token). Answered as Cognito does for an app client without refresh token rotation: new ID
 *    and access tokens from the user as they are now (groups, the pre-token-generation trigger), no
 *    new refresh token; cognito-local's own REFRESH_TOKEN_AUTH flow issues them.
 * 4. Disabled users (a platform ban, docs/safety.md): cognito-local 5.3 records AdminDisableUser but
 *    still signs the user in and refreshes their tokens. As Cognito does, sign-in and refresh of a
 *    disabled user are refused with NotAuthorizedException "User is disabled.".
 * 5. AdminUserGlobalSignOut, which cognito-local 5.3 lacks: the user's refresh tokens are revoked,
 *    so a refresh answers NotAuthorizedException; tokens already issued run until they expire.
 */
import { createRequire } from 'node:module';
import { fstatSync, writeSync } from 'node:fs';

// Resolved from cognito-local's own entry point, so these are the very module instances it uses.
const require = createRequire(process.argv[1]);
const { MessagesService } = require('../services/messages');
const { Targets } = require('../targets/targets');
const { InvalidParameterError, NotAuthorizedError, UserNotFoundError } = require('../errors');
const { selectAppropriateDeliveryMethod } = require('../services/messageDelivery/deliveryMethod');

const CHANNEL = 3;
const channelOpen = (() => {
  try {
    fstatSync(CHANNEL);
    return true;
  } catch {
    return false;
  }
})();

/** Writes all of `text` to the channel; a full pipe (EAGAIN on a non-blocking descriptor) is retried, never dropped. */
function writeLine(text) {
  let rest = Buffer.from(text, 'utf8');
  while (rest.length) {
    try {
      rest = rest.subarray(writeSync(CHANNEL, rest));
    } catch (error) {
      if (error.code !== 'EAGAIN') throw error;
    }
  }
}

if (channelOpen) {
  const original = MessagesService.prototype.deliver;
  MessagesService.prototype.deliver = async function deliverToChannel(
    ctx,
    source,
    clientId,
    userPoolId,
    user,
    code,
    clientMetadata,
    deliveryDetails,
  ) {
    if (this.triggers.enabled('CustomEmailSender') && source !== 'Authentication') {
      return original.call(this, ctx, source, clientId, userPoolId, user, code, clientMetadata, deliveryDetails);
    }
    // The pool's CustomMessage trigger still shapes the text, as in Cognito.
    const { __code, ...message } = await this.create(ctx, source, clientId, userPoolId, user, code, clientMetadata);
    const line = {
      kind: 'code-delivery',
      source,
      username: user.Username,
      medium: deliveryDetails.DeliveryMedium,
      destination: deliveryDetails.Destination,
      code: __code,
      ...message,
    };
    // Synchronous: the line is in the pipe before the request that caused it is answered.
    writeLine(`${JSON.stringify(line)}\n`);
  };
}

/**
 * Cognito's ResendConfirmationCode: a new code for an unconfirmed user, sent where SignUp sent the
 * first (the pool's auto-verified attribute), replacing the previous code.
 */
Targets.ResendConfirmationCode =
  ({ cognito, clock, messages, otp }) =>
  async (ctx, req) => {
    const userPool = await cognito.getUserPoolForClientId(ctx, req.ClientId);
    const user = await userPool.getUserByUsername(ctx, req.Username);
    if (!user) throw new UserNotFoundError('Username/client id combination not found.');
    if (user.UserStatus === 'CONFIRMED') throw new InvalidParameterError('User is already confirmed.');
    const deliveryDetails = selectAppropriateDeliveryMethod(userPool.options.AutoVerifiedAttributes ?? ['email'], user);
    if (!deliveryDetails)
      throw new InvalidParameterError('User has no attribute matching desired auto verified attributes');
    const code = otp();
    await messages.deliver(
      ctx,
      'ResendCode',
      req.ClientId,
      userPool.options.Id,
      user,
      code,
      req.ClientMetadata,
      deliveryDetails,
    );
    await userPool.saveUser(ctx, { ...user, UserLastModifiedDate: clock.get(), ConfirmationCode: code });
    return { CodeDeliveryDetails: deliveryDetails };
  };

/** The user a sign-in or refresh request is for (by username or refresh token), or null. */
async function userOfAuthRequest(services, ctx, req) {
  const userPool = req.UserPoolId
    ? await services.cognito.getUserPool(ctx, req.UserPoolId)
    : await services.cognito.getUserPoolForClientId(ctx, req.ClientId);
  const params = req.AuthParameters ?? {};
  if (params.REFRESH_TOKEN) return userPool.getUserByRefreshToken(ctx, params.REFRESH_TOKEN);
  if (params.USERNAME) return userPool.getUserByUsername(ctx, params.USERNAME);
  return null;
}

/** Wraps a sign-in target so a disabled user is refused before it runs (see 4. above). */
function refusingDisabled(target) {
  return (services) => {
    const inner = target(services);
    return async (ctx, req) => {
      const user = await userOfAuthRequest(services, ctx, req);
      if (user && user.Enabled === false) throw new NotAuthorizedError('User is disabled.');
      return inner(ctx, req);
    };
  };
}
Targets.InitiateAuth = refusingDisabled(Targets.InitiateAuth);
Targets.AdminInitiateAuth = refusingDisabled(Targets.AdminInitiateAuth);

/** Cognito's AdminUserGlobalSignOut (see 5. above). */
Targets.AdminUserGlobalSignOut =
  ({ cognito, clock }) =>
  async (ctx, req) => {
    const userPool = await cognito.getUserPool(ctx, req.UserPoolId);
    const user = await userPool.getUserByUsername(ctx, req.Username);
    if (!user) throw new UserNotFoundError('User does not exist.');
    await userPool.saveUser(ctx, { ...user, RefreshTokens: [], UserLastModifiedDate: clock.get() });
    return {};
  };

/** Cognito's GetTokensFromRefreshToken for a client without refresh token rotation (see 3. above). */
Targets.GetTokensFromRefreshToken = (services) => {
  // The wrapped InitiateAuth: a disabled user's refresh is refused here too.
  const initiateAuth = Targets.InitiateAuth(services);
  return async (ctx, req) => {
    if (!req.RefreshToken) throw new InvalidParameterError('RefreshToken is required');
    const { AuthenticationResult } = await initiateAuth(ctx, {
      AuthFlow: 'REFRESH_TOKEN_AUTH',
      ClientId: req.ClientId,
      AuthParameters: { REFRESH_TOKEN: req.RefreshToken },
      ClientMetadata: req.ClientMetadata,
    });
    const { AccessToken, IdToken } = AuthenticationResult;
    const { exp, iat } = JSON.parse(Buffer.from(AccessToken.split('.')[1], 'base64url').toString('utf8'));
    return { AuthenticationResult: { AccessToken, IdToken, ExpiresIn: exp - iat, TokenType: 'Bearer' } };
  };
};
