/**
 * likeStream's write. Without a `clientLikeId`: one conditional `ADD likes` on the live profile,
 * whose new total is the answer. With one: a TransactWriteItems of the marker for (channel, caller,
 * id), put only if absent (TTL a day), and the same `ADD likes`; both or neither. A marker already
 * there means the tap was counted before: nothing is written and likeTotal answers the total.
 * On one hot profile concurrent transactions can lose to each other (TransactionConflict): the
 * answer is CONFLICT, retryable, and the retry with the same id is safe by construction.
 */
import { util, type Context } from '@aws-appsync/utils';
import { requireUser } from '../lib/commerce';
import { failOnError } from '../lib/errors';
import { likeMarkerKey, profileKey } from '../../../../lambdas/shared/domain/keys';
import { CLIENT_LIKE_ID_PATTERN, LIKE_MARKER_TTL_SECONDS } from '../../../../lambdas/shared/domain/likes';

type Args = { channelId: string; clientLikeId?: string | null };

/** The profile write both paths make: one more like, only while the stream is live. */
function countOnProfile(channelId: string) {
  return {
    key: util.dynamodb.toMapValues(profileKey(channelId)),
    update: { expression: 'ADD likes :one', expressionValues: util.dynamodb.toMapValues({ ':one': 1 }) },
    condition: {
      expression: '#status = :live',
      expressionNames: { '#status': 'status' },
      expressionValues: util.dynamodb.toMapValues({ ':live': 'LIVE' }),
    },
  };
}

/** The longest id the API takes (lambdas/shared/appsync-event.ts MAX_ID_LENGTH; that module carries zod, which APPSYNC_JS cannot). */
const MAX_ID_LENGTH = 256;

export function request(ctx: Context<Args>): unknown {
  const me = requireUser(ctx);
  const channelId = ctx.args.channelId;
  // Checked before it goes into a key: a transaction answers an over-long key with a bare cancellation.
  if (!channelId || channelId.length > MAX_ID_LENGTH) {
    util.error(`That channelId is not one of ours: ids are at most ${MAX_ID_LENGTH} characters.`, 'VALIDATION', null, {
      field: 'channelId',
    });
  }
  const clientLikeId = ctx.args.clientLikeId;
  if (clientLikeId === undefined || clientLikeId === null) {
    return { operation: 'UpdateItem', ...countOnProfile(channelId) };
  }
  if (!util.matches(CLIENT_LIKE_ID_PATTERN, clientLikeId)) {
    util.error('A like id is 8 to 64 letters, digits, hyphens or underscores.', 'VALIDATION', null, {
      field: 'clientLikeId',
    });
  }
  const table = ctx.env.TABLE_NAME as string;
  const nowMs = util.time.nowEpochMilliSeconds();
  return {
    operation: 'TransactWriteItems',
    transactItems: [
      {
        table,
        operation: 'PutItem',
        key: util.dynamodb.toMapValues(likeMarkerKey(channelId, me.sub, clientLikeId)),
        attributeValues: util.dynamodb.toMapValues({
          type: 'LikeMarker',
          channelId,
          userId: me.sub,
          clientLikeId,
          createdAt: util.time.epochMilliSecondsToISO8601(nowMs),
          expiresAt: util.time.epochMilliSecondsToSeconds(nowMs) + LIKE_MARKER_TTL_SECONDS,
        }),
        condition: { expression: 'attribute_not_exists(PK)' },
      },
      { table, operation: 'UpdateItem', ...countOnProfile(channelId) },
    ],
  };
}

export function response(ctx: Context<Args>): unknown {
  if (ctx.error) {
    if (ctx.error.type === 'DynamoDB:ConditionalCheckFailedException') {
      util.error('This stream is not live.', 'NOT_LIVE');
    }
    const reasons = (ctx.result && ctx.result.cancellationReasons ? ctx.result.cancellationReasons : []) as {
      type: string;
    }[];
    if (reasons[0] && reasons[0].type === 'ConditionalCheckFailed') {
      // Counted before under this id: likeTotal answers the total as it is now.
      return null;
    }
    if (reasons[1] && reasons[1].type === 'ConditionalCheckFailed') {
      util.error('This stream is not live.', 'NOT_LIVE');
    }
    if (reasons.some((r) => r.type === 'TransactionConflict')) {
      util.error('Many likes are arriving at once; please tap again.', 'CONFLICT', null, { retryable: true });
    }
    failOnError(ctx);
  }
  // The UpdateItem answers the profile with its new total; the transaction answers no item.
  return ctx.result && ctx.result.likes !== undefined ? { likes: ctx.result.likes } : null;
}
