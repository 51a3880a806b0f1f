/**
 * Gifts, tips, earnings, payouts and admin decisions through the local GraphQL server (the same
 * resolver files AppSync runs) on DynamoDB Local; the coins are conserved after every test
 * (harness). Concurrency and the model test: concurrency.test.ts, model.test.ts.
 */
import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { ADMINS_GROUP } from '../../../lambdas/shared/domain/economy';
import {
  DECIDE_PAYOUT,
  EARNINGS,
  GIFT_FIELDS,
  REQUEST_PAYOUT,
  SEND_GIFT,
  SEND_TIP,
  SET_TIER,
  SET_TIER_BY_HANDLE,
  useEconomyApi,
  type Loose,
  type User,
} from './harness';
import { seedAccount, seedChannel, seedPurchase, seedRefund } from './seed';

const api = useEconomyApi();
const { db } = api;

const viewer: User = { sub: 'u-viewer', handle: 'vera' };
const bea: User = { sub: 'u-bea', handle: 'bea' };
const otto: User = { sub: 'u-otto', handle: 'otto' };
const admin: User = { sub: 'u-admin', handle: 'ada', groups: [ADMINS_GROUP] };

let n = 0;
const id = (p: string) => `${p}-${Date.now()}-${++n}`;
const gift = (who: User | null, channelId: string, giftId: string, count: number, clientGiftId = id('g')) =>
  api.gql(who, SEND_GIFT, { i: { channelId, giftId, count, clientGiftId } });
const tip = (who: User | null, channelId: string, coins: number, message: string | null, clientGiftId = id('t')) =>
  api.gql(who, SEND_TIP, { i: { channelId, coins, message, clientGiftId } });
const wallet = async (who: User) =>
  (await api.gql(who, 'query { myWallet { coins debt } }')).data?.myWallet as { coins: number; debt: number };
const earnings = async (who: User) => (await api.gql(who, EARNINGS)).data?.myEarnings as Loose;

describe('sendGift and sendTip', () => {
  it('moves coins once: sender charged, broadcaster earns 50 %, platform keeps the rest; a retry answers the first gift', async () => {
    await seedChannel(db.doc, db.tableName, bea.sub, bea.handle, 'stream-bea-1');
    await seedPurchase(db.doc, db.tableName, viewer.sub, 1000);

    const first = await gift(viewer, bea.sub, 'rose', 3, 'retry-me-1');
    expect(first.errors).toBeUndefined();
    expect(first.data?.sendGift.gift).toMatchObject({
      channelId: bea.sub,
      streamId: 'stream-bea-1',
      kind: 'GIFT',
      giftId: 'rose',
      giftName: 'Rose',
      animation: 'rose',
      count: 3,
      coins: 15,
      senderId: viewer.sub,
      senderHandle: 'vera',
      big: false,
      message: null,
    });
    expect(first.data?.sendGift.gift.id).toMatch(/^gft_[0-9A-Z]{20}$/);
    expect(first.data?.sendGift.wallet).toEqual({ coins: 985, debt: 0 });

    const retry = await gift(viewer, bea.sub, 'rose', 3, 'retry-me-1');
    expect(retry.data?.sendGift).toEqual(first.data?.sendGift);
    expect(await wallet(viewer)).toEqual({ coins: 985, debt: 0 });
    const reused = await gift(viewer, bea.sub, 'heart', 1, 'retry-me-1');
    expect(reused.errors?.[0]).toMatchObject({ errorType: 'VALIDATION', errorInfo: { field: 'clientGiftId' } });

    // 15 coins = 15 cents: floor(7.5) = 7 to Bea, 8 to the platform.
    expect(await earnings(bea)).toMatchObject({
      tier: 'STANDARD',
      sharePercent: 50,
      availableAmount: 7,
      reservedAmount: 0,
      paidAmount: 0,
      currency: 'USD',
      minimumPayoutAmount: 1000,
      lifetimeCoins: 15,
    });

    const t = await tip(viewer, bea.sub, 40, '  great show!  ');
    expect(t.data?.sendTip.gift).toMatchObject({
      kind: 'TIP',
      coins: 40,
      count: 1,
      message: 'great show!',
      giftId: null,
    });
    expect(t.data?.sendTip.wallet.coins).toBe(945);
    expect((await earnings(bea)).availableAmount).toBe(27);

    const ledger = await api.gql(
      viewer,
      'query { myLedger(limit: 10) { items { kind coins amount counterpartyHandle } nextToken } }',
    );
    expect(ledger.data?.myLedger.items).toEqual([
      { kind: 'TIP_SENT', coins: -40, amount: null, counterpartyHandle: 'bea' },
      { kind: 'GIFT_SENT', coins: -15, amount: null, counterpartyHandle: 'bea' },
      { kind: 'PURCHASE', coins: 1000, amount: 1000, counterpartyHandle: null },
    ]);
    const received = await api.gql(
      bea,
      'query { myLedger { items { kind coins amount currency counterpartyHandle } } }',
    );
    expect(received.data?.myLedger.items).toEqual([
      { kind: 'TIP_RECEIVED', coins: 40, amount: 20, currency: 'USD', counterpartyHandle: 'vera' },
      { kind: 'GIFT_RECEIVED', coins: 15, amount: 7, currency: 'USD', counterpartyHandle: 'vera' },
    ]);
    const top = await api.gql(null, `query { topGifters(channelId: "${bea.sub}") { userId handle coins } }`);
    expect(top.data?.topGifters).toEqual([{ userId: viewer.sub, handle: 'vera', coins: 55 }]);
  });

  it('refuses with typed errors and charges nothing', async () => {
    await seedChannel(db.doc, db.tableName, otto.sub, otto.handle, null);
    const before = await wallet(viewer);
    expect((await gift(viewer, otto.sub, 'rose', 1)).errors?.[0]?.errorType).toBe('STREAM_NOT_LIVE');
    expect((await gift(viewer, 'no-such-channel', 'rose', 1)).errors?.[0]?.errorType).toBe('STREAM_NOT_LIVE');
    expect((await gift(bea, bea.sub, 'rose', 1)).errors?.[0]?.errorType).toBe('FORBIDDEN');
    expect((await gift(viewer, bea.sub, 'unicorn', 1)).errors?.[0]).toMatchObject({
      errorType: 'VALIDATION',
      errorInfo: { field: 'giftId' },
    });
    expect((await gift(viewer, bea.sub, 'rose', 0)).errors?.[0]).toMatchObject({
      errorType: 'VALIDATION',
      errorInfo: { field: 'count' },
    });
    expect((await gift(viewer, bea.sub, 'rose', 1, '')).errors?.[0]).toMatchObject({
      errorType: 'VALIDATION',
      errorInfo: { field: 'clientGiftId' },
    });
    expect((await tip(viewer, bea.sub, 0, null)).errors?.[0]).toMatchObject({
      errorType: 'VALIDATION',
      errorInfo: { field: 'coins' },
    });
    expect((await tip(viewer, bea.sub, 5, 'x'.repeat(141))).errors?.[0]).toMatchObject({
      errorType: 'VALIDATION',
      errorInfo: { field: 'message' },
    });
    const short = await gift(viewer, bea.sub, 'castle', 1);
    expect(short.errors?.[0]).toMatchObject({
      errorType: 'INSUFFICIENT_COINS',
      errorInfo: { cost: 2000, coins: before.coins },
    });
    expect(short.errors?.[0]?.message).toBe(`This costs 2000 coins and your wallet holds ${before.coins}.`);
    expect(await wallet(viewer)).toEqual(before);
  });

  it('a wallet in debt after a refund cannot gift until settled', async () => {
    const debtor: User = { sub: 'u-debtor', handle: 'dora' };
    await seedPurchase(db.doc, db.tableName, debtor.sub, 100);
    expect((await gift(debtor, bea.sub, 'crown', 1)).errors).toBeUndefined();
    const w = (
      await db.doc.send(new GetCommand({ TableName: db.tableName, Key: { PK: `USER#${debtor.sub}`, SK: 'WALLET' } }))
    ).Item as Loose;
    await seedRefund(db.doc, db.tableName, debtor.sub, 100, { coins: w.coins, debt: w.debt, version: w.version });
    expect(await wallet(debtor)).toEqual({ coins: 0, debt: 100 });
    await seedPurchase(db.doc, db.tableName, debtor.sub, 500);
    const r = await gift(debtor, bea.sub, 'heart', 1);
    expect(r.errors?.[0]?.errorType).toBe('COINS_IN_DEBT');
  });

  it('publishes every gift to onGift subscribers; a big one notifies the broadcaster in-app', async () => {
    await seedPurchase(db.doc, db.tableName, viewer.sub, 1000);
    await api.fanOut();
    const seen: Loose[] = [];
    const sub = await api.engine.subscribe(
      {
        query: `subscription($c: ID!) { onGift(channelId: $c) { ${GIFT_FIELDS} } }`,
        variables: { c: bea.sub },
        auth: { mode: 'AWS_IAM', identity: { username: 'guest' } } as never,
      },
      (result) => seen.push(result.data?.onGift),
    );
    expect(sub.ok).toBe(true);
    const small = await gift(viewer, bea.sub, 'heart', 2);
    const big = await gift(viewer, bea.sub, 'rocket', 1);
    await api.fanOut();
    expect(seen.map((g) => [g.id, g.big])).toEqual([
      [small.data?.sendGift.gift.id, false],
      [big.data?.sendGift.gift.id, true],
    ]);
    expect(seen[1]).toEqual(big.data?.sendGift.gift);
    if (sub.ok) sub.unsubscribe();

    const inbox = await api.gql(bea, 'query { notifications(limit: 5) { items { kind title body link read } } }');
    expect(inbox.data?.notifications.items).toEqual([
      {
        kind: 'GIFT',
        title: '@vera sent you Rocket (500 coins)',
        body: 'Thank them on stream while they are watching.',
        link: '/studio',
        read: false,
      },
    ]);
  });
});

describe('payouts', () => {
  it('requests the available balance once it reaches $10, reserves it; admins pay or reject; every change is recorded', async () => {
    const fan: User = { sub: 'u-fan', handle: 'fay' };
    await seedPurchase(db.doc, db.tableName, fan.sub, 10_000);
    const below = await api.gql(bea, REQUEST_PAYOUT, { c: id('p') });
    expect(below.errors?.[0]).toMatchObject({ errorType: 'BELOW_MINIMUM_PAYOUT', errorInfo: { minimum: 1000 } });
    expect(below.errors?.[0]?.message).toMatch(/^Payouts start at \$10\.00; you have \$\d+\.\d\d available\.$/);

    expect((await gift(fan, bea.sub, 'castle', 1)).errors).toBeUndefined();
    const available = (await earnings(bea)).availableAmount as number;
    expect(available).toBeGreaterThanOrEqual(1000);
    const clientRequestId = id('p');
    const requested = await api.gql(bea, REQUEST_PAYOUT, { c: clientRequestId });
    expect(requested.errors).toBeUndefined();
    const payout = requested.data?.requestPayout;
    expect(payout).toMatchObject({
      userId: bea.sub,
      handle: 'bea',
      amount: available,
      currency: 'USD',
      status: 'REQUESTED',
      decidedAt: null,
    });
    expect(payout.history).toEqual([{ status: 'REQUESTED', at: payout.requestedAt, byUserId: bea.sub, reason: null }]);
    expect((await api.gql(bea, REQUEST_PAYOUT, { c: clientRequestId })).data?.requestPayout).toEqual(payout);
    expect(await earnings(bea)).toMatchObject({ availableAmount: 0, reservedAmount: available });
    expect((await api.gql(bea, REQUEST_PAYOUT, { c: id('p') })).errors?.[0]?.errorType).toBe('BELOW_MINIMUM_PAYOUT');

    const queue = await api.gql(admin, `query { payoutQueue { items { ${'payoutId status amount handle'} } } }`);
    expect(queue.data?.payoutQueue.items).toContainEqual({
      payoutId: payout.payoutId,
      status: 'REQUESTED',
      amount: available,
      handle: 'bea',
    });

    const noReason = await api.gql(admin, DECIDE_PAYOUT, { p: payout.payoutId, d: 'REJECTED' });
    expect(noReason.errors?.[0]).toMatchObject({ errorType: 'VALIDATION', errorInfo: { field: 'reason' } });
    const rejected = await api.gql(admin, DECIDE_PAYOUT, {
      p: payout.payoutId,
      d: 'REJECTED',
      r: 'Bank details missing',
    });
    expect(rejected.data?.decidePayout).toMatchObject({ status: 'REJECTED', reason: 'Bank details missing' });
    expect(rejected.data?.decidePayout.history.map((h: Loose) => [h.status, h.byUserId])).toEqual([
      ['REQUESTED', bea.sub],
      ['REJECTED', admin.sub],
    ]);
    expect(await earnings(bea)).toMatchObject({ availableAmount: available, reservedAmount: 0 });
    const again = await api.gql(admin, DECIDE_PAYOUT, { p: payout.payoutId, d: 'REJECTED', r: 'Bank details missing' });
    expect(again.data?.decidePayout).toEqual(rejected.data?.decidePayout);
    expect((await api.gql(admin, DECIDE_PAYOUT, { p: payout.payoutId, d: 'PAID' })).errors?.[0]?.errorType).toBe(
      'ALREADY_DECIDED',
    );
    const queueAfter = await api.gql(admin, 'query { payoutQueue { items { payoutId } } }');
    expect(queueAfter.data?.payoutQueue.items).not.toContainEqual({ payoutId: payout.payoutId });

    const second = (await api.gql(bea, REQUEST_PAYOUT, { c: id('p') })).data?.requestPayout;
    const paid = await api.gql(admin, DECIDE_PAYOUT, { p: second.payoutId, d: 'PAID' });
    expect(paid.data?.decidePayout).toMatchObject({ status: 'PAID', amount: available });
    expect(await earnings(bea)).toMatchObject({ availableAmount: 0, reservedAmount: 0, paidAmount: available });
    const mine = await api.gql(bea, 'query { myPayouts { items { payoutId status } } }');
    expect(mine.data?.myPayouts.items).toEqual([
      { payoutId: second.payoutId, status: 'PAID' },
      { payoutId: payout.payoutId, status: 'REJECTED' },
    ]);
    const kinds = (
      await api.gql(bea, 'query { myLedger(limit: 4) { items { kind amount payoutId } } }')
    ).data?.myLedger.items.map((e: Loose) => e.kind);
    expect(kinds).toEqual(['PAYOUT_PAID', 'PAYOUT_REQUESTED', 'PAYOUT_REJECTED', 'PAYOUT_REQUESTED']);
    const audit = await db.doc.send(
      new QueryCommand({
        TableName: db.tableName,
        KeyConditionExpression: 'PK = :pk',
        ExpressionAttributeValues: { ':pk': 'ADMINLOG' },
      }),
    );
    expect(audit.Items?.filter((a) => a.action === 'DECIDE_PAYOUT').map((a) => [a.decision, a.actorId])).toEqual([
      ['REJECTED', admin.sub],
      ['PAID', admin.sub],
    ]);
  });

  it('a premium broadcaster earns 90 %; the tier is set by an admin, by id or by handle', async () => {
    await seedAccount(db.doc, db.tableName, otto.sub, otto.handle);
    await seedChannel(db.doc, db.tableName, otto.sub, otto.handle, 'stream-otto-1');
    const set = await api.gql(admin, SET_TIER_BY_HANDLE, { h: 'OTTO', t: 'PREMIUM' });
    expect(set.data?.setBroadcasterTierByHandle).toEqual({ userId: otto.sub, tier: 'PREMIUM', sharePercent: 90 });
    expect((await gift(viewer, otto.sub, 'clap', 1)).errors).toBeUndefined();
    // 10 coins = 10 cents: 9 to Otto, 1 to the platform.
    expect(await earnings(otto)).toMatchObject({ tier: 'PREMIUM', availableAmount: 9 });
    expect((await api.gql(admin, SET_TIER, { u: otto.sub, t: 'STANDARD' })).data?.setBroadcasterTier.sharePercent).toBe(
      50,
    );
    expect((await api.gql(admin, SET_TIER, { u: 'nobody', t: 'PREMIUM' })).errors?.[0]?.errorType).toBe('NOT_FOUND');
    expect((await api.gql(admin, SET_TIER_BY_HANDLE, { h: 'nobody', t: 'PREMIUM' })).errors?.[0]?.errorType).toBe(
      'NOT_FOUND',
    );
  });
});

describe('authorization matrix: guest, viewer, the broadcaster, another broadcaster, admin', () => {
  const who = { guest: null, viewer, broadcaster: bea, other: otto, admin } as const;
  type Who = keyof typeof who;
  const errorOf = async (w: Who, query: string, variables: Record<string, unknown>): Promise<string> => {
    const r = await api.gql(who[w], query, variables);
    return r.errors?.[0]?.errorType ?? 'OK';
  };

  it('answers each new mutation and admin query as the matrix says', async () => {
    for (const u of [viewer, otto, admin]) await seedPurchase(db.doc, db.tableName, u.sub, 100);
    await seedChannel(db.doc, db.tableName, bea.sub, bea.handle, 'stream-bea-1');
    /** The payout awaiting a decision (Bea's, requested in the requestPayout row). */
    const queued = async () =>
      (
        await db.doc.send(
          new QueryCommand({
            TableName: db.tableName,
            IndexName: 'GSI2',
            KeyConditionExpression: 'GSI2PK = :pk',
            ExpressionAttributeValues: { ':pk': 'PAYOUTS_REQUESTED' },
          }),
        )
      ).Items?.[0]?.payoutId as string;
    // Bea's earnings since the payouts test: enough for a request of her own.
    await seedPurchase(db.doc, db.tableName, 'u-rich', 5000);
    await gift({ sub: 'u-rich', handle: 'rich' }, bea.sub, 'castle', 2);

    const matrix: [
      string,
      string,
      () => Record<string, unknown> | Promise<Record<string, unknown>>,
      Record<Who, string>,
    ][] = [
      [
        'sendGift',
        SEND_GIFT,
        () => ({ i: { channelId: bea.sub, giftId: 'heart', count: 1, clientGiftId: id('m') } }),
        { guest: 'Unauthorized', viewer: 'OK', broadcaster: 'FORBIDDEN', other: 'OK', admin: 'OK' },
      ],
      [
        'sendTip',
        SEND_TIP,
        () => ({ i: { channelId: bea.sub, coins: 1, message: null, clientGiftId: id('m') } }),
        { guest: 'Unauthorized', viewer: 'OK', broadcaster: 'FORBIDDEN', other: 'OK', admin: 'OK' },
      ],
      [
        'requestPayout',
        REQUEST_PAYOUT,
        () => ({ c: id('m') }),
        {
          guest: 'Unauthorized',
          viewer: 'BELOW_MINIMUM_PAYOUT',
          broadcaster: 'OK',
          other: 'BELOW_MINIMUM_PAYOUT',
          admin: 'BELOW_MINIMUM_PAYOUT',
        },
      ],
      [
        'decidePayout',
        DECIDE_PAYOUT,
        async () => ({ p: await queued(), d: 'PAID' }),
        { guest: 'Unauthorized', viewer: 'FORBIDDEN', broadcaster: 'FORBIDDEN', other: 'FORBIDDEN', admin: 'OK' },
      ],
      [
        'setBroadcasterTier',
        SET_TIER,
        () => ({ u: otto.sub, t: 'STANDARD' }),
        { guest: 'Unauthorized', viewer: 'FORBIDDEN', broadcaster: 'FORBIDDEN', other: 'FORBIDDEN', admin: 'OK' },
      ],
      [
        'setBroadcasterTierByHandle',
        SET_TIER_BY_HANDLE,
        () => ({ h: 'otto', t: 'STANDARD' }),
        { guest: 'Unauthorized', viewer: 'FORBIDDEN', broadcaster: 'FORBIDDEN', other: 'FORBIDDEN', admin: 'OK' },
      ],
      [
        'payoutQueue',
        'query { payoutQueue { items { payoutId } } }',
        () => ({}),
        { guest: 'Unauthorized', viewer: 'FORBIDDEN', broadcaster: 'FORBIDDEN', other: 'FORBIDDEN', admin: 'OK' },
      ],
      [
        'publishGift',
        `mutation($i: PublishGiftInput!) { publishGift(input: $i) { id } }`,
        () => ({
          i: {
            id: 'gft_x',
            channelId: bea.sub,
            streamId: 's',
            kind: 'GIFT',
            count: 1,
            coins: 1,
            senderId: 'x',
            senderHandle: 'x',
            sentAt: new Date().toISOString(),
            big: false,
          },
        }),
        {
          guest: 'Unauthorized',
          viewer: 'Unauthorized',
          broadcaster: 'Unauthorized',
          other: 'Unauthorized',
          admin: 'Unauthorized',
        },
      ],
    ];
    const answers: Record<string, Record<Who, string>> = {};
    const expected: Record<string, Record<Who, string>> = {};
    for (const [field, query, vars, want] of matrix) {
      answers[field] = {} as Record<Who, string>;
      for (const w of Object.keys(who) as Who[]) answers[field][w] = await errorOf(w, query, await vars());
      expected[field] = want;
    }
    expect(answers).toEqual(expected);
    // The guest may read the catalog and the leaderboard; wallet and earnings are the signed-in user's own.
    expect((await api.gql(null, 'query { giftCatalog { id coins } }')).data?.giftCatalog[0]).toEqual({
      id: 'heart',
      coins: 1,
    });
    expect((await api.gql(null, 'query { myWallet { coins } }')).errors?.[0]?.errorType).toBe('Unauthorized');
    expect((await api.gql(null, EARNINGS)).errors?.[0]?.errorType).toBe('Unauthorized');
  });
});
