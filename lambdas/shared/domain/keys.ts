/**
 * Every DynamoDB key of the main table, one builder per item kind and per index key, named after
 * the tables in docs/data-model.md. Lambdas and AppSync resolvers both import this module, so it
 * stays within the APPSYNC_JS subset (plain functions and template strings: no classes, regex or
 * Date) and imports nothing; it also keeps module init cheap for the chat review handler.
 */

/** Partition of everything owned by one user: profile, account, orders, follows, notifications. */
export const userPartition = (userId: string) => `USER#${userId}`;
/** The user id of a `USER#<userId>` partition key (the inverse of {@link userPartition}). */
export const userIdOfPartition = (pk: string) => pk.slice(userPartition('').length);
/** Partition of a channel's chat settings, moderators, bans, members and moderation log. */
export const channelPartition = (channelId: string) => `CHANNEL#${channelId}`;
/** Partition of a stream session and its markers (alert sent, email progress, health, milestones). */
export const streamPartition = (streamId: string) => `STREAM#${streamId}`;
/** Partition of a product and its bids. */
export const productPartition = (productId: string) => `PRODUCT#${productId}`;
/** Partition of a recording and its restore requests. */
export const recordingPartition = (recordingId: string) => `RECORDING#${recordingId}`;
/** Partition of a channel's chat history. */
export const chatLogPartition = (channelId: string) => `CHATLOG#${channelId}`;

/** Sort-key prefixes for `begins_with` queries inside one partition. */
export const SK_PREFIX = {
  order: 'ORDER#',
  follows: 'FOLLOWS#',
  notification: 'NOTIF#',
  alertPref: 'ALERTPREF#',
  moderator: 'MOD#',
  ban: 'BAN#',
  member: 'MEMBER#',
  modLog: 'MODLOG#',
  health: 'HEALTH#',
  restore: 'RESTORE#',
  bid: 'BID#',
  ledger: 'LEDGER#',
  earnings: 'EARNINGS',
  giftRevenue: 'GIFTREV#',
  gifter: 'GIFTER#',
  platformRevenueShard: 'SHARD#',
  battleScore: 'SCORE#',
  battleHistory: 'BATTLEHIST#',
} as const;

/** Whether a read item is the one stored under `key` (for picking items out of a BatchGetItem answer). */
export const isItemAt = (item: Record<string, unknown>, key: { PK: string; SK: string }) =>
  item.PK === key.PK && item.SK === key.SK;

// Items keyed under USER#<userId>.

/** Profile (user + channel): `USER#<userId>` / `PROFILE`. */
export const profileKey = (userId: string) => ({ PK: userPartition(userId), SK: 'PROFILE' }) as const;
/** Account (the owned handle): `USER#<userId>` / `ACCOUNT`. */
export const accountKey = (userId: string) => ({ PK: userPartition(userId), SK: 'ACCOUNT' }) as const;
/** Provisioning state: `USER#<userId>` / `PROVISIONING`. */
export const provisioningKey = (userId: string) => ({ PK: userPartition(userId), SK: 'PROVISIONING' }) as const;
/** Stream key (owner-only): `USER#<userId>` / `STREAMKEY`. */
export const streamKeyItemKey = (userId: string) => ({ PK: userPartition(userId), SK: 'STREAMKEY' }) as const;
/** Order (buyer side of a sale): `USER#<buyerId>` / `ORDER#<soldAt>#<orderId>`. */
export const orderKey = (buyerId: string, soldAt: string, orderId: string) =>
  ({ PK: userPartition(buyerId), SK: `${SK_PREFIX.order}${soldAt}#${orderId}` }) as const;
/** Follow: `USER#<followerId>` / `FOLLOWS#<streamerId>`. */
export const followKey = (followerId: string, streamerId: string) =>
  ({ PK: userPartition(followerId), SK: `${SK_PREFIX.follows}${streamerId}` }) as const;
/** Notification: `USER#<userId>` / `NOTIF#<createdAt>#<notificationId>`. */
export const notificationKey = (userId: string, createdAt: string, notificationId: string) =>
  ({ PK: userPartition(userId), SK: `${SK_PREFIX.notification}${createdAt}#${notificationId}` }) as const;
/** Email alert preference: `USER#<userId>` / `ALERTPREF#<streamerId>`. */
export const alertPreferenceKey = (userId: string, streamerId: string) =>
  ({ PK: userPartition(userId), SK: `${SK_PREFIX.alertPref}${streamerId}` }) as const;

// Items with a partition of their own.

/** Handle claim: `HANDLE#<handle lowercased>` / `HANDLE`. */
export const handleKey = (handle: string) => ({ PK: `HANDLE#${handle.toLowerCase()}`, SK: 'HANDLE' }) as const;
/** Stream session: `STREAM#<streamId>` / `STREAM`. */
export const streamSessionKey = (streamId: string) => ({ PK: streamPartition(streamId), SK: 'STREAM' }) as const;
/** Go-live alert marker (once per stream): `STREAM#<streamId>` / `ALERTED`. */
export const alertedKey = (streamId: string) => ({ PK: streamPartition(streamId), SK: 'ALERTED' }) as const;
/** Go-live email progress: `STREAM#<streamId>` / `ALERTED#EMAIL`. */
export const emailProgressKey = (streamId: string) => ({ PK: streamPartition(streamId), SK: 'ALERTED#EMAIL' }) as const;
/** Stream health sample: `STREAM#<streamId>` / `HEALTH#<at>`. */
export const healthSampleKey = (streamId: string, at: string) =>
  ({ PK: streamPartition(streamId), SK: `${SK_PREFIX.health}${at}` }) as const;
/** Viewer milestone marker (once per milestone per stream): `STREAM#<streamId>` / `MILESTONE#<milestone, 15 digits>`. */
export const viewerMilestoneKey = (streamId: string, milestone: number) =>
  ({ PK: streamPartition(streamId), SK: `MILESTONE#${`000000000000000${milestone}`.slice(-15)}` }) as const;
/**
 * Like marker (a counted `clientLikeId`, TTL `expiresAt` 1 day): `LIKE#<channelId>#<userId>#<clientLikeId>` / `LIKE`.
 * Its own partition per like, so the markers spread over the table instead of joining the hot profile's.
 */
export const likeMarkerKey = (channelId: string, userId: string, clientLikeId: string) =>
  ({ PK: `LIKE#${channelId}#${userId}#${clientLikeId}`, SK: 'LIKE' }) as const;
/** Scheduled stream: `SCHEDULE#<scheduleId>` / `SCHEDULE`. */
export const scheduleKey = (scheduleId: string) => ({ PK: `SCHEDULE#${scheduleId}`, SK: 'SCHEDULE' }) as const;
/** Product: `PRODUCT#<productId>` / `PRODUCT`. */
export const productKey = (productId: string) => ({ PK: productPartition(productId), SK: 'PRODUCT' }) as const;
/** Bid: `PRODUCT#<productId>` / `BID#<bidId>`. */
export const bidKey = (productId: string, bidId: string) =>
  ({ PK: productPartition(productId), SK: `${SK_PREFIX.bid}${bidId}` }) as const;
/** Sale: `SALE#<saleId>` / `SALE`. */
export const saleKey = (saleId: string) => ({ PK: `SALE#${saleId}`, SK: 'SALE' }) as const;
/** Recording: `RECORDING#<recordingId>` / `RECORDING`. */
export const recordingKey = (recordingId: string) =>
  ({ PK: recordingPartition(recordingId), SK: 'RECORDING' }) as const;
/** Restore request: `RECORDING#<recordingId>` / `RESTORE#<userId>`. */
export const restoreRequestKey = (recordingId: string, userId: string) =>
  ({ PK: recordingPartition(recordingId), SK: `${SK_PREFIX.restore}${userId}` }) as const;
/** Recording prefix lookup: `S3PREFIX#<prefix>` / `RECORDING` (the caller normalises the prefix). */
export const recordingPrefixKey = (prefix: string) => ({ PK: `S3PREFIX#${prefix}`, SK: 'RECORDING' }) as const;
/** Chat history message: `CHATLOG#<channelId>` / `<sendTime>#<messageId>`, sendTime sortable to the nanosecond (chat-history/log-record). */
export const chatHistoryKey = (channelId: string, sendTime: string, messageId: string) =>
  ({ PK: chatLogPartition(channelId), SK: `${sendTime}#${messageId}` }) as const;
/** Coin checkout (one Stripe Checkout Session): `CHECKOUT#<sessionId>` / `CHECKOUT`. */
export const checkoutKey = (sessionId: string) => ({ PK: `CHECKOUT#${sessionId}`, SK: 'CHECKOUT' }) as const;
/** Stripe payment of a coin checkout, which refunds and disputes name: `PAYMENT#<paymentIntentId>` / `PAYMENT`. */
export const coinPaymentKey = (paymentIntentId: string) =>
  ({ PK: `PAYMENT#${paymentIntentId}`, SK: 'PAYMENT' }) as const;

// Items keyed under CHANNEL#<channelId>.

/** Chat settings: `CHANNEL#<channelId>` / `CHAT`. */
export const chatSettingsKey = (channelId: string) => ({ PK: channelPartition(channelId), SK: 'CHAT' }) as const;
/** Ban: `CHANNEL#<channelId>` / `BAN#<userId>`. */
export const banKey = (channelId: string, userId: string) =>
  ({ PK: channelPartition(channelId), SK: `${SK_PREFIX.ban}${userId}` }) as const;
/** Moderator: `CHANNEL#<channelId>` / `MOD#<userId>`. */
export const moderatorKey = (channelId: string, userId: string) =>
  ({ PK: channelPartition(channelId), SK: `${SK_PREFIX.moderator}${userId}` }) as const;
/** Chat member state: `CHANNEL#<channelId>` / `MEMBER#<userId>`. */
export const memberKey = (channelId: string, userId: string) =>
  ({ PK: channelPartition(channelId), SK: `${SK_PREFIX.member}${userId}` }) as const;
/** Moderation log entry: `CHANNEL#<channelId>` / `MODLOG#<at>#<entryId>`. */
export const modLogKey = (channelId: string, at: string, entryId: string) =>
  ({ PK: channelPartition(channelId), SK: `${SK_PREFIX.modLog}${at}#${entryId}` }) as const;

// Index partition keys (GSI1PK / GSI2PK / GSI3PK values), each named after what it lists.

/** GSI1 `LIVE`: profiles while live. */
export const LIVE_PK = 'LIVE';
/** GSI1 `SCHEDULED`: upcoming scheduled streams. */
export const SCHEDULED_PK = 'SCHEDULED';
/** GSI2 `AUCTIONS_OPEN`: open auctions, for the close sweep. */
export const AUCTIONS_OPEN_PK = 'AUCTIONS_OPEN';
/** GSI2 `RECORDINGS`: recent replays of all channels. */
export const RECORDINGS_PK = 'RECORDINGS';
/** GSI1 `USER#<userId>#STREAMS`: stream sessions of a streamer. */
export const userStreamsPk = (userId: string) => `${userPartition(userId)}#STREAMS`;
/** GSI1 `USER#<userId>#RECORDINGS`: recordings of a streamer. */
export const userRecordingsPk = (userId: string) => `${userPartition(userId)}#RECORDINGS`;
/** GSI1 `USER#<bidderId>#BIDS`: a bidder's bids. */
export const userBidsPk = (bidderId: string) => `${userPartition(bidderId)}#BIDS`;
/** GSI1 `USER#<streamerId>#FOLLOWERS`: followers of a streamer. */
export const userFollowersPk = (streamerId: string) => `${userPartition(streamerId)}#FOLLOWERS`;
/** GSI1 `USER#<userId>#MODERATES`: channels a user moderates. */
export const userModeratesPk = (userId: string) => `${userPartition(userId)}#MODERATES`;
/** GSI1 `USER#<channelId>#HEALTH`: health samples of a channel. */
export const userHealthPk = (channelId: string) => `${userPartition(channelId)}#HEALTH`;
/** GSI2 `USER#<userId>#SCHEDULE`: a streamer's scheduled streams. */
export const userSchedulePk = (userId: string) => `${userPartition(userId)}#SCHEDULE`;
/** GSI2 `USER#<streamerId>#EMAIL_ALERTS`: followers opted in to a streamer's email alerts. */
export const userEmailAlertsPk = (streamerId: string) => `${userPartition(streamerId)}#EMAIL_ALERTS`;
/** GSI2 `CHANNEL_ARN#<channelArn>` (SK `PROFILE`): the profile of an IVS channel. */
export const channelArnPk = (channelArn: string) => `CHANNEL_ARN#${channelArn}`;
/** GSI3 `CATEGORY#<category>`: live profiles of a category. */
export const categoryPk = (category: string) => `CATEGORY#${category}`;
/** GSI1 `CHANNEL#<channelId>#PRODUCTS`: products of a channel. */
export const channelProductsPk = (channelId: string) => `${channelPartition(channelId)}#PRODUCTS`;
/** GSI3 `CHANNEL#<channelId>#SALES`: sales of a channel. */
export const channelSalesPk = (channelId: string) => `${channelPartition(channelId)}#SALES`;
/** GSI2 `PRODUCT#<productId>#BIDS`: bid history of a product. */
export const productBidsPk = (productId: string) => `${productPartition(productId)}#BIDS`;
/** GSI1 `STREAM#<streamId>#SALES`: sales of a stream session. */
export const streamSalesPk = (streamId: string) => `${streamPartition(streamId)}#SALES`;
/** GSI3 `STREAM#<streamId>#RECORDING`: the recording of a stream session. */
export const streamRecordingPk = (streamId: string) => `${streamPartition(streamId)}#RECORDING`;
/** GSI2 `RECORDING#<recordingId>#SALES`: sales of a recording in offset order. */
export const recordingSalesPk = (recordingId: string) => `${recordingPartition(recordingId)}#SALES`;
/** GSI1 `ROOM#<chatRoomArn>` (SK `CHAT`): chat settings of a room. */
export const roomPk = (chatRoomArn: string) => `ROOM#${chatRoomArn}`;
/** GSI1 `USER#<userId>#COIN_PURCHASES`: a user's coin checkouts. */
export const userCoinPurchasesPk = (userId: string) => `${userPartition(userId)}#COIN_PURCHASES`;

// Index keys as attribute pairs, for items that carry them.

/** GSI2 key of a profile: `CHANNEL_ARN#<channelArn>` / `PROFILE`. */
export const channelArnIndexKey = (channelArn: string) =>
  ({ GSI2PK: channelArnPk(channelArn), GSI2SK: 'PROFILE' }) as const;
/** GSI1 key of a follow: `USER#<streamerId>#FOLLOWERS` / `<followedAt>`. */
export const followersIndexKey = (streamerId: string, followedAt: string) =>
  ({ GSI1PK: userFollowersPk(streamerId), GSI1SK: followedAt }) as const;
/** GSI1 key of chat settings: `ROOM#<chatRoomArn>` / `CHAT`. */
export const roomIndexKey = (chatRoomArn: string) => ({ GSI1PK: roomPk(chatRoomArn), GSI1SK: 'CHAT' }) as const;
/** GSI1 key of a coin checkout: `USER#<userId>#COIN_PURCHASES` / `<createdAt>#<sessionId>` (newest first when read backwards). */
export const coinPurchaseIndexKey = (userId: string, createdAt: string, sessionId: string) =>
  ({ GSI1PK: userCoinPurchasesPk(userId), GSI1SK: `${createdAt}#${sessionId}` }) as const;
/** GSI2 sort key of a bid: `<placedAt>#<bidId>` (unique among equal timestamps). */
export const bidHistorySk = (placedAt: string, bidId: string) => `${placedAt}#${bidId}`;
/**
 * GSI2 sort key of a sale on a recording: the offset in ms, zero-padded to 12 digits (31 years), so
 * text order is time order. Padding by slice, as the APPSYNC_JS resolvers have always built it.
 */
export const recordingOffsetSk = (offsetMs: number) => `000000000000${offsetMs}`.slice(-12);

// Creator economy (issue 15, docs/economy.md). Shard numbers are two digits (economy.ts shardSuffix).

/** Wallet: `USER#<userId>` / `WALLET` (coins, debt, version). */
export const walletKey = (userId: string) => ({ PK: userPartition(userId), SK: 'WALLET' }) as const;
/** Ledger entry, one per movement on an account: `USER#<userId>` / `LEDGER#<createdAt>#<txId>`. */
export const ledgerKey = (userId: string, createdAt: string, txId: string) =>
  ({ PK: userPartition(userId), SK: `${SK_PREFIX.ledger}${createdAt}#${txId}` }) as const;
/** A gift or tip request's first answer (idempotency on the client's id): `USER#<senderId>` / `GIFTREQ#<clientGiftId>`. */
export const giftRequestKey = (senderId: string, clientGiftId: string) =>
  ({ PK: userPartition(senderId), SK: `GIFTREQ#${clientGiftId}` }) as const;
/** Earnings account (tier, reserved, paid, version): `USER#<userId>` / `EARNINGS`; its shards sort right after it. */
export const earningsKey = (userId: string) => ({ PK: userPartition(userId), SK: SK_PREFIX.earnings }) as const;
/** Earnings shard (earnedMinor, coins): `USER#<userId>` / `EARNINGS#<shard>`. */
export const earningsShardKey = (userId: string, shard: string) =>
  ({ PK: userPartition(userId), SK: `${SK_PREFIX.earnings}#${shard}` }) as const;
/** A payout request's answer (idempotency on the client's id): `USER#<userId>` / `PAYOUTREQ#<clientRequestId>`. */
export const payoutRequestKey = (userId: string, clientRequestId: string) =>
  ({ PK: userPartition(userId), SK: `PAYOUTREQ#${clientRequestId}` }) as const;
/** Stream gift revenue shard (coins, gifts): `STREAM#<streamId>` / `GIFTREV#<shard>`. */
export const streamGiftRevenueShardKey = (streamId: string, shard: string) =>
  ({ PK: streamPartition(streamId), SK: `${SK_PREFIX.giftRevenue}${shard}` }) as const;
/** One gifter's tally on a stream (top gifters): `STREAM#<streamId>` / `GIFTER#<userId>`. */
export const topGifterKey = (streamId: string, userId: string) =>
  ({ PK: streamPartition(streamId), SK: `${SK_PREFIX.gifter}${userId}` }) as const;
/** Partition of the platform's revenue shards. */
export const PLATFORM_REVENUE_PK = 'PLATFORM#REVENUE';
/** Platform revenue shard (revenueMinor, coins): `PLATFORM#REVENUE` / `SHARD#<shard>`. */
export const platformRevenueShardKey = (shard: string) =>
  ({ PK: PLATFORM_REVENUE_PK, SK: `${SK_PREFIX.platformRevenueShard}${shard}` }) as const;
/** Partition of a payout (its state changes are the item's `history` list). */
export const payoutPartition = (payoutId: string) => `PAYOUT#${payoutId}`;
/** Payout: `PAYOUT#<payoutId>` / `PAYOUT`. */
export const payoutKey = (payoutId: string) => ({ PK: payoutPartition(payoutId), SK: 'PAYOUT' }) as const;
/** Admin action audit entry: `ADMINLOG` / `<at>#<entryId>`. */
export const adminLogKey = (at: string, entryId: string) => ({ PK: 'ADMINLOG', SK: `${at}#${entryId}` }) as const;
/** GSI1 `USER#<userId>#PAYOUTS` / `<requestedAt>`: a broadcaster's payouts. */
export const userPayoutsPk = (userId: string) => `${userPartition(userId)}#PAYOUTS`;
/** GSI2 `PAYOUTS_REQUESTED` / `<requestedAt>`: payouts awaiting an admin's decision (sparse: removed when decided). */
export const PAYOUTS_REQUESTED_PK = 'PAYOUTS_REQUESTED';

// Trust and safety (issue 18, docs/safety.md).

/** Partition of one report target: its summary and its reports. */
export const reportsPartition = (targetId: string) => `REPORTS#${targetId}`;
/** Report target summary (counts, snapshot, queue status): `REPORTS#<targetId>` / `SUMMARY`. */
export const reportSummaryKey = (targetId: string) => ({ PK: reportsPartition(targetId), SK: 'SUMMARY' }) as const;
/** One report, one per reporter and target per UTC day: `REPORTS#<targetId>` / `R#<day>#<reporterId>`. */
export const reportKey = (targetId: string, day: string, reporterId: string) =>
  ({ PK: reportsPartition(targetId), SK: `R#${day}#${reporterId}` }) as const;
/** Sort-key prefix of the reports of a target. */
export const REPORT_SK_PREFIX = 'R#';
/** GSI2 `REPORTS_OPEN` / `<lastReportedAt>#<targetId>`: targets awaiting an admin (sparse: removed when decided). */
export const REPORTS_OPEN_PK = 'REPORTS_OPEN';
/** A user's suspension (reason, until, who): `USER#<userId>` / `SUSPENSION`. */
export const suspensionKey = (userId: string) => ({ PK: userPartition(userId), SK: 'SUSPENSION' }) as const;
/** GSI1 `SUSPENDED` / `<suspendedAt>#<userId>`: suspensions in force (sparse: deleted when lifted). */
export const SUSPENDED_PK = 'SUSPENDED';
/** Partition of the admin action audit log (adminLogKey). */
export const ADMIN_LOG_PK = 'ADMINLOG';
// PK battles (issue 16, docs/battles.md).

/** Partition of a battle and its score counters. */
export const battlePartition = (battleId: string) => `BATTLE#${battleId}`;
/** Battle (status, sides, times, result): `BATTLE#<battleId>` / `BATTLE`. */
export const battleKey = (battleId: string) => ({ PK: battlePartition(battleId), SK: 'BATTLE' }) as const;
/**
 * One score counter of a side (coins, gifts, endsAtMs, closedAt): `BATTLE#<battleId>` / `SCORE#<channelId>#<shard>`.
 * A gift adds to one counter of its side picked at random; readers sum them with one Query.
 */
export const battleScoreKey = (battleId: string, channelId: string, shard: string) =>
  ({ PK: battlePartition(battleId), SK: `${SK_PREFIX.battleScore}${channelId}#${shard}` }) as const;
/**
 * A streamer's battle lock (battleId, state, busyUntilMs): `USER#<userId>` / `BATTLELOCK`. Every
 * invitation and start writes both streamers' locks on the condition that they are free, so a
 * streamer is in at most one battle or pending invitation.
 */
export const battleLockKey = (userId: string) => ({ PK: userPartition(userId), SK: 'BATTLELOCK' }) as const;
/** An ENDED battle in a streamer's history: `USER#<userId>` / `BATTLEHIST#<endedAt>#<battleId>` (newest first when read backwards). */
export const battleHistoryKey = (userId: string, endedAt: string, battleId: string) =>
  ({ PK: userPartition(userId), SK: `${SK_PREFIX.battleHistory}${endedAt}#${battleId}` }) as const;
