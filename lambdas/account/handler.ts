/**
 * Cognito triggers that must stay fast (Cognito waits about 5 s and retries): DynamoDB only, no
 * IVS. Post-confirmation claims the handle the user chose at sign-up (the account item);
 * pre-token-generation stamps that owned handle into the ID token as the `handle` claim, which the
 * resolvers read instead of the user-writable `preferred_username`. Channels are created later, by
 * provision-streamer, only for users who open the Studio.
 */
import type { PostConfirmationTriggerEvent, PreTokenGenerationTriggerEvent } from 'aws-lambda';
import { claimHandle, loadAccount } from '../shared/accounts';
import { HANDLE_CLAIM } from '../shared/domain/claims';
import { DomainError } from '../shared/errors';
import { observability } from '../shared/logger';

const { logger } = observability('account');

async function onConfirmed(event: PostConfirmationTriggerEvent): Promise<PostConfirmationTriggerEvent> {
  if (event.triggerSource !== 'PostConfirmation_ConfirmSignUp') return event;
  const attrs = event.request.userAttributes;
  const sub = attrs.sub;
  if (!sub) throw new Error('post-confirmation event without sub');
  try {
    await claimHandle(sub, attrs.preferred_username ?? '');
  } catch (error) {
    // A taken or invalid handle must not fail the sign-up: the user has no handle until they claim
    // one (provisionMe(handle)), and the token carries none meanwhile.
    if (!(error instanceof DomainError)) throw error;
    logger.warn('handle not claimed at sign-up', { userId: sub, code: error.code, reason: error.message });
  }
  return event;
}

async function onTokens(event: PreTokenGenerationTriggerEvent): Promise<PreTokenGenerationTriggerEvent> {
  const sub = event.request.userAttributes.sub;
  const account = sub ? await loadAccount(sub) : undefined;
  event.response = {
    claimsOverrideDetails: account
      ? { claimsToAddOrOverride: { [HANDLE_CLAIM]: account.handle } }
      : // Never let a `handle` claim through that the platform did not set.
        { claimsToSuppress: [HANDLE_CLAIM] },
  };
  return event;
}

function isPreToken(
  event: PostConfirmationTriggerEvent | PreTokenGenerationTriggerEvent,
): event is PreTokenGenerationTriggerEvent {
  return event.triggerSource.startsWith('TokenGeneration_');
}

/** Cognito post-confirmation and pre-token-generation (V1) triggers. */
export async function handler(event: PostConfirmationTriggerEvent | PreTokenGenerationTriggerEvent): Promise<unknown> {
  return isPreToken(event) ? onTokens(event) : onConfirmed(event);
}
