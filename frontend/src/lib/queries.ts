// GraphQL documents used by the islands, matching lib/api/schema.graphql. Their result and variables
// types are generated (`npm run gen:types`) into lib/graphql/schema-types.ts.
import type {
  MutationResults,
  MutationVariables,
  QueryResults,
  QueryVariables,
  SubscriptionResults,
  SubscriptionVariables,
} from './graphql/schema-types';
import { typedDocuments } from './graphql/document';

const STREAMER = `userId handle displayName status title category tags language goingLiveMessage thumbnailUrl liveThumbnailUrl playbackUrl liveSince currentStreamId viewerCount peakViewers likes followerCount featuredProductId isFollowing audience ageRestricted inPreview battleId`;
const PRODUCT = `productId channelId title description imageUrl type params saleMode currency startingBid bidIncrement buyNowPrice currentPrice minNextBid bidCount highBidderId highBidderHandle status durationSeconds softCloseSeconds endsAt featured saleId createdAt updatedAt`;
const SALE = `saleId kind productId productTitle channelId buyerId buyerHandle price currency soldAt streamId recordingId offsetMs`;
const RECORDING = `recordingId userId handle streamId state startedAt endedAt durationMs thumbnailUrl saleCount title`;
const PLAYBACK_ACCESS = `status audience ageRestricted inPreview playbackUrl expiresAt recordingQuery`;
const SCHEDULED = `scheduleId userId handle title category startsAt cancelled`;

const WALLET = `coins debt`;
const GIFT_EVENT = `id channelId streamId kind giftId giftName animation count coins message senderId senderHandle sentAt big`;
const EARNINGS = `userId tier sharePercent availableAmount reservedAmount paidAmount currency minimumPayoutAmount lifetimeCoins`;

const LEDGER = `entryId kind coins amount currency channelId giftId payoutId counterpartyHandle createdAt`;
const PAYOUT = `payoutId userId handle amount currency status requestedAt decidedAt reason history { status at byUserId reason }`;

// analytics
const CREATOR_DAY = `date views watchHours salesRevenueMinor giftCoins followers`;
const STREAM_SUMMARY = `streamId title startedAt endedAt views peakConcurrent salesRevenueMinor`;
const STREAM_REPORT = `streamId channelId title startedAt endedAt live views uniqueViewers peakConcurrent averageWatchSeconds watchHours likes shares chatMessages followerGain salesRevenueMinor giftCoins currency concurrency { at viewers } retention { minute share } products { productId title impressions clicks ctr purchases conversion revenueMinor } topGifters { userId handle coins } snapshots { at concurrent views likes revenueMinor } generatedAt final`;

const PROVISIONING = `status handle step error streamer { ${STREAMER} }`;

const REPORT_TARGET = `targetId kind channelId streamId messageId targetUserId targetHandle messageContent thumbnailUrl reportCount lastReason firstReportedAt lastReportedAt status decidedBy decisionReason`;
const SUSPENSION = `userId handle reason source banned since until byUserId liftedAt`;
const BATTLE_SIDE = `channelId handle displayName avatarUrl playbackUrl score reconnectBy`;
const BATTLE = `battleId status inviter { ${BATTLE_SIDE} } invitee { ${BATTLE_SIDE} } durationSeconds invitedAt expiresAt startsAt endsAt endedAt updatedAt result { outcome winnerChannelId forfeitChannelId bonusCoins }`;

export const Q = typedDocuments<QueryResults, QueryVariables>()({
  myProvisioning: `query MyProvisioning { myProvisioning { ${PROVISIONING} } }`,
  browse: `query Browse($category: String, $tag: String) {
    liveStreams(category: $category, tag: $tag, limit: 48) { items { ${STREAMER} } }
    upcomingStreams(limit: 12) { items { ${SCHEDULED} } }
    recentReplays(limit: 12) { items { ${RECORDING} } }
  }`,
  recentReplays: `query Replays { recentReplays(limit: 12) { items { ${RECORDING} } } }`,
  liveStreams: `query Live($category: String, $tag: String) { liveStreams(category: $category, tag: $tag, limit: 48) { items { ${STREAMER} } } }`,
  viewerCount: `query Viewers($handle: String!) { streamer(handle: $handle) { status viewerCount } }`,
  streamer: `query Streamer($handle: String!) { streamer(handle: $handle) { ${STREAMER} schedule { ${SCHEDULED} } } }`,
  recordings: `query Recordings($userId: ID!) { recordings(userId: $userId, limit: 12) { items { ${RECORDING} } } }`,
  me: `query Me { me { ${STREAMER} schedule { ${SCHEDULED} } } }`,
  myStreamKey: `query Key { myStreamKey { ingestServer streamKey url createdAt } }`,
  products: `query Products($channelId: ID!) { products(channelId: $channelId) { ${PRODUCT} sale { ${SALE} } } }`,
  bids: `query Bids($productId: ID!) { product(productId: $productId) { productId bids(limit: 20) { items { bidId bidderHandle amount currency placedAt } } } }`,
  chatSettings: `query ChatSettings($channelId: ID!) { chatSettings(channelId: $channelId) { channelId slowModeSeconds autoSlowModeViewerThreshold autoSlowModeSeconds blockedWords blockedWordsAction maxMessageLength pinnedMessage } }`,
  moderation: `query Moderation($channelId: ID!) {
    moderators(channelId: $channelId) { userId handle since }
    bans(channelId: $channelId) { userId handle since until reason }
    timeouts(channelId: $channelId) { userId handle since until reason }
    moderationLog(channelId: $channelId, limit: 50) { items { entryId action actorHandle targetHandle targetUserId messageId durationSeconds reason at } }
  }`,
  chatHistory: `query ChatHistory($channelId: ID!) { chatHistory(channelId: $channelId) { messageId userId handle role content sentAt deletedReason } }`,
  streamHealth: `query Health($channelId: ID!) { streamHealth(channelId: $channelId, limit: 60) { channelId streamId at viewerCount peakViewers bitrate frameRate events } }`,
  replay: `query Replay($id: ID!) { replay(recordingId: $id) { recording { ${RECORDING} } status playbackUrl readyInSeconds message sales { ${SALE} } ageRestricted } }`,
  notifications: `query Notifications { notifications(limit: 50) { items { notificationId userId kind title body link createdAt read } } }`,
  alertPreferences: `query Prefs { alertPreferences { streamerId handle email emailStatus } following(limit: 100) { items { userId handle since } } }`,
  purchases: `query Purchases { myPurchases(limit: 20) { items { orderId saleId productTitle price currency soldAt } } }`,
  myWallet: `query Wallet { myWallet { ${WALLET} } }`,
  giftCatalog: `query Gifts { giftCatalog { id name coins animation } }`,
  giftPanel: `query GiftPanel { giftCatalog { id name coins animation } myWallet { ${WALLET} } }`,
  topGifters: `query Top($channelId: ID!) { topGifters(channelId: $channelId) { userId handle coins } }`,
  myEarnings: `query Earnings { myEarnings { ${EARNINGS} } }`,
  myLedger: `query Ledger($limit: Int, $nextToken: String) { myLedger(limit: $limit, nextToken: $nextToken) { items { ${LEDGER} } nextToken } }`,
  studioEarnings: `query StudioEarnings { myEarnings { ${EARNINGS} } myPayouts { items { ${PAYOUT} } nextToken } myLedger(limit: 20) { items { ${LEDGER} } nextToken } }`,
  myPayouts: `query Payouts($nextToken: String) { myPayouts(nextToken: $nextToken) { items { ${PAYOUT} } nextToken } }`,
  analyticsHome: `query AnalyticsHome($days: Int) { creatorAnalytics(days: $days) { ${CREATOR_DAY} } myStreamReports(limit: 20) { items { ${STREAM_SUMMARY} } nextToken } }`,
  streamReports: `query StreamReports($nextToken: String) { myStreamReports(limit: 20, nextToken: $nextToken) { items { ${STREAM_SUMMARY} } nextToken } }`,
  streamReport: `query StreamReport($streamId: ID!) { streamReport(streamId: $streamId) { ${STREAM_REPORT} } }`,
  playbackAccess: `query PlaybackAccess($handle: String!) { playbackAccess(handle: $handle) { ${PLAYBACK_ACCESS} } }`,
  // A watch page's first question: the channel and whether this viewer may play it, in one round trip.
  channel: `query Channel($handle: String!) {
    streamer(handle: $handle) { ${STREAMER} schedule { ${SCHEDULED} } }
    playbackAccess(handle: $handle) { ${PLAYBACK_ACCESS} }
  }`,
  followedLive: `query FollowedLive { followedLiveStreams { ${STREAMER} } }`,
  myAudience: `query MyAudience { myAudience { audience allowList ageRestricted startInPreview } }`,
  payoutQueue: `query PayoutQueue($nextToken: String) { payoutQueue(nextToken: $nextToken) { items { ${PAYOUT} } nextToken } }`,
  mySuspension: `query MySuspension { mySuspension { ${SUSPENSION} } }`,
  reportQueue: `query ReportQueue($nextToken: String) { reportQueue(limit: 30, nextToken: $nextToken) { items { ${REPORT_TARGET} } nextToken } }`,
  reportsOf: `query ReportsOf($targetId: ID!) { reportsOf(targetId: $targetId, limit: 50) { items { reporterId reporterHandle reason details reportedAt } nextToken } }`,
  suspensions: `query Suspensions { suspensions(limit: 50) { items { ${SUSPENSION} } nextToken } }`,
  adminLog: `query AdminLog { adminLog(limit: 30) { items { entryId action actorId actorHandle targetUserId targetId reason at } nextToken } }`,
  // battles
  currentBattle: `query CurrentBattle($channelId: ID!) { currentBattle(channelId: $channelId) { ${BATTLE} } }`,
  studioBattle: `query StudioBattle($channelId: ID!) { currentBattle(channelId: $channelId) { ${BATTLE} } myBattleInvitations { ${BATTLE} } }`,
  battleHistory: `query BattleHistory($channelId: ID!, $nextToken: String) { battleHistory(channelId: $channelId, limit: 10, nextToken: $nextToken) { items { ${BATTLE} } nextToken } }`,
  battleCandidates: `query BattleCandidates($query: String) { battleCandidates(query: $query) { channelId handle displayName avatarUrl live followed } }`,
});

export const M = typedDocuments<MutationResults, MutationVariables>()({
  provisionMe: `mutation Provision($handle: String) { provisionMe(handle: $handle) { ${PROVISIONING} } }`,
  updateStreamDetails: `mutation Update($input: UpdateStreamDetailsInput!) { updateStreamDetails(input: $input) { ${STREAMER} } }`,
  rotateStreamKey: `mutation Rotate($force: Boolean) { rotateStreamKey(force: $force) { ingestServer streamKey url createdAt } }`,
  scheduleStream: `mutation Schedule($input: ScheduleStreamInput!) { scheduleStream(input: $input) { ${SCHEDULED} } }`,
  cancelScheduledStream: `mutation Cancel($id: ID!) { cancelScheduledStream(scheduleId: $id) { ${SCHEDULED} } }`,
  createProduct: `mutation Create($input: CreateProductInput!) { createProduct(input: $input) { ${PRODUCT} } }`,
  featureProduct: `mutation Feature($id: ID!) { featureProduct(productId: $id) { ${PRODUCT} } }`,
  unfeatureProduct: `mutation Unfeature($id: ID!) { unfeatureProduct(productId: $id) { ${PRODUCT} } }`,
  startAuction: `mutation Start($id: ID!) { startAuction(productId: $id) { ${PRODUCT} } }`,
  closeAuction: `mutation Close($id: ID!) { closeAuction(productId: $id) { channelId productId outcome sale { ${SALE} } } }`,
  placeBid: `mutation Bid($input: PlaceBidInput!) { placeBid(input: $input) { channelId productId bidId bidderId bidderHandle amount currency currentPrice minNextBid bidCount endsAt placedAt previousHighBidderId } }`,
  buyNow: `mutation Buy($id: ID!, $viewSessionId: ID) { buyNow(productId: $id, viewSessionId: $viewSessionId) { ${SALE} } }`,
  follow: `mutation Follow($id: ID!) { follow(streamerId: $id) { streamerId following followerCount } }`,
  unfollow: `mutation Unfollow($id: ID!) { unfollow(streamerId: $id) { streamerId following followerCount } }`,
  setAlertPreference: `mutation Pref($id: ID!, $email: Boolean!) { setAlertPreference(streamerId: $id, email: $email) { streamerId handle email emailStatus } }`,
  markRead: `mutation Read($ids: [ID!]!) { markNotificationsRead(notificationIds: $ids) { notificationId read } }`,
  like: `mutation Like($channelId: ID!, $clientLikeId: ID) { likeStream(channelId: $channelId, clientLikeId: $clientLikeId) { channelId likes } }`,
  createChatToken: `mutation ChatToken($channelId: ID!) { createChatToken(channelId: $channelId) { token role capabilities sessionExpirationTime tokenExpirationTime timedOutUntil } }`,
  deleteChatMessage: `mutation Del($channelId: ID!, $messageId: ID!, $reason: String) { deleteChatMessage(channelId: $channelId, messageId: $messageId, reason: $reason) { entryId } }`,
  timeoutUser: `mutation Timeout($channelId: ID!, $userId: ID!, $seconds: Int!, $reason: String) { timeoutUser(channelId: $channelId, userId: $userId, seconds: $seconds, reason: $reason) { entryId } }`,
  banUser: `mutation Ban($channelId: ID!, $userId: ID!, $reason: String) { banUser(channelId: $channelId, userId: $userId, reason: $reason) { entryId } }`,
  liftTimeout: `mutation LiftTimeout($channelId: ID!, $userId: ID!) { liftTimeout(channelId: $channelId, userId: $userId) { entryId } }`,
  unbanUser: `mutation Unban($channelId: ID!, $userId: ID!) { unbanUser(channelId: $channelId, userId: $userId) { entryId } }`,
  addModerator: `mutation AddMod($channelId: ID!, $handle: String!) { addModerator(channelId: $channelId, handle: $handle) { entryId } }`,
  removeModerator: `mutation RemoveMod($channelId: ID!, $userId: ID!) { removeModerator(channelId: $channelId, userId: $userId) { entryId } }`,
  sendGift: `mutation Gift($input: SendGiftInput!) { sendGift(input: $input) { gift { ${GIFT_EVENT} } wallet { ${WALLET} } } }`,
  sendTip: `mutation Tip($input: SendTipInput!) { sendTip(input: $input) { gift { ${GIFT_EVENT} } wallet { ${WALLET} } } }`,
  requestPayout: `mutation RequestPayout($id: ID!) { requestPayout(clientRequestId: $id) { ${PAYOUT} } }`,
  decidePayout: `mutation DecidePayout($id: ID!, $decision: PayoutDecision!, $reason: String) { decidePayout(payoutId: $id, decision: $decision, reason: $reason) { ${PAYOUT} } }`,
  setTierByHandle: `mutation SetTier($handle: String!, $tier: BroadcasterTier!) { setBroadcasterTierByHandle(handle: $handle, tier: $tier) { ${EARNINGS} } }`,
  updateAudience: `mutation UpdateAudience($input: AudienceInput!) { updateAudience(input: $input) { audience allowList ageRestricted startInPreview } }`,
  goPublic: `mutation GoPublic { goPublic { ${STREAMER} } }`,
  updateChatSettings: `mutation ChatSettings($input: UpdateChatSettingsInput!) { updateChatSettings(input: $input) { channelId slowModeSeconds blockedWords blockedWordsAction maxMessageLength pinnedMessage } }`,
  reportContent: `mutation Report($input: ReportInput!) { reportContent(input: $input) { targetId reportedAt } }`,
  resolveReport: `mutation ResolveReport($input: ResolveReportInput!) { resolveReport(input: $input) { ${REPORT_TARGET} } }`,
  liftSuspension: `mutation LiftSuspension($userId: ID!, $reason: String!) { liftSuspension(userId: $userId, reason: $reason) { ${SUSPENSION} } }`,
  // battles
  inviteToBattle: `mutation InviteToBattle($input: InviteToBattleInput!) { inviteToBattle(input: $input) { ${BATTLE} } }`,
  respondToBattle: `mutation RespondToBattle($battleId: ID!, $accept: Boolean!) { respondToBattle(battleId: $battleId, accept: $accept) { ${BATTLE} } }`,
  cancelBattleInvitation: `mutation CancelBattleInvitation($battleId: ID!) { cancelBattleInvitation(battleId: $battleId) { ${BATTLE} } }`,
  endBattle: `mutation EndBattle($battleId: ID!) { endBattle(battleId: $battleId) { ${BATTLE} } }`,
});

/** Coin shop (schema block `# coins`). */
export const C = {
  wallet: `query WalletPage { myWallet { ${WALLET} } coinShop { available reason packs { id coins amount currency label } } myCoinPurchases(limit: 20) { items { sessionId packId coins amount currency status refundedAmount createdAt } nextToken } }`,
  purchases: `query CoinPurchases($nextToken: String) { myCoinPurchases(limit: 20, nextToken: $nextToken) { items { sessionId packId coins amount currency status refundedAmount createdAt } nextToken } }`,
  startCheckout: `mutation Checkout($packId: ID!) { startCoinCheckout(packId: $packId) { sessionId url } }`,
} as const;

export const S = typedDocuments<SubscriptionResults, SubscriptionVariables>()({
  streamStatus: `subscription Status { onStreamStatus { channelId handle status streamId title at } }`,
  streamStatusOf: `subscription StatusOf($channelId: ID) { onStreamStatus(channelId: $channelId) { channelId handle status streamId title at } }`,
  productChanged: `subscription P($channelId: ID!) { onProductChanged(channelId: $channelId) { ${PRODUCT} } }`,
  bidPlaced: `subscription B($channelId: ID!) { onBidPlaced(channelId: $channelId) { channelId productId bidId bidderId bidderHandle amount currency currentPrice minNextBid bidCount endsAt placedAt previousHighBidderId } }`,
  saleMade: `subscription Sale($channelId: ID!) { onSaleMade(channelId: $channelId) { ${SALE} } }`,
  auctionClosed: `subscription Closed($channelId: ID!) { onAuctionClosed(channelId: $channelId) { channelId productId outcome sale { ${SALE} } } }`,
  like: `subscription L($channelId: ID!) { onLike(channelId: $channelId) { channelId likes } }`,
  health: `subscription H($channelId: ID!) { onStreamHealth(channelId: $channelId) { channelId streamId at viewerCount peakViewers bitrate frameRate events } }`,
  gift: `subscription G($channelId: ID!) { onGift(channelId: $channelId) { ${GIFT_EVENT} } }`,
  notification: `subscription N($userId: ID!) { onNotification(userId: $userId) { notificationId userId kind title body link createdAt read } }`,
  // battles
  battle: `subscription OnBattle($channelId: ID!) { onBattle(channelId: $channelId) { ${BATTLE} } }`,
});

/**
 * The field sets above by GraphQL type: `npm run gen:types` types each as `<Type>Fields` in
 * lib/graphql/schema-types.ts, the shapes the UI passes around.
 */
export const FIELDS = {
  Streamer: STREAMER,
  Product: PRODUCT,
  Sale: SALE,
  Recording: RECORDING,
  ScheduledStream: SCHEDULED,
  Provisioning: PROVISIONING,
  CreatorDay: CREATOR_DAY,
  StreamReportSummary: STREAM_SUMMARY,
  StreamReport: STREAM_REPORT,
  Battle: BATTLE,
} as const;
