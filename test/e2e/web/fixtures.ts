/** Deterministic API answers for fixture-mode UI tests (shapes follow lib/api/schema.graphql). */
export function fixtureApi(origin: string) {
  const now = Date.now();
  const iso = (ms: number) => new Date(now + ms).toISOString();
  const alice = {
    userId: 'u-alice',
    handle: 'alice',
    displayName: 'Alice Cards',
    status: 'LIVE',
    title: 'Vintage Pokémon breaks — PSA slabs & sealed',
    category: 'Trading cards',
    tags: ['pokemon', 'vintage'],
    language: 'en',
    goingLiveMessage: 'Going live!',
    thumbnailUrl: null,
    playbackUrl: `${origin}/hls/index.m3u8`,
    liveSince: iso(-600_000),
    currentStreamId: 'st-1',
    viewerCount: 1284,
    peakViewers: 1502,
    followerCount: 5400,
    featuredProductId: 'p1',
    isFollowing: false,
    schedule: [],
  };
  const ben = {
    ...alice,
    userId: 'u-ben',
    handle: 'ben_kicks',
    displayName: 'Ben',
    title: 'Jordan 1 restock auctions',
    category: 'Sneakers',
    tags: ['jordan'],
    viewerCount: 312,
  };
  const product = (o: Record<string, unknown>) => ({
    channelId: 'u-alice',
    description: null,
    imageUrl: null,
    params: null,
    currency: 'USD',
    startingBid: 1000,
    bidIncrement: null,
    buyNowPrice: null,
    currentPrice: null,
    minNextBid: 1000,
    bidCount: 0,
    highBidderId: null,
    highBidderHandle: null,
    durationSeconds: 120,
    softCloseSeconds: 10,
    endsAt: null,
    featured: false,
    saleId: null,
    createdAt: iso(-60_000),
    updatedAt: iso(-60_000),
    ...o,
  });
  const products = [
    product({
      productId: 'p1',
      title: 'Charizard Base Set PSA 9',
      type: 'COLLECTIBLE',
      params: '{"grade":"PSA 9","year":1999}',
      saleMode: 'AUCTION_WITH_BUY_NOW',
      buyNowPrice: 90_000,
      currentPrice: 42_000,
      minNextBid: 42_500,
      bidCount: 7,
      highBidderId: 'u-carl',
      highBidderHandle: 'carl',
      status: 'AUCTION_OPEN',
      endsAt: iso(95_000),
      featured: true,
    }),
    product({
      productId: 'p2',
      title: 'Booster box (sealed)',
      type: 'GENERIC',
      saleMode: 'BUY_NOW',
      startingBid: null,
      buyNowPrice: 15_000,
      status: 'DRAFT',
      durationSeconds: null,
    }),
    product({
      productId: 'p3',
      title: 'Pikachu promo',
      type: 'COLLECTIBLE',
      params: '{"grade":"PSA 10","year":2016}',
      saleMode: 'AUCTION',
      currentPrice: 2_500,
      minNextBid: 2_600,
      bidCount: 3,
      status: 'AUCTION_OPEN',
      endsAt: iso(40_000),
    }),
  ];
  const sale = (saleId: string, productTitle: string, offsetMs: number, price: number, buyerHandle: string) => ({
    saleId,
    kind: 'AUCTION',
    productId: saleId,
    productTitle,
    channelId: 'u-alice',
    buyerId: 'u-x',
    buyerHandle,
    price,
    currency: 'USD',
    soldAt: iso(-3_600_000),
    streamId: 'st-0',
    recordingId: 'r1',
    offsetMs,
  });
  const recording = {
    recordingId: 'r1',
    userId: 'u-alice',
    handle: 'alice',
    streamId: 'st-0',
    state: 'AVAILABLE',
    startedAt: iso(-7_200_000),
    endedAt: iso(-3_000_000),
    durationMs: 20_000,
    thumbnailUrl: null,
    saleCount: 2,
    title: 'Sunday night slabs',
  };
  const health = Array.from({ length: 20 }, (_, i) => ({
    channelId: 'u-alice',
    streamId: 'st-1',
    at: iso(-(20 - i) * 10_000),
    viewerCount: 1000 + i * 15,
    peakViewers: 1502,
    bitrate: 3_300_000 + Math.sin(i) * 250_000,
    frameRate: 30 - (i === 12 ? 4 : 0),
    events: [],
  }));

  const calls: { op: string; variables: Record<string, unknown> }[] = [];
  let restoreAsks = 0;
  const answer = (op: string, v: Record<string, unknown>): unknown => {
    switch (op) {
      case 'Browse':
        return {
          liveStreams: { items: [alice, ben] },
          upcomingStreams: {
            items: [
              {
                scheduleId: 's1',
                userId: 'u-ben',
                handle: 'ben_kicks',
                title: 'Sneaker Sunday',
                category: 'Sneakers',
                startsAt: iso(86_400_000),
                cancelled: false,
              },
            ],
          },
          recentReplays: { items: [recording] },
        };
      case 'Live':
        return {
          liveStreams: {
            items: [alice, ben].filter(
              (s) =>
                (!v['category'] || s.category === v['category']) && (!v['tag'] || s.tags.includes(String(v['tag']))),
            ),
          },
        };
      case 'Streamer':
        return {
          streamer:
            v['handle'] === 'alice'
              ? alice
              : v['handle'] === 'ben_kicks'
                ? { ...ben, status: 'OFFLINE', playbackUrl: null }
                : null,
        };
      case 'Recordings':
        return { recordings: { items: [recording] } };
      case 'PlaybackAccess':
        return {
          playbackAccess:
            v['handle'] === 'alice'
              ? {
                  status: 'ALLOWED',
                  audience: 'PUBLIC',
                  ageRestricted: false,
                  inPreview: false,
                  playbackUrl: alice.playbackUrl,
                  expiresAt: null,
                }
              : null,
        };
      case 'Channel':
        return { ...(answer('Streamer', v) as object), ...(answer('PlaybackAccess', v) as object) };
      case 'FollowedLive':
        return { followedLiveStreams: [] };
      case 'MyAudience':
        return { myAudience: { audience: 'PUBLIC', allowList: [], ageRestricted: false, startInPreview: false } };
      case 'Products':
        return { products };
      case 'Bids':
        return {
          product: {
            productId: v['productId'],
            bids: {
              items: [
                { bidId: 'b7', bidderHandle: 'carl', amount: 42_000, currency: 'USD', placedAt: iso(-5_000) },
                { bidId: 'b6', bidderHandle: 'dina', amount: 40_000, currency: 'USD', placedAt: iso(-20_000) },
              ],
            },
          },
        };
      case 'ChatSettings':
        return {
          chatSettings: {
            channelId: 'u-alice',
            slowModeSeconds: 3,
            autoSlowModeViewerThreshold: null,
            autoSlowModeSeconds: null,
            blockedWords: ['spam'],
            blockedWordsAction: 'MASK',
            maxMessageLength: 300,
            pinnedMessage: 'Shipping is free over $50 🚚',
          },
        };
      case 'ChatToken':
        return {
          createChatToken: {
            token: 'tok',
            role: 'VIEWER',
            capabilities: ['SEND_MESSAGE'],
            sessionExpirationTime: iso(3_600_000),
            tokenExpirationTime: iso(3_600_000),
          },
        };
      case 'Bid': {
        const input = v['input'] as { productId: string; amount: number; bidId: string };
        return {
          placeBid: {
            channelId: 'u-alice',
            productId: input.productId,
            bidId: input.bidId,
            bidderId: 'u-bob',
            bidderHandle: 'bob',
            amount: input.amount,
            currency: 'USD',
            currentPrice: input.amount,
            minNextBid: input.amount + 500,
            bidCount: 8,
            endsAt: iso(95_000),
            placedAt: iso(0),
            previousHighBidderId: 'u-carl',
          },
        };
      }
      case 'Buy':
        return {
          buyNow: {
            ...sale('sale-new', 'Booster box (sealed)', 0, 15_000, 'bob'),
            kind: 'BUY_NOW',
            productId: v['id'],
            buyerId: 'u-bob',
          },
        };
      case 'Replay':
        // An archived recording answers RESTORING once, then READY (the page polls).
        if (v['id'] === 'r-archived' && restoreAsks++ === 0)
          return {
            replay: {
              recording: { ...recording, recordingId: 'r-archived' },
              status: 'RESTORING',
              playbackUrl: null,
              readyInSeconds: 20,
              message: 'Restoring from the archive tier',
              sales: [],
            },
          };
        return {
          replay: {
            recording,
            status: 'READY',
            playbackUrl: `${origin}/hls/index.m3u8`,
            readyInSeconds: null,
            message: null,
            sales: [
              sale('sa1', 'Charizard Base Set PSA 9', 5_000, 42_000, 'carl'),
              sale('sa2', 'Pikachu promo', 12_000, 2_500, 'dina'),
            ],
          },
        };
      case 'Me':
        return {
          me: {
            ...alice,
            schedule: [
              {
                scheduleId: 's9',
                userId: 'u-alice',
                handle: 'alice',
                title: 'Friday mystery packs',
                category: 'Trading cards',
                startsAt: iso(172_800_000),
                cancelled: false,
              },
            ],
          },
        };
      case 'Key':
        return {
          myStreamKey: {
            ingestServer: 'rtmps://127.0.0.1:443/app/',
            streamKey: 'sk_us-east-1_Zx81abcdefghijklmnop4242',
            url: 'rtmps://127.0.0.1:443/app/sk_us-east-1_Zx81abcdefghijklmnop4242',
            createdAt: iso(-86_400_000),
          },
        };
      case 'Health':
        return { streamHealth: health };
      case 'Moderation':
        return {
          moderators: [{ userId: 'u-mod', handle: 'mod_mia', since: iso(-86_400_000) }],
          bans: [{ userId: 'u-troll', handle: 'troll42', since: iso(-3_600_000), until: null, reason: 'spam' }],
          moderationLog: {
            items: [
              {
                entryId: 'e1',
                action: 'BAN',
                actorHandle: 'alice',
                targetHandle: 'troll42',
                targetUserId: 'u-troll',
                messageId: null,
                durationSeconds: null,
                reason: 'spam',
                at: iso(-3_600_000),
              },
              {
                entryId: 'e2',
                action: 'SLOW_MODE',
                actorHandle: 'mod_mia',
                targetHandle: null,
                targetUserId: null,
                messageId: null,
                durationSeconds: 3,
                reason: null,
                at: iso(-1_800_000),
              },
            ],
          },
        };
      case 'Notifications':
        return {
          notifications: {
            items: [
              {
                notificationId: 'n1',
                userId: 'u-bob',
                kind: 'OUTBID',
                title: 'You were outbid on Charizard Base Set PSA 9',
                body: '@carl bid $420.00',
                link: '/u/alice',
                createdAt: iso(-60_000),
                read: false,
              },
              {
                notificationId: 'n2',
                userId: 'u-bob',
                kind: 'GO_LIVE',
                title: '@alice is live',
                body: 'Vintage Pokémon breaks',
                link: '/u/alice',
                createdAt: iso(-600_000),
                read: false,
              },
              {
                notificationId: 'n3',
                userId: 'u-bob',
                kind: 'WON',
                title: 'You won Pikachu promo',
                body: '$25.00',
                link: '/replay/?id=r1',
                createdAt: iso(-86_400_000),
                read: true,
              },
            ],
          },
        };
      case 'Prefs':
        return {
          alertPreferences: [{ streamerId: 'u-alice', handle: 'alice', email: true, emailStatus: 'confirmed' }],
          following: {
            items: [
              { userId: 'u-alice', handle: 'alice', since: iso(-1e9) },
              { userId: 'u-ben', handle: 'ben_kicks', since: iso(-1e8) },
            ],
          },
        };
      case 'Pref': {
        // setAlertPreference answers the saved preference (a null answer made the page put the switch back).
        const handle = { 'u-alice': 'alice', 'u-ben': 'ben_kicks' }[String(v['id'])] ?? String(v['id']);
        return {
          setAlertPreference: { streamerId: v['id'], handle, email: v['email'] === true, emailStatus: 'confirmed' },
        };
      }
      case 'Purchases':
        return {
          myPurchases: {
            items: [
              {
                orderId: 'o1',
                saleId: 'sa2',
                productTitle: 'Pikachu promo',
                price: 2_500,
                currency: 'USD',
                soldAt: iso(-86_400_000),
              },
            ],
          },
        };
      case 'Create': {
        const input = v['input'] as Record<string, unknown>;
        return {
          createProduct: product({
            ...input,
            productId: 'p-new',
            status: 'DRAFT',
            minNextBid: input['startingBid'] ?? null,
          }),
        };
      }
      case 'Like':
        return { likeStream: { channelId: 'u-alice', likes: 43 } };
      default:
        return null;
    }
  };
  return { calls, answer, opName: (q: string) => /^\s*(?:query|mutation|subscription)\s+(\w+)/.exec(q)?.[1] ?? '' };
}
