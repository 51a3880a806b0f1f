/**
 * likeStream's answer: the total likeWrite's UpdateItem returned, or, after its transaction (which
 * returns no item) or a like counted before, the live profile's `likes` read consistently.
 */
import { runtime, util, type Context } from '@aws-appsync/utils';
import { failOnError } from '../lib/errors';
import { profileKey } from '../../../../lambdas/shared/domain/keys';

export function request(ctx: Context<{ channelId: string }>): unknown {
  if (ctx.prev.result) {
    runtime.earlyReturn(ctx.prev.result);
  }
  return { operation: 'GetItem', key: util.dynamodb.toMapValues(profileKey(ctx.args.channelId)), consistentRead: true };
}

export function response(ctx: Context<{ channelId: string }>): unknown {
  failOnError(ctx);
  const profile = ctx.result as { status?: string; likes?: number } | null;
  if (!profile || profile.status !== 'LIVE') {
    util.error('This stream is not live.', 'NOT_LIVE');
  }
  return { likes: profile.likes || 0 };
}
