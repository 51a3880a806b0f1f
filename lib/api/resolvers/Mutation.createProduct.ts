/**
 * Mutation.createProduct: the channel owner adds a product (DRAFT). Re-expresses
 * productInputSchema (lambdas/shared/domain/product-schema.ts; zod cannot run in APPSYNC_JS), and
 * test/integration/commerce checks both agree. The id is `prd_` + 20 Crockford characters from
 * util.autoId(); the put is conditioned on attribute_not_exists(PK), so a (100-bit) collision
 * surfaces as CONFLICT and the client retries — never an overwrite. The same transaction checks the
 * channel is not suspended (SUSPENDED otherwise).
 */
import { util, type Context, type DynamoDBTransactWriteItemsRequest } from '@aws-appsync/utils';
import { minStartingBid } from '../../../lambdas/shared/domain/currencies';
import { idFromUuid } from '../../../lambdas/shared/domain/ids';
import { productView, requireUser, type Item } from './lib/commerce';
import { failOnError } from './lib/errors';
import { channelProductsPk, productKey, profileKey } from '../../../lambdas/shared/domain/keys';

type Input = Item;
const SIZES = ['XS', 'S', 'M', 'L', 'XL', 'XXL'];

function invalid(field: string, message: string): void {
  util.error(message, 'VALIDATION', null, { field });
}

function isInt(v: unknown): boolean {
  return typeof v === 'number' && v % 1 === 0;
}

function validate(input: Input): Record<string, unknown> {
  const title = (input.title as string).trim();
  if (title.length < 1 || title.length > 120) invalid('title', 'A title has 1 to 120 characters');
  if (input.description && input.description.length > 2000) invalid('description', 'At most 2000 characters');
  if (input.imageUrl && !(input.imageUrl.startsWith('https://') || input.imageUrl.startsWith('http://')))
    invalid('imageUrl', 'An http(s) URL');
  // minStartingBid looks the user string up among the table's own keys only (never `constructor`).
  const min = typeof input.currency === 'string' ? minStartingBid(input.currency) : null;
  if (min === null) invalid('currency', 'Unsupported currency');
  const auction = input.saleMode !== 'BUY_NOW';
  if (auction && (input.startingBid === null || input.startingBid === undefined))
    invalid('startingBid', 'Required for auctions');
  if (auction && (!isInt(input.startingBid) || input.startingBid < (min ?? 0)))
    invalid('startingBid', `At least ${min ?? 0}`);
  if (
    input.bidIncrement !== null &&
    input.bidIncrement !== undefined &&
    (!isInt(input.bidIncrement) || input.bidIncrement < 1)
  )
    invalid('bidIncrement', 'A positive whole number');
  if (input.saleMode !== 'AUCTION' && !input.buyNowPrice) invalid('buyNowPrice', 'Required for buy-now');
  if (input.saleMode === 'AUCTION' && input.buyNowPrice) invalid('buyNowPrice', 'Not allowed for auction-only');
  if (input.buyNowPrice && (!isInt(input.buyNowPrice) || input.buyNowPrice < 1))
    invalid('buyNowPrice', 'A positive whole number');
  if (input.buyNowPrice && auction && input.buyNowPrice <= input.startingBid)
    invalid('buyNowPrice', 'Must exceed the starting bid');
  const duration = input.durationSeconds ?? 300;
  if (!isInt(duration) || duration < 30 || duration > 604800)
    invalid('durationSeconds', 'Between 30 seconds and 7 days');
  const softClose = input.softCloseSeconds ?? 0;
  if (!isInt(softClose) || softClose < 0 || softClose > 120) invalid('softCloseSeconds', 'Between 0 and 120 seconds');
  const params = (input.params ?? {}) as Item;
  const keys = Object.keys(params);
  if (input.type === 'GENERIC' && keys.length) invalid('params', 'Generic products take no parameters');
  if (input.type === 'APPAREL') {
    if (!SIZES.includes(params.size)) invalid('params.size', 'One of XS, S, M, L, XL, XXL');
    if (typeof params.colour !== 'string' || params.colour.trim().length < 1 || params.colour.length > 40)
      invalid('params.colour', 'Required');
    if (keys.length !== 2) invalid('params', 'Apparel takes size and colour');
  }
  if (input.type === 'COLLECTIBLE') {
    if (typeof params.grade !== 'string' || params.grade.trim().length < 1 || params.grade.length > 20)
      invalid('params.grade', 'Required');
    if (!isInt(params.year) || params.year < 1800 || params.year > 2100) invalid('params.year', 'A year');
    if (keys.length !== 2) invalid('params', 'Collectibles take grade and year');
  }
  return { title, duration, softClose, params };
}

export function request(ctx: Context<{ input: Input }>): DynamoDBTransactWriteItemsRequest {
  const me = requireUser(ctx);
  const input = ctx.args.input;
  if (input.channelId !== me.sub) {
    util.error('Only the channel owner adds products', 'NOT_OWNER');
  }
  const v = validate(input);
  const productId = idFromUuid('prd', util.autoId());
  const now = util.time.nowISO8601();
  const item: Record<string, unknown> = {
    type: 'Product',
    productId,
    channelId: me.sub,
    title: v.title,
    description: input.description ?? null,
    imageUrl: input.imageUrl ?? null,
    productType: input.type,
    params: v.params,
    saleMode: input.saleMode,
    currency: input.currency,
    startingBid: input.saleMode === 'BUY_NOW' ? null : input.startingBid,
    bidIncrement: input.bidIncrement ?? null,
    buyNowPrice: input.buyNowPrice ?? null,
    currentPrice: null,
    bidCount: 0,
    status: 'DRAFT',
    durationSeconds: v.duration,
    softCloseSeconds: v.softClose,
    shippingProfileId: input.shippingProfileId ?? null,
    featured: false,
    createdAt: now,
    updatedAt: now,
    GSI1PK: channelProductsPk(me.sub),
    GSI1SK: now,
  };
  ctx.stash.product = { ...productKey(productId), ...item };
  // A suspended channel adds no products (docs/safety.md): the profile is checked in the same transaction.
  return {
    operation: 'TransactWriteItems',
    transactItems: [
      {
        table: ctx.env.TABLE_NAME as string,
        operation: 'PutItem',
        key: util.dynamodb.toMapValues(productKey(productId)),
        attributeValues: util.dynamodb.toMapValues(item),
        condition: { expression: 'attribute_not_exists(PK)' },
      },
      {
        table: ctx.env.TABLE_NAME as string,
        operation: 'ConditionCheck',
        key: util.dynamodb.toMapValues(profileKey(me.sub)),
        condition: {
          expression: 'attribute_not_exists(suspendedUntil) OR suspendedUntil <= :now',
          expressionValues: util.dynamodb.toMapValues({ ':now': now }),
        },
      },
    ],
  } as unknown as DynamoDBTransactWriteItemsRequest;
}

export function response(ctx: Context): unknown {
  if (ctx.error) {
    const reasons = (ctx.result && ctx.result.cancellationReasons ? ctx.result.cancellationReasons : []) as {
      type?: string;
    }[];
    if (reasons[1] && reasons[1].type === 'ConditionalCheckFailed') {
      util.error('Your channel is suspended: you cannot add products until the suspension ends.', 'SUSPENDED');
    }
    if (reasons[0] && reasons[0].type === 'ConditionalCheckFailed') {
      util.error('Product id collision; retry', 'CONFLICT');
    }
  }
  failOnError(ctx);
  return productView(ctx.stash.product);
}
