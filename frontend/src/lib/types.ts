/** Client-side shapes of the API types the UI reads (subset of lib/api/schema.graphql). */
/** Mutation.provisionMe: where the caller's channel setup stands. */
export interface Provisioning {
  status: 'PROVISIONING' | 'READY' | 'FAILED';
  handle: string | null;
  step: string | null;
  error: string | null;
  streamer: Streamer | null;
}

export interface Streamer {
  userId: string; handle: string; displayName?: string | null; status: 'OFFLINE' | 'LIVE';
  title?: string | null; category?: string | null; tags: string[]; language?: string | null;
  goingLiveMessage?: string | null; thumbnailUrl?: string | null; liveThumbnailUrl?: string | null; playbackUrl?: string | null;
  liveSince?: string | null; currentStreamId?: string | null; viewerCount?: number | null;
  peakViewers?: number | null; likes?: number | null; followerCount: number; featuredProductId?: string | null;
  isFollowing?: boolean | null; schedule?: ScheduledStream[];
}
export interface ScheduledStream { scheduleId: string; userId: string; handle: string; title: string; category?: string | null; startsAt: string; cancelled: boolean }
export interface Recording { recordingId: string; userId: string; handle?: string | null; streamId?: string | null; state: string; startedAt: string; endedAt?: string | null; durationMs?: number | null; thumbnailUrl?: string | null; saleCount: number; title?: string | null }
export interface Product {
  productId: string; channelId: string; title: string; description?: string | null; imageUrl?: string | null;
  type: 'GENERIC' | 'APPAREL' | 'COLLECTIBLE'; params?: string | null; saleMode: 'AUCTION' | 'BUY_NOW' | 'AUCTION_WITH_BUY_NOW';
  currency: string; startingBid?: number | null; bidIncrement?: number | null; buyNowPrice?: number | null;
  currentPrice?: number | null; minNextBid?: number | null; bidCount: number; highBidderId?: string | null;
  highBidderHandle?: string | null; status: 'DRAFT' | 'AUCTION_OPEN' | 'SOLD' | 'UNSOLD'; durationSeconds?: number | null;
  softCloseSeconds?: number | null; endsAt?: string | null; featured: boolean; saleId?: string | null; createdAt: string; updatedAt: string;
  /** Products query only: the sale once SOLD (subscription payloads leave it out). */
  sale?: Sale | null;
}
export interface BidPlaced { channelId: string; productId: string; bidId: string; bidderId: string; bidderHandle: string; amount: number; currency: string; currentPrice: number; minNextBid: number; bidCount: number; endsAt?: string | null; placedAt: string; previousHighBidderId?: string | null }
export interface Bid { bidId: string; bidderHandle: string; amount: number; currency: string; placedAt: string }
export interface Sale { saleId: string; kind: 'AUCTION' | 'BUY_NOW'; productId: string; productTitle: string; channelId: string; buyerId: string; buyerHandle: string; price: number; currency: string; soldAt: string; streamId?: string | null; recordingId?: string | null; offsetMs?: number | null }
export interface StreamHealth { channelId: string; streamId: string; at: string; viewerCount?: number | null; peakViewers?: number | null; bitrate?: number | null; frameRate?: number | null; events?: string[] | null }
export interface Notification { notificationId: string; userId: string; kind: string; title: string; body?: string | null; link?: string | null; createdAt: string; read: boolean }
export interface ChatSettings { channelId: string; slowModeSeconds: number; blockedWords: string[]; blockedWordsAction: 'MASK' | 'DENY'; maxMessageLength: number; pinnedMessage?: string | null; autoSlowModeViewerThreshold?: number | null; autoSlowModeSeconds?: number | null }

/** Creator economy (schema blocks `# economy` and `# coins`). Coins are whole numbers; money is integer minor units. */
export interface Wallet { coins: number; debt: number }
export interface GiftDefinition { id: string; name: string; coins: number; animation: string }
export interface GiftEvent {
  id: string; channelId: string; streamId?: string | null; kind: 'GIFT' | 'TIP'; giftId?: string | null; giftName?: string | null;
  animation?: string | null; count: number; coins: number; message?: string | null; senderId: string; senderHandle: string; sentAt: string; big: boolean;
}
export interface GiftReceipt { gift: GiftEvent; wallet: Wallet }
export interface TopGifter { userId: string; handle: string; coins: number }
export interface Earnings {
  userId: string; tier: 'STANDARD' | 'PREMIUM'; sharePercent: number; availableAmount: number; reservedAmount: number; paidAmount: number;
  currency: string; minimumPayoutAmount: number; lifetimeCoins: number;
}
export interface LedgerEntry {
  entryId: string;
  kind: 'PURCHASE' | 'REFUND' | 'GIFT_SENT' | 'TIP_SENT' | 'GIFT_RECEIVED' | 'TIP_RECEIVED' | 'PAYOUT_REQUESTED' | 'PAYOUT_REJECTED' | 'PAYOUT_PAID';
  coins: number; amount?: number | null; currency?: string | null; channelId?: string | null; giftId?: string | null; payoutId?: string | null;
  counterpartyHandle?: string | null; createdAt: string;
}
export interface PayoutChange { status: Payout['status']; at: string; byUserId: string; reason?: string | null }
export interface Payout {
  payoutId: string; userId: string; handle: string; amount: number; currency: string; status: 'REQUESTED' | 'PAID' | 'REJECTED';
  requestedAt: string; decidedAt?: string | null; reason?: string | null; history: PayoutChange[];
}
export interface Page<T> { items: T[]; nextToken?: string | null }
