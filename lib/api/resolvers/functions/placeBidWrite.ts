/**
 * Pipeline step of placeBid: one TransactWriteItems — the product update conditioned on the
 * auction being open, the bidder not the seller and the current price lying in a range the
 * amount beats by an increment (exact under concurrency, see acceptablePriceRanges); the bid put
 * with attribute_not_exists (client bidId = idempotency); the ban item absent.
 * A retried bidId answers the stored BidPlaced instead of writing again.
 */
import { runtime, util, type Context, type DynamoDBTransactWriteItemsRequest } from '@aws-appsync/utils';
import { acceptablePriceRanges, checkBid, incrementFor, softCloseEndsAt } from '../../../../lambdas/shared/domain/auctions';
import { banKey, bidKey, productKey, requireUser, type Item } from '../lib/commerce';

type Input = { productId: string; amount: number; bidId: string };

export function request(ctx: Context<{ input: Input }>): DynamoDBTransactWriteItemsRequest {
  const me = requireUser(ctx);
  const input = ctx.args.input;
  const product = ctx.stash.product as Item;
  const existing = ctx.stash.existingBid as Item | null;
  if (existing) {
    if (existing.bidderId !== me.sub) {
      util.error('This bid id is taken', 'VALIDATION', null, { field: 'bidId' });
    }
    runtime.earlyReturn(existing.placed);
  }
  if (input.amount < 1 || input.amount % 1 !== 0) {
    util.error('A bid is a positive whole number of minor units', 'VALIDATION', null, { field: 'amount' });
  }
  if (input.bidId.length < 8 || input.bidId.length > 64) {
    util.error('bidId has 8 to 64 characters', 'VALIDATION', null, { field: 'bidId' });
  }
  const nowMs = util.time.nowEpochMilliSeconds();
  const rejection = checkBid(
    {
      status: product.status, sellerId: product.channelId, startingBid: product.startingBid ?? 0, bidIncrement: product.bidIncrement,
      currentPrice: product.currentPrice, bidCount: product.bidCount ?? 0, endsAt: product.endsAt, softCloseSeconds: product.softCloseSeconds,
    },
    { bidderId: me.sub, amount: input.amount, banned: false },
    nowMs,
  );
  if (rejection && rejection.code === 'BID_TOO_LOW') {
    util.error(rejection.message, 'BID_TOO_LOW', null, { minimum: rejection.minimum });
  }
  if (rejection) {
    util.error(rejection.message, rejection.code);
  }
  const now = util.time.epochMilliSecondsToISO8601(nowMs);
  const endsAt = softCloseEndsAt(product.endsAt, nowMs, product.softCloseSeconds);
  const ranges = acceptablePriceRanges(input.amount, product.bidIncrement);
  const values: Record<string, unknown> = {
    ':open': 'AUCTION_OPEN', ':now': now, ':me': me.sub, ':zero': 0, ':amount': input.amount, ':one': 1,
    ':handle': me.handle, ':endsAt': endsAt, ':minNext': input.amount + incrementFor(input.amount, product.bidIncrement),
  };
  const terms: string[] = [];
  ranges.forEach((r, i) => {
    values[`:lo${i}`] = r.low;
    values[`:hi${i}`] = r.high;
    terms.push(`currentPrice BETWEEN :lo${i} AND :hi${i}`);
  });
  const priceCondition = terms.length ? ` OR (bidCount > :zero AND (${terms.join(' OR ')}))` : '';
  const bidCount = (product.bidCount ?? 0) + 1;
  const placed = {
    channelId: product.channelId, productId: product.productId, bidId: input.bidId, bidderId: me.sub, bidderHandle: me.handle,
    amount: input.amount, currency: product.currency, currentPrice: input.amount, minNextBid: values[':minNext'], bidCount,
    endsAt, placedAt: now, previousHighBidderId: product.highBidderId ?? null,
  };
  ctx.stash.placed = placed;
  const table = ctx.env.TABLE_NAME as string;
  return {
    operation: 'TransactWriteItems',
    transactItems: [
      {
        table, operation: 'UpdateItem', key: util.dynamodb.toMapValues(productKey(product.productId)),
        update: {
          expression: 'SET currentPrice = :amount, bidCount = bidCount + :one, highBidderId = :me, highBidderHandle = :handle, endsAt = :endsAt, minNextBid = :minNext, updatedAt = :now, GSI2SK = :endsAt',
          expressionValues: util.dynamodb.toMapValues(values),
        },
        condition: {
          expression: `#status = :open AND endsAt > :now AND channelId <> :me AND ((bidCount = :zero AND startingBid <= :amount)${priceCondition})`,
          expressionNames: { '#status': 'status' },
          returnValuesOnConditionCheckFailure: true,
        },
      },
      {
        table, operation: 'PutItem', key: util.dynamodb.toMapValues(bidKey(product.productId, input.bidId)),
        attributeValues: util.dynamodb.toMapValues({
          type: 'Bid', bidId: input.bidId, productId: product.productId, channelId: product.channelId, bidderId: me.sub, bidderHandle: me.handle,
          amount: input.amount, currency: product.currency, placedAt: now, placed,
          GSI1PK: `USER#${me.sub}#BIDS`, GSI1SK: now, GSI2PK: `PRODUCT#${product.productId}#BIDS`, GSI2SK: `${now}#${input.bidId}`,
        }),
        condition: { expression: 'attribute_not_exists(PK)' },
      },
      {
        table, operation: 'ConditionCheck', key: util.dynamodb.toMapValues(banKey(product.channelId, me.sub)),
        condition: { expression: 'attribute_not_exists(PK)' },
      },
    ],
  } as unknown as DynamoDBTransactWriteItemsRequest;
}

export function response(ctx: Context): unknown {
  if (ctx.error) {
    const reasons = (ctx.result && ctx.result.cancellationReasons ? ctx.result.cancellationReasons : []) as { type: string; item?: Item }[];
    const productReason = reasons[0];
    if (productReason && productReason.type === 'ConditionalCheckFailed') {
      const current = productReason.item ?? {};
      const nowMs = util.time.nowEpochMilliSeconds();
      if (current.status !== 'AUCTION_OPEN' || util.time.parseISO8601ToEpochMilliSeconds(current.endsAt) <= nowMs) {
        util.error('The auction is not open', 'AUCTION_CLOSED');
      }
      const minimum = current.bidCount ? current.currentPrice + incrementFor(current.currentPrice, current.bidIncrement) : current.startingBid;
      util.error(`The minimum bid is ${minimum}`, 'BID_TOO_LOW', null, { minimum });
    }
    if (reasons[1] && reasons[1].type === 'ConditionalCheckFailed') {
      util.error('This bid id was just used; retry to read it back', 'CONFLICT');
    }
    if (reasons[2] && reasons[2].type === 'ConditionalCheckFailed') {
      util.error('You are banned from this channel', 'UNAUTHORIZED');
    }
    if (reasons.some((r) => r.type === 'TransactionConflict')) {
      util.error('Another bid was being placed at the same moment; retry', 'CONFLICT');
    }
    util.error(ctx.error.message, ctx.error.type);
  }
  return ctx.stash.placed;
}
