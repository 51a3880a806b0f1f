/**
 * Shared pieces of the commerce resolvers (APPSYNC_JS subset): the caller, typed errors and
 * the Product/Sale views; placeBid's own storage is lib/bids.ts. Business rules come from
 * lambdas/shared/domain/auctions.ts (bundled).
 */
import { analyticsSessionId } from '../../../../lambdas/shared/domain/attribution';
import { util, type AppSyncIdentityCognito, type Context } from '@aws-appsync/utils';
import { HANDLE_CLAIM } from '../../../../lambdas/shared/domain/claims';
import {
  channelSalesPk,
  orderKey,
  recordingOffsetSk,
  recordingSalesPk,
  saleKey,
  streamSalesPk,
} from '../../../../lambdas/shared/domain/keys';
import { minNextBid } from '../../../../lambdas/shared/domain/auctions';

/** A stored item, read dynamically (its attributes follow docs/data-model.md). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Item = Record<string, any>;

/**
 * Membership in a DynamoDB string set as a resolver sees it: a list in AppSync, a JS Set in the
 * local runtime (the SDK's unmarshall).
 */
export function setHas(set: unknown, value: string): boolean {
  if (!set) return false;
  if (Array.isArray(set)) return set.indexOf(value) >= 0;
  return (set as { has(v: string): boolean }).has(value);
}

/**
 * The caller's platform-owned handle: the `handle` claim the account function stamps from the
 * account item (HANDLE_CLAIM), never the user-writable `preferred_username`; the opaque Cognito
 * username for a user who holds no handle yet.
 */
export function ownedHandle(identity: AppSyncIdentityCognito): string {
  const claims = (identity.claims ?? {}) as Record<string, string>;
  return claims[HANDLE_CLAIM] ? claims[HANDLE_CLAIM] : identity.username;
}

/** The signed-in Cognito caller, or UNAUTHORIZED for guests and IAM callers. */
export function requireUser(ctx: Context): { sub: string; handle: string } {
  const identity = ctx.identity as AppSyncIdentityCognito | null;
  if (!identity || !identity.sub) {
    util.error('Sign in first', 'UNAUTHORIZED');
  }
  return { sub: identity.sub, handle: ownedHandle(identity) };
}

/** Product item as the GraphQL Product type (keys and index attributes dropped). */
export function productView(item: Record<string, unknown>): Record<string, unknown> {
  const view: Record<string, unknown> = { ...item };
  delete view.PK;
  delete view.SK;
  delete view.GSI1PK;
  delete view.GSI1SK;
  delete view.GSI2PK;
  delete view.GSI2SK;
  view.type = item.productType;
  delete view.productType;
  view.featured = item.featured === true;
  view.bidCount = item.bidCount ?? 0;
  view.minNextBid =
    item.startingBid === null || item.startingBid === undefined
      ? null
      : minNextBid({
          startingBid: item.startingBid as number,
          bidIncrement: item.bidIncrement as number | null,
          currentPrice: item.currentPrice as number | null,
          bidCount: (item.bidCount as number) ?? 0,
        });
  return view;
}

/** Sale item as the GraphQL Sale type. */
export function saleView(item: Record<string, unknown>): Record<string, unknown> {
  return {
    saleId: item.saleId,
    kind: item.kind,
    productId: item.productId,
    productTitle: item.productTitle,
    channelId: item.channelId,
    buyerId: item.buyerId,
    buyerHandle: item.buyerHandle,
    price: item.price,
    currency: item.currency,
    soldAt: item.soldAt,
    streamId: item.streamId ?? null,
    recordingId: item.recordingId ?? null,
    offsetMs: item.offsetMs ?? null,
  };
}

/** A data-source error not handled by the resolver (lib/errors.ts): typed VALIDATION when the input caused it. */
export { failOnError } from './errors';

/**
 * Sale + order items of one sale (buy-now or auction close), with the stream and recording
 * moment taken from the channel's profile at the time of sale.
 */
export function saleItems(
  tableName: string,
  p: {
    saleId: string;
    orderId: string;
    kind: string;
    product: Record<string, unknown>;
    buyerId: string;
    buyerHandle: string;
    price: number;
    soldAt: string;
    soldAtMs: number;
    profile: Record<string, unknown> | null;
    viewSessionId?: string | null;
  },
): { sale: Record<string, unknown>; items: Record<string, unknown>[] } {
  const profile = p.profile ?? {};
  const sale: Record<string, unknown> = {
    type: 'Sale',
    saleId: p.saleId,
    kind: p.kind,
    productId: p.product.productId,
    productTitle: p.product.title,
    channelId: p.product.channelId,
    buyerId: p.buyerId,
    buyerHandle: p.buyerHandle,
    price: p.price,
    currency: p.product.currency,
    soldAt: p.soldAt,
    orderId: p.orderId,
    GSI3PK: channelSalesPk(p.product.channelId as string),
    GSI3SK: p.soldAt,
  };
  // Purchase attribution: the buyer's viewing session (buyNow's argument, or the winning bid's).
  const viewSessionId = analyticsSessionId(p.viewSessionId) ?? analyticsSessionId(p.product.highBidViewSessionId);
  if (viewSessionId) sale.viewSessionId = viewSessionId;
  if (profile.status === 'LIVE' && profile.currentStreamId) {
    sale.streamId = profile.currentStreamId;
    sale.GSI1PK = streamSalesPk(profile.currentStreamId as string);
    sale.GSI1SK = p.soldAt;
  }
  if (profile.currentRecordingId && profile.recordingStartedAt) {
    const offset = p.soldAtMs - util.time.parseISO8601ToEpochMilliSeconds(profile.recordingStartedAt as string);
    const offsetMs = offset < 0 ? 0 : offset;
    sale.recordingId = profile.currentRecordingId;
    sale.offsetMs = offsetMs;
    sale.GSI2PK = recordingSalesPk(profile.currentRecordingId as string);
    sale.GSI2SK = recordingOffsetSk(offsetMs);
  }
  const order = {
    type: 'Order',
    orderId: p.orderId,
    saleId: p.saleId,
    productId: p.product.productId,
    productTitle: p.product.title,
    channelId: p.product.channelId,
    buyerId: p.buyerId,
    price: p.price,
    currency: p.product.currency,
    soldAt: p.soldAt,
    status: 'PENDING_PAYMENT',
  };
  return {
    sale,
    items: [
      {
        table: tableName,
        operation: 'PutItem',
        key: util.dynamodb.toMapValues(saleKey(p.saleId)),
        attributeValues: util.dynamodb.toMapValues(sale),
        condition: { expression: 'attribute_not_exists(PK)' },
      },
      {
        table: tableName,
        operation: 'PutItem',
        key: util.dynamodb.toMapValues(orderKey(p.buyerId, p.soldAt, p.orderId)),
        attributeValues: util.dynamodb.toMapValues(order),
        condition: { expression: 'attribute_not_exists(PK)' },
      },
    ],
  };
}
