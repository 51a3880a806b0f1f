import { describe, expect, it } from 'vitest';
import * as k from '../../../lambdas/shared/domain/keys';

// Expected values are written out literally from docs/data-model.md: stored keys must stay byte-for-byte the same.
describe('item keys match docs/data-model.md', () => {
  it.each([
    ['profile', k.profileKey('u1'), { PK: 'USER#u1', SK: 'PROFILE' }],
    ['account', k.accountKey('u1'), { PK: 'USER#u1', SK: 'ACCOUNT' }],
    ['provisioning', k.provisioningKey('u1'), { PK: 'USER#u1', SK: 'PROVISIONING' }],
    ['stream key', k.streamKeyItemKey('u1'), { PK: 'USER#u1', SK: 'STREAMKEY' }],
    [
      'order',
      k.orderKey('b1', '2026-01-01T00:00:00.000Z', 'ord_1'),
      { PK: 'USER#b1', SK: 'ORDER#2026-01-01T00:00:00.000Z#ord_1' },
    ],
    ['follow', k.followKey('f1', 's1'), { PK: 'USER#f1', SK: 'FOLLOWS#s1' }],
    [
      'notification',
      k.notificationKey('u1', '2026-01-01T00:00:00.000Z', 'n1'),
      { PK: 'USER#u1', SK: 'NOTIF#2026-01-01T00:00:00.000Z#n1' },
    ],
    ['alert preference', k.alertPreferenceKey('u1', 's1'), { PK: 'USER#u1', SK: 'ALERTPREF#s1' }],
    ['handle claim (lowercased)', k.handleKey('MixedCase'), { PK: 'HANDLE#mixedcase', SK: 'HANDLE' }],
    ['stream session', k.streamSessionKey('st1'), { PK: 'STREAM#st1', SK: 'STREAM' }],
    ['go-live alert marker', k.alertedKey('st1'), { PK: 'STREAM#st1', SK: 'ALERTED' }],
    ['go-live email progress', k.emailProgressKey('st1'), { PK: 'STREAM#st1', SK: 'ALERTED#EMAIL' }],
    [
      'health sample',
      k.healthSampleKey('st1', '2026-01-01T00:00:00.000Z'),
      { PK: 'STREAM#st1', SK: 'HEALTH#2026-01-01T00:00:00.000Z' },
    ],
    ['viewer milestone', k.viewerMilestoneKey('st1', 100), { PK: 'STREAM#st1', SK: 'MILESTONE#000000000000100' }],
    ['like marker', k.likeMarkerKey('c1', 'u1', 'lk1'), { PK: 'LIKE#c1#u1#lk1', SK: 'LIKE' }],
    ['scheduled stream', k.scheduleKey('sch_1'), { PK: 'SCHEDULE#sch_1', SK: 'SCHEDULE' }],
    ['product', k.productKey('p1'), { PK: 'PRODUCT#p1', SK: 'PRODUCT' }],
    ['bid', k.bidKey('p1', 'bid1'), { PK: 'PRODUCT#p1', SK: 'BID#bid1' }],
    ['sale', k.saleKey('sale1'), { PK: 'SALE#sale1', SK: 'SALE' }],
    ['recording', k.recordingKey('r1'), { PK: 'RECORDING#r1', SK: 'RECORDING' }],
    ['restore request', k.restoreRequestKey('r1', 'u1'), { PK: 'RECORDING#r1', SK: 'RESTORE#u1' }],
    ['recording prefix lookup', k.recordingPrefixKey('a/b/c'), { PK: 'S3PREFIX#a/b/c', SK: 'RECORDING' }],
    [
      'chat history message',
      k.chatHistoryKey('c1', '2026-01-01T00:00:00.000000000Z', 'm1'),
      { PK: 'CHATLOG#c1', SK: '2026-01-01T00:00:00.000000000Z#m1' },
    ],
    ['chat settings', k.chatSettingsKey('c1'), { PK: 'CHANNEL#c1', SK: 'CHAT' }],
    ['ban', k.banKey('c1', 'u1'), { PK: 'CHANNEL#c1', SK: 'BAN#u1' }],
    ['moderator', k.moderatorKey('c1', 'u1'), { PK: 'CHANNEL#c1', SK: 'MOD#u1' }],
    ['chat member state', k.memberKey('c1', 'u1'), { PK: 'CHANNEL#c1', SK: 'MEMBER#u1' }],
    [
      'moderation log entry',
      k.modLogKey('c1', '2026-01-01T00:00:00.000Z', 'e1'),
      { PK: 'CHANNEL#c1', SK: 'MODLOG#2026-01-01T00:00:00.000Z#e1' },
    ],
    ['wallet', k.walletKey('u1'), { PK: 'USER#u1', SK: 'WALLET' }],
    [
      'ledger entry',
      k.ledgerKey('u1', '2026-01-01T00:00:00.000Z', 'gft_1'),
      { PK: 'USER#u1', SK: 'LEDGER#2026-01-01T00:00:00.000Z#gft_1' },
    ],
    ['gift request answer', k.giftRequestKey('u1', 'c-1'), { PK: 'USER#u1', SK: 'GIFTREQ#c-1' }],
    ['earnings account', k.earningsKey('u1'), { PK: 'USER#u1', SK: 'EARNINGS' }],
    ['earnings shard', k.earningsShardKey('u1', '07'), { PK: 'USER#u1', SK: 'EARNINGS#07' }],
    ['payout request answer', k.payoutRequestKey('u1', 'r-1'), { PK: 'USER#u1', SK: 'PAYOUTREQ#r-1' }],
    ['stream gift revenue shard', k.streamGiftRevenueShardKey('st1', '03'), { PK: 'STREAM#st1', SK: 'GIFTREV#03' }],
    ['gifter tally', k.topGifterKey('st1', 'u1'), { PK: 'STREAM#st1', SK: 'GIFTER#u1' }],
    ['platform revenue shard', k.platformRevenueShardKey('12'), { PK: 'PLATFORM#REVENUE', SK: 'SHARD#12' }],
    ['payout', k.payoutKey('pay_1'), { PK: 'PAYOUT#pay_1', SK: 'PAYOUT' }],
    [
      'admin action',
      k.adminLogKey('2026-01-01T00:00:00.000Z', 'adm_1'),
      { PK: 'ADMINLOG', SK: '2026-01-01T00:00:00.000Z#adm_1' },
    ],
  ])('%s', (_name, actual, expected) => {
    expect(actual).toEqual(expected);
  });
});

describe('index keys match docs/data-model.md', () => {
  it.each([
    ['GSI1 LIVE', k.LIVE_PK, 'LIVE'],
    ['GSI1 SCHEDULED', k.SCHEDULED_PK, 'SCHEDULED'],
    ['GSI2 AUCTIONS_OPEN', k.AUCTIONS_OPEN_PK, 'AUCTIONS_OPEN'],
    ['GSI2 RECORDINGS', k.RECORDINGS_PK, 'RECORDINGS'],
    ['GSI1 stream sessions of a streamer', k.userStreamsPk('u1'), 'USER#u1#STREAMS'],
    ['GSI1 recordings of a streamer', k.userRecordingsPk('u1'), 'USER#u1#RECORDINGS'],
    ['GSI1 my bids', k.userBidsPk('u1'), 'USER#u1#BIDS'],
    ['GSI1 followers', k.userFollowersPk('s1'), 'USER#s1#FOLLOWERS'],
    ['GSI1 channels I moderate', k.userModeratesPk('u1'), 'USER#u1#MODERATES'],
    ['GSI1 health of a channel', k.userHealthPk('c1'), 'USER#c1#HEALTH'],
    ['GSI2 schedule of a streamer', k.userSchedulePk('u1'), 'USER#u1#SCHEDULE'],
    ['GSI2 email opt-ins', k.userEmailAlertsPk('s1'), 'USER#s1#EMAIL_ALERTS'],
    ['GSI2 channel ARN', k.channelArnPk('arn:aws:ivs:x'), 'CHANNEL_ARN#arn:aws:ivs:x'],
    ['GSI3 category', k.categoryPk('Music'), 'CATEGORY#Music'],
    ['GSI1 products of a channel', k.channelProductsPk('c1'), 'CHANNEL#c1#PRODUCTS'],
    ['GSI3 sales of a channel', k.channelSalesPk('c1'), 'CHANNEL#c1#SALES'],
    ['GSI2 bid history', k.productBidsPk('p1'), 'PRODUCT#p1#BIDS'],
    ['GSI1 sales of a stream', k.streamSalesPk('st1'), 'STREAM#st1#SALES'],
    ['GSI3 recording of a stream', k.streamRecordingPk('st1'), 'STREAM#st1#RECORDING'],
    ['GSI2 sales of a recording', k.recordingSalesPk('r1'), 'RECORDING#r1#SALES'],
    ['GSI1 payouts of a user', k.userPayoutsPk('u1'), 'USER#u1#PAYOUTS'],
    ['GSI2 payouts awaiting a decision', k.PAYOUTS_REQUESTED_PK, 'PAYOUTS_REQUESTED'],
    ['GSI1 chat room', k.roomPk('arn:aws:ivschat:x'), 'ROOM#arn:aws:ivschat:x'],
    ['GSI2 bid sort key', k.bidHistorySk('2026-01-01T00:00:00.000Z', 'bid1'), '2026-01-01T00:00:00.000Z#bid1'],
    ['GSI2 recording offset sort key', k.recordingOffsetSk(1234), '000000001234'],
  ])('%s', (_name, actual, expected) => {
    expect(actual).toBe(expected);
  });

  it('builds the attribute pairs of profiles, follows and chat settings', () => {
    expect(k.channelArnIndexKey('arn1')).toEqual({ GSI2PK: 'CHANNEL_ARN#arn1', GSI2SK: 'PROFILE' });
    expect(k.followersIndexKey('s1', '2026-01-01T00:00:00.000Z')).toEqual({
      GSI1PK: 'USER#s1#FOLLOWERS',
      GSI1SK: '2026-01-01T00:00:00.000Z',
    });
    expect(k.roomIndexKey('arn2')).toEqual({ GSI1PK: 'ROOM#arn2', GSI1SK: 'CHAT' });
  });

  it('reads the user id back out of a user partition', () => {
    expect(k.userIdOfPartition(k.userPartition('u_1#x'))).toBe('u_1#x');
    expect(k.userIdOfPartition('USER#f1')).toBe('f1');
  });

  it('tells whether a read item sits at a key, by both PK and SK', () => {
    expect(k.isItemAt({ PK: 'USER#u1', SK: 'PROFILE', handle: 'h' }, k.profileKey('u1'))).toBe(true);
    expect(k.isItemAt({ PK: 'USER#u1', SK: 'ACCOUNT' }, k.profileKey('u1'))).toBe(false);
    expect(k.isItemAt({ PK: 'USER#u2', SK: 'PROFILE' }, k.profileKey('u1'))).toBe(false);
  });

  it('gives the begins_with prefixes of the documented access patterns', () => {
    expect(k.SK_PREFIX).toEqual({
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
    });
  });
});
