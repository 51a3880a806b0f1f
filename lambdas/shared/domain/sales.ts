/**
 * Sale + Order items of one sale (pure). The APPSYNC_JS resolvers build the same items in
 * lib/api/resolvers/lib/commerce.ts (saleItems); the auction sweeper uses this one.
 */
import { analyticsSessionId } from './attribution';
import { channelSalesPk, orderKey, recordingOffsetSk, recordingSalesPk, saleKey, streamSalesPk } from './keys';

export interface SaleInput {
  readonly saleId: string;
  readonly orderId: string;
  readonly kind: 'AUCTION' | 'BUY_NOW';
  readonly product: { productId: string; title: string; channelId: string; currency: string };
  readonly buyerId: string;
  readonly buyerHandle: string;
  /** Minor units. */
  readonly price: number;
  readonly soldAtMs: number;
  /** The channel's profile at sale time (stream and recording moment). */
  readonly profile?: {
    status?: string;
    currentStreamId?: string;
    currentRecordingId?: string;
    recordingStartedAt?: string;
  } | null;
  /** The buyer's viewing session (the winning bid's `viewSessionId`), for purchase attribution. */
  readonly viewSessionId?: string | null;
}

/** Milliseconds into the recording, never negative. */
export function recordingOffsetMs(soldAtMs: number, recordingStartedAt: string): number {
  return Math.max(0, soldAtMs - Date.parse(recordingStartedAt));
}

/** The Sale item (keys and indexes per docs/data-model.md) and the buyer's Order item. */
export function buildSale(input: SaleInput): { sale: Record<string, unknown>; order: Record<string, unknown> } {
  const soldAt = new Date(input.soldAtMs).toISOString();
  const p = input.product;
  const sale: Record<string, unknown> = {
    ...saleKey(input.saleId),
    type: 'Sale',
    saleId: input.saleId,
    kind: input.kind,
    productId: p.productId,
    productTitle: p.title,
    channelId: p.channelId,
    buyerId: input.buyerId,
    buyerHandle: input.buyerHandle,
    price: input.price,
    currency: p.currency,
    soldAt,
    orderId: input.orderId,
    GSI3PK: channelSalesPk(p.channelId),
    GSI3SK: soldAt,
  };
  // Purchase attribution: the winning bid's viewing session (docs/analytics.md).
  const viewSessionId = analyticsSessionId(input.viewSessionId);
  if (viewSessionId) sale.viewSessionId = viewSessionId;
  const profile = input.profile ?? {};
  if (profile.status === 'LIVE' && profile.currentStreamId) {
    Object.assign(sale, {
      streamId: profile.currentStreamId,
      GSI1PK: streamSalesPk(profile.currentStreamId),
      GSI1SK: soldAt,
    });
  }
  if (profile.currentRecordingId && profile.recordingStartedAt) {
    const offsetMs = recordingOffsetMs(input.soldAtMs, profile.recordingStartedAt);
    Object.assign(sale, {
      recordingId: profile.currentRecordingId,
      offsetMs,
      GSI2PK: recordingSalesPk(profile.currentRecordingId),
      GSI2SK: recordingOffsetSk(offsetMs),
    });
  }
  const order = {
    ...orderKey(input.buyerId, soldAt, input.orderId),
    type: 'Order',
    orderId: input.orderId,
    saleId: input.saleId,
    productId: p.productId,
    productTitle: p.title,
    channelId: p.channelId,
    buyerId: input.buyerId,
    price: input.price,
    currency: p.currency,
    soldAt,
    status: 'PENDING_PAYMENT',
  };
  return { sale, order };
}
