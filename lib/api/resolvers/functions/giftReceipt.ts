/**
 * sendGift/sendTip last step: reads the request's answer record and the caller's wallet
 * (consistent) and answers the receipt. The same read answers a fresh gift, a retry and a
 * concurrent duplicate, so all three say the same thing; an id reused for a different gift is refused.
 */
import { util, type Context, type DynamoDBBatchGetItemRequest } from '@aws-appsync/utils';
import { giftRequestKey, walletKey } from '../../../../lambdas/shared/domain/keys';
import { failOnError, type Item } from '../lib/commerce';
import { walletView } from '../lib/economy';
import { giftFingerprint } from '../lib/gift-write';
import type { GiftStash } from './giftLoad';

export function request(ctx: Context): DynamoDBBatchGetItemRequest {
  const g = (ctx.stash as GiftStash).gift;
  const table = ctx.env.TABLE_NAME as string;
  return {
    operation: 'BatchGetItem',
    tables: {
      [table]: {
        keys: [
          util.dynamodb.toMapValues(giftRequestKey(g.me.sub, g.clientGiftId)),
          util.dynamodb.toMapValues(walletKey(g.me.sub)),
        ],
        consistentRead: true,
      },
    },
  } as unknown as DynamoDBBatchGetItemRequest;
}

export function response(ctx: Context): unknown {
  failOnError(ctx);
  const g = (ctx.stash as GiftStash).gift;
  const table = ctx.env.TABLE_NAME as string;
  const found = ctx.result.data[table] as (Item | null)[];
  const answer = found[0];
  if (!answer) {
    util.error('The gift could not be confirmed; send it again with the same clientGiftId.', 'Unavailable', null, {
      retryable: true,
    });
  }
  const p = g.priced;
  const asked = giftFingerprint({
    kind: p.kind,
    channelId: g.channelId,
    giftId: p.giftId,
    count: p.count,
    coins: p.coins,
    message: p.message,
  });
  if ((answer as Item).fingerprint !== asked) {
    util.error('This clientGiftId was already used for a different gift or tip; use a new id.', 'VALIDATION', null, {
      field: 'clientGiftId',
    });
  }
  return { gift: (answer as Item).gift, wallet: walletView(found[1]) };
}
