/**
 * The API shapes the UI passes around, each derived from the generated GraphQL types
 * (lib/graphql/schema-types.ts, `npm run gen:types`): a field set of queries.ts, or the part of one
 * operation's answer that a component keeps. Change the documents or the schema, regenerate, and
 * these follow.
 */
import type {
  BattleFields,
  MutationResults,
  ProductFields,
  ProvisioningFields,
  CreatorDayFields,
  StreamReportFields,
  StreamReportSummaryFields,
  QueryResults,
  RecordingFields,
  SaleFields,
  ScheduledStreamFields,
  StreamerFields,
  SubscriptionResults,
} from './graphql/schema-types';

/** The element type of a (possibly absent) list. */
type ItemOf<T> = NonNullable<T> extends readonly (infer U)[] ? U : never;
/**
 * An answer's shape as a component keeps it: the fields that may be null may also be left out, as
 * in the field sets, so a component can build one itself (an optimistic row, a default).
 */
type Kept<T> = { [K in keyof T as null extends T[K] ? never : K]: T[K] } & {
  [K in keyof T as null extends T[K] ? K : never]?: T[K];
};

/** Mutation.provisionMe: where the caller's channel setup stands. */
export type Provisioning = ProvisioningFields;
export type ScheduledStream = ScheduledStreamFields;
/** A streamer as lists show one; the profile page and the Studio also read the schedule. */
export type Streamer = StreamerFields & { schedule?: ScheduledStream[] };
export type Recording = RecordingFields;
export type Sale = SaleFields;
/** A product; the products query also reads its sale once SOLD (subscription payloads leave it out). */
export type Product = ProductFields & { sale?: Sale | null };
export type BidPlaced = Kept<NonNullable<SubscriptionResults['bidPlaced']['onBidPlaced']>>;
export type Bid = Kept<ItemOf<NonNullable<QueryResults['bids']['product']>['bids']['items']>>;
export type StreamHealth = Kept<ItemOf<QueryResults['streamHealth']['streamHealth']>>;
export type Notification = Kept<ItemOf<QueryResults['notifications']['notifications']['items']>>;
export type ChatSettings = Kept<NonNullable<QueryResults['chatSettings']['chatSettings']>>;
/** The caller's email alert choice for one followed streamer. */
export type AlertPreference = Kept<ItemOf<QueryResults['alertPreferences']['alertPreferences']>>;
/** One of the caller's purchases. */
export type Order = Kept<ItemOf<QueryResults['purchases']['myPurchases']['items']>>;
/** A moderator, ban or timeout of a channel (bans and timeouts also read until and reason). */
export type ChannelMember = Kept<ItemOf<QueryResults['moderation']['bans']>>;
export type ModerationEntry = Kept<ItemOf<QueryResults['moderation']['moderationLog']['items']>>;
/** The owner's ingest server and stream key. */
export type StreamKey = Kept<NonNullable<QueryResults['myStreamKey']['myStreamKey']>>;
/** A replay page: the recording, whether it plays now, and its sale moments. */
export type Replay = Kept<NonNullable<QueryResults['replay']['replay']>>;
/** Analytics (schema block `# analytics`): one day of the creator's channel, a past stream in the list, a stream's report. */
export type CreatorDay = CreatorDayFields;
export type StreamReportSummary = StreamReportSummaryFields;
export type StreamReport = StreamReportFields;
/** A chat token and the caller's role in the room. */
export type ChatToken = Kept<NonNullable<MutationResults['createChatToken']['createChatToken']>>;
/** A stored chat message as Query.chatHistory answers it. */
export type ChatHistoryMessage = Kept<ItemOf<QueryResults['chatHistory']['chatHistory']>>;
/** A PK battle or battle invitation, both sides with their scores (schema block `# battles`). */
export type Battle = BattleFields;
/** A streamer the caller may invite to a battle. */
export type BattleCandidate = Kept<ItemOf<QueryResults['battleCandidates']['battleCandidates']>>;

/** Creator economy (schema blocks `# economy` and `# coins`). Coins are whole numbers; money is integer minor units. */
export interface Wallet {
  coins: number;
  debt: number;
}
export interface GiftDefinition {
  id: string;
  name: string;
  coins: number;
  animation: string;
}
export interface GiftEvent {
  id: string;
  channelId: string;
  streamId?: string | null;
  kind: 'GIFT' | 'TIP';
  giftId?: string | null;
  giftName?: string | null;
  animation?: string | null;
  count: number;
  coins: number;
  message?: string | null;
  senderId: string;
  senderHandle: string;
  sentAt: string;
  big: boolean;
}
export interface GiftReceipt {
  gift: GiftEvent;
  wallet: Wallet;
}
export interface TopGifter {
  userId: string;
  handle: string;
  coins: number;
}
export interface Earnings {
  userId: string;
  tier: 'STANDARD' | 'PREMIUM';
  sharePercent: number;
  availableAmount: number;
  reservedAmount: number;
  paidAmount: number;
  currency: string;
  minimumPayoutAmount: number;
  lifetimeCoins: number;
}
export interface LedgerEntry {
  entryId: string;
  kind:
    | 'PURCHASE'
    | 'REFUND'
    | 'GIFT_SENT'
    | 'TIP_SENT'
    | 'GIFT_RECEIVED'
    | 'TIP_RECEIVED'
    | 'PAYOUT_REQUESTED'
    | 'PAYOUT_REJECTED'
    | 'PAYOUT_PAID'
    | 'BATTLE_BONUS';
  coins: number;
  amount?: number | null;
  currency?: string | null;
  channelId?: string | null;
  giftId?: string | null;
  payoutId?: string | null;
  counterpartyHandle?: string | null;
  createdAt: string;
}
export interface PayoutChange {
  status: Payout['status'];
  at: string;
  byUserId: string;
  reason?: string | null;
}
export interface Payout {
  payoutId: string;
  userId: string;
  handle: string;
  amount: number;
  currency: string;
  status: 'REQUESTED' | 'PAID' | 'REJECTED';
  requestedAt: string;
  decidedAt?: string | null;
  reason?: string | null;
  history: PayoutChange[];
}
export interface Page<T> {
  items: T[];
  nextToken?: string | null;
}

/** Trust and safety (schema blocks `# safety`). */
export type ReportTarget = Kept<ItemOf<QueryResults['reportQueue']['reportQueue']['items']>>;
export type ReportEntry = Kept<ItemOf<QueryResults['reportsOf']['reportsOf']['items']>>;
export type Suspension = Kept<ItemOf<QueryResults['suspensions']['suspensions']['items']>>;
export type AdminAction = Kept<ItemOf<QueryResults['adminLog']['adminLog']['items']>>;
/** Query.playbackAccess: whether this viewer may watch now, with a tokenized playback URL when they may. */
export type PlaybackAccess = Kept<NonNullable<QueryResults['playbackAccess']['playbackAccess']>>;
/** The owner's audience settings (Studio). */
export type AudienceSettings = Kept<NonNullable<QueryResults['myAudience']['myAudience']>>;
