/**
 * PK battles through the local GraphQL server on DynamoDB Local (harness.ts): invitations and their
 * expiry, one battle or invitation per streamer, scores written by the gifts' own transactions,
 * the buzzer (exact to the millisecond, under 200 concurrent gifts), one result when the schedule
 * and a streamer end it at once, forfeits after the reconnect grace (none when the stream is back
 * in time), the winner's bonus in the ledger (coins conserved after every test), publishBattle to
 * both channels (each score change stamped with its gift's time), and who may do what.
 *
 * Battles last at least a minute and invitations 30 s; the tests move a battle's buzzer (or an
 * invitation's expiry) closer by rewriting its times on the items and its schedule, nothing else.
 */
import { randomUUID } from 'node:crypto';
import { TransactWriteItemsCommand, type TransactWriteItem } from '@aws-sdk/client-dynamodb';
import { QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { describe, expect, it } from 'vitest';
import { dispatch } from '../../../lambdas/battles/handler';
import { splitValue } from '../../../lambdas/shared/domain/economy';
import {
  battleKey,
  battleLockKey,
  battlePartition,
  SK_PREFIX,
  userPartition,
} from '../../../lambdas/shared/domain/keys';
import { giftFingerprint, giftTransactItems, type GiftPlan } from '../../../lib/api/resolvers/lib/gift-write';
import { seedPurchase } from '../economy/seed';
import {
  BATTLE,
  BATTLE_FIELDS,
  CANCEL,
  CURRENT,
  END,
  INVITE,
  RESPOND,
  SEND_GIFT,
  SETTINGS,
  useBattleApi,
  type Loose,
  type Result,
  type User,
} from './harness';

const api = useBattleApi();
const { db } = api;

let n = 0;
const who = (name: string): User => ({ sub: `u-${name}-${++n}`, handle: `${name}${n}` });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const invite = (from: User, to: User, durationMinutes?: number) =>
  api.gql(from, INVITE, { i: { opponentHandle: to.handle, durationMinutes } });
const errorOf = (r: Result) => r.errors?.[0]?.errorType ?? 'OK';

async function waitFor<T>(read: () => Promise<T>, done: (v: T) => boolean, ms = 15_000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const v = await read();
    if (done(v) || Date.now() > until) return v;
    await sleep(100);
  }
}

/** Two live streamers in a RUNNING battle (ann invited bob). */
async function running(): Promise<{ ann: User; bob: User; battleId: string }> {
  const ann = who('ann');
  const bob = who('bob');
  await api.streamer(ann, true);
  await api.streamer(bob, true);
  const inv = await invite(ann, bob, 1);
  expect(inv.errors).toBeUndefined();
  const battleId = inv.data?.inviteToBattle.battleId as string;
  const acc = await api.gql(bob, RESPOND, { b: battleId, a: true });
  expect(acc.errors).toBeUndefined();
  expect(acc.data?.respondToBattle.status).toBe('RUNNING');
  return { ann, bob, battleId };
}

/** Moves a running battle's buzzer to `ms` from now: its endsAt on the battle and counters, and its END schedule. */
async function buzzerIn(battleId: string, ms: number): Promise<number> {
  const endsAtMs = Date.now() + ms;
  await api.deps.schedules.remove('END', battleId);
  await db.doc.send(
    new UpdateCommand({
      TableName: db.tableName,
      Key: battleKey(battleId),
      UpdateExpression: 'SET endsAtMs = :e, endsAt = :iso',
      ExpressionAttributeValues: { ':e': endsAtMs, ':iso': new Date(endsAtMs).toISOString() },
    }),
  );
  const { Items } = await db.doc.send(
    new QueryCommand({
      TableName: db.tableName,
      KeyConditionExpression: 'PK = :pk AND begins_with(SK, :sk)',
      ExpressionAttributeValues: { ':pk': battlePartition(battleId), ':sk': SK_PREFIX.battleScore },
    }),
  );
  for (const c of Items ?? [])
    await db.doc.send(
      new UpdateCommand({
        TableName: db.tableName,
        Key: { PK: c.PK, SK: c.SK },
        UpdateExpression: 'SET endsAtMs = :e',
        ExpressionAttributeValues: { ':e': endsAtMs },
      }),
    );
  await api.deps.schedules.create('END', battleId, endsAtMs + SETTINGS.settleMs);
  return endsAtMs;
}

/** Moves a pending invitation's expiry to `ms` from now (battle, both locks, its EXPIRE schedule). */
async function expiryIn(battleId: string, users: User[], ms: number): Promise<number> {
  const at = Date.now() + ms;
  await api.deps.schedules.remove('EXPIRE', battleId);
  await db.doc.send(
    new UpdateCommand({
      TableName: db.tableName,
      Key: battleKey(battleId),
      UpdateExpression: 'SET expiresAtMs = :e, expiresAt = :iso',
      ExpressionAttributeValues: { ':e': at, ':iso': new Date(at).toISOString() },
    }),
  );
  for (const u of users)
    await db.doc.send(
      new UpdateCommand({
        TableName: db.tableName,
        Key: battleLockKey(u.sub),
        UpdateExpression: 'SET busyUntilMs = :e',
        ExpressionAttributeValues: { ':e': at },
      }),
    );
  await api.deps.schedules.create('EXPIRE', battleId, at);
  return at;
}

const battleOf = async (battleId: string) => (await api.gql(null, BATTLE, { b: battleId })).data?.battle as Loose;
const ledgerOf = async (userId: string) =>
  (
    await db.doc.send(
      new QueryCommand({
        TableName: db.tableName,
        ConsistentRead: true,
        KeyConditionExpression: 'PK = :pk AND begins_with(SK, :sk)',
        ExpressionAttributeValues: { ':pk': userPartition(userId), ':sk': SK_PREFIX.ledger },
      }),
    )
  ).Items ?? [];
/** Sends a gift, resending a retryable answer with the same clientGiftId as the web app does. */
async function gift(from: User, channelId: string, giftId: string, count = 1): Promise<Loose> {
  const clientGiftId = randomUUID();
  for (let i = 0; i < 50; i++) {
    const r = await api.gql(from, SEND_GIFT, { i: { channelId, giftId, count, clientGiftId } });
    const e = r.errors?.[0];
    if (!e) return r.data?.sendGift.gift;
    if (e.errorType !== 'CONFLICT' && e.errorInfo?.retryable !== true) throw new Error(`${e.errorType}: ${e.message}`);
    await sleep(Math.random() * 30);
  }
  throw new Error('gift still retryable after 50 tries');
}

describe('invitations', () => {
  it('a live streamer invites another; the invitee sees it; accepting starts the battle on both profiles', async () => {
    const ann = who('ann');
    const bob = who('bob');
    await api.streamer(ann, true);
    await api.streamer(bob, true);
    const inv = await invite(ann, bob);
    expect(inv.errors).toBeUndefined();
    const b = inv.data?.inviteToBattle;
    expect(b).toMatchObject({
      status: 'PENDING',
      durationSeconds: 300,
      inviter: { channelId: ann.sub, handle: ann.handle, score: 0 },
      invitee: { channelId: bob.sub, playbackUrl: `https://play.example/${bob.handle}.m3u8` },
    });
    expect(Date.parse(b.expiresAt) - Date.parse(b.invitedAt)).toBe(30_000);
    expect(api.scheduler.pending()).toContain(`local-battles/battle-expire-${b.battleId}`);

    const mine = await api.gql(bob, `query { myBattleInvitations { ${BATTLE_FIELDS} } }`);
    expect(mine.data?.myBattleInvitations.map((x: Loose) => x.battleId)).toEqual([b.battleId]);
    // The pending invitation is the streamers' own business: a guest sees no current battle yet.
    expect((await api.gql(null, CURRENT, { c: bob.sub })).data?.currentBattle).toBeNull();
    expect((await api.gql(bob, CURRENT, { c: bob.sub })).data?.currentBattle.status).toBe('PENDING');

    const acc = await api.gql(bob, RESPOND, { b: b.battleId, a: true });
    expect(acc.data?.respondToBattle).toMatchObject({ status: 'RUNNING' });
    const started = acc.data?.respondToBattle;
    expect(Date.parse(started.endsAt) - Date.parse(started.startsAt)).toBe(300_000);
    expect(api.scheduler.pending()).toContain(`local-battles/battle-end-${b.battleId}`);
    expect(api.scheduler.pending()).not.toContain(`local-battles/battle-expire-${b.battleId}`);
    const streamer = async (u: User) =>
      (
        await db.doc.send(
          new QueryCommand({
            TableName: db.tableName,
            ConsistentRead: true,
            KeyConditionExpression: 'PK = :pk AND SK = :sk',
            ExpressionAttributeValues: { ':pk': userPartition(u.sub), ':sk': 'PROFILE' },
          }),
        )
      ).Items?.[0];
    expect((await streamer(ann))?.battleId).toBe(b.battleId);
    expect((await streamer(bob))?.battleId).toBe(b.battleId);
    expect((await api.gql(null, CURRENT, { c: ann.sub })).data?.currentBattle).toMatchObject({
      battleId: b.battleId,
      status: 'RUNNING',
      channelId: ann.sub,
    });
    await api.gql(ann, END, { b: b.battleId });
  });

  it('refuses with typed sentences: offline streamers, yourself, unknown handles, bad durations', async () => {
    const ann = who('ann');
    const off = who('off');
    await api.streamer(ann, true);
    await api.streamer(off, false);
    const cases: [Result, string, RegExp][] = [
      [await invite(ann, off), 'CONFLICT', /is not live right now/],
      [await invite(off, ann), 'CONFLICT', /You are not live/],
      [await invite(ann, ann), 'VALIDATION', /cannot battle yourself/],
      [
        await api.gql(ann, INVITE, { i: { opponentHandle: 'nobody_here' } }),
        'NOT_FOUND',
        /No streamer goes by @nobody_here/,
      ],
      [await invite(ann, off, 11), 'VALIDATION', /1 to 10 whole minutes/],
      [await invite(ann, off, 0), 'VALIDATION', /1 to 10 whole minutes/],
    ];
    for (const [r, type, message] of cases) {
      expect(r.errors?.[0]?.errorType).toBe(type);
      expect(r.errors?.[0]?.message).toMatch(message);
    }
  });

  it('a streamer is in at most one battle or invitation: a second invitation either way is refused, and of concurrent ones exactly one wins', async () => {
    const [ann, bob, cat, dan] = [who('ann'), who('bob'), who('cat'), who('dan')];
    for (const u of [ann, bob, cat, dan]) await api.streamer(u, true);
    expect(errorOf(await invite(ann, bob))).toBe('OK');
    const again = await invite(ann, cat);
    expect(again.errors?.[0]).toMatchObject({
      errorType: 'CONFLICT',
      message: 'You are already in a battle or have a pending invitation; finish or cancel it first.',
    });
    const toBusy = await invite(cat, bob);
    expect(toBusy.errors?.[0]).toMatchObject({
      errorType: 'CONFLICT',
      message: `@${bob.handle} is already in a battle or has a pending invitation; try again when it is over.`,
    });

    // cat and dan invite eve at the same moment, ten times each: one invitation exists afterwards.
    const eve = who('eve');
    await api.streamer(eve, true);
    const raced = await Promise.all([...Array(10)].flatMap(() => [invite(cat, eve), invite(dan, eve)]));
    expect(raced.filter((r) => !r.errors).length).toBe(1);
    expect(raced.filter((r) => r.errors).every((r) => r.errors?.[0]?.errorType === 'CONFLICT')).toBe(true);
  });

  it('expires unanswered after its time: the schedule fires, both streamers are free, a late accept is refused', async () => {
    const [ann, bob] = [who('ann'), who('bob')];
    await api.streamer(ann, true);
    await api.streamer(bob, true);
    const b = (await invite(ann, bob)).data?.inviteToBattle;
    const at = await expiryIn(b.battleId, [ann, bob], 800);
    // Refused from the expiry on, before and after the schedule's write.
    await sleep(Math.max(0, at - Date.now()) + 5);
    const late = await api.gql(bob, RESPOND, { b: b.battleId, a: true });
    expect(late.errors?.[0]).toMatchObject({
      errorType: 'CONFLICT',
      message: `This invitation expired; ask @${ann.handle} to invite you again.`,
    });
    // Readers see it expired from its expiry on; the schedule (at the next whole second) writes it.
    expect((await battleOf(b.battleId)).status).toBe('EXPIRED');
    const storedStatus = async () =>
      (
        await db.doc.send(
          new QueryCommand({
            TableName: db.tableName,
            ConsistentRead: true,
            KeyConditionExpression: 'PK = :pk AND SK = :sk',
            ExpressionAttributeValues: { ':pk': battlePartition(b.battleId), ':sk': 'BATTLE' },
          }),
        )
      ).Items?.[0]?.status as string;
    expect(await waitFor(storedStatus, (st) => st === 'EXPIRED')).toBe('EXPIRED');
    await waitFor(
      async () => api.scheduler.pending(),
      (p) => !p.includes(`local-battles/battle-expire-${b.battleId}`),
    );
    expect(api.scheduler.pending()).not.toContain(`local-battles/battle-expire-${b.battleId}`);
    // Both are free again.
    expect(errorOf(await invite(bob, ann))).toBe('OK');
  });

  it("declined and cancelled invitations free both streamers; each answer is the right person's", async () => {
    const [ann, bob] = [who('ann'), who('bob')];
    await api.streamer(ann, true);
    await api.streamer(bob, true);
    const first = (await invite(ann, bob)).data?.inviteToBattle;
    expect((await api.gql(ann, RESPOND, { b: first.battleId, a: true })).errors?.[0]?.errorType).toBe('FORBIDDEN');
    expect((await api.gql(bob, CANCEL, { b: first.battleId })).errors?.[0]?.errorType).toBe('FORBIDDEN');
    expect((await api.gql(bob, RESPOND, { b: first.battleId, a: false })).data?.respondToBattle.status).toBe(
      'DECLINED',
    );
    expect((await api.gql(bob, RESPOND, { b: first.battleId, a: true })).errors?.[0]).toMatchObject({
      errorType: 'CONFLICT',
      message: 'This invitation was already answered (the battle is declined).',
    });
    const second = (await invite(bob, ann)).data?.inviteToBattle;
    expect((await api.gql(bob, CANCEL, { b: second.battleId })).data?.cancelBattleInvitation.status).toBe('CANCELLED');
    expect(errorOf(await invite(ann, bob))).toBe('OK');
  });

  it('accepting needs both streams live', async () => {
    const [ann, bob] = [who('ann'), who('bob')];
    await api.streamer(ann, true);
    await api.streamer(bob, true);
    const b = (await invite(ann, bob)).data?.inviteToBattle;
    await api.goOffline(ann);
    const r = await api.gql(bob, RESPOND, { b: b.battleId, a: true });
    expect(r.errors?.[0]).toMatchObject({
      errorType: 'CONFLICT',
      message: `@${ann.handle} is not live any more; a battle needs both streams live.`,
    });
    expect((await battleOf(b.battleId)).status).toBe('PENDING');
    expect(api.scheduler.pending()).not.toContain(`local-battles/battle-end-${b.battleId}`);
  });
});

describe('scores and the end', () => {
  it("stamps each score change with its gift's acceptance time (not the battle's start), so clients can order copies", async () => {
    const { ann, bob, battleId } = await running();
    const viewer = who('viewer');
    await seedPurchase(db.doc, db.tableName, viewer.sub, 1000);
    const started = await battleOf(battleId);
    expect(started.updatedAt).toBe(started.startsAt);
    await api.fanOut();
    const seen: Loose[] = [];
    const sub = await api.engine.subscribe(
      {
        query: `subscription($c: ID!) { onBattle(channelId: $c) { ${BATTLE_FIELDS} } }`,
        variables: { c: bob.sub },
        auth: { mode: 'AWS_IAM', identity: { username: 'guest' } } as never,
      },
      (result) => seen.push(result.data?.onBattle),
    );
    expect(sub.ok).toBe(true);
    const g1 = await gift(viewer, ann.sub, 'rose');
    await api.fanOut();
    expect(seen.at(-1)).toMatchObject({ updatedAt: g1.sentAt, inviter: { score: 5 }, invitee: { score: 0 } });
    await sleep(5);
    const g2 = await gift(viewer, bob.sub, 'clap');
    await api.fanOut();
    expect(seen.at(-1)).toMatchObject({ updatedAt: g2.sentAt, inviter: { score: 5 }, invitee: { score: 10 } });
    expect(Date.parse(g2.sentAt)).toBeGreaterThan(Date.parse(g1.sentAt));
    expect((await battleOf(battleId)).updatedAt).toBe(g2.sentAt);
    if (sub.ok) sub.unsubscribe();
  });

  it('gifts count for their side in their own transaction, both channels hear every change, the buzzer ends it with the bonus in the ledger', async () => {
    const { ann, bob, battleId } = await running();
    const viewer = who('viewer');
    await seedPurchase(db.doc, db.tableName, viewer.sub, 10_000);
    await api.fanOut();
    const seen: Record<string, Loose[]> = { [ann.sub]: [], [bob.sub]: [] };
    const subs = await Promise.all(
      [ann, bob].map((u) =>
        api.engine.subscribe(
          {
            query: `subscription($c: ID!) { onBattle(channelId: $c) { ${BATTLE_FIELDS} } }`,
            variables: { c: u.sub },
            auth: { mode: 'AWS_IAM', identity: { username: 'guest' } } as never,
          },
          (result) => seen[u.sub]?.push(result.data?.onBattle),
        ),
      ),
    );
    expect(subs.every((s) => s.ok)).toBe(true);

    const g1 = await gift(viewer, ann.sub, 'crown', 3); // 300
    const g2 = await gift(viewer, bob.sub, 'star', 2); // 100
    expect(g1.battleId).toBe(battleId);
    expect(g2.battleId).toBe(battleId);
    await api.fanOut();
    for (const c of [ann.sub, bob.sub]) {
      const last = seen[c]?.at(-1);
      expect(last).toMatchObject({
        battleId,
        channelId: c,
        status: 'RUNNING',
        inviter: { score: 300 },
        invitee: { score: 100 },
      });
    }

    await buzzerIn(battleId, 500);
    const ended = await waitFor(
      () => battleOf(battleId),
      (x) => x.status === 'ENDED',
    );
    expect(ended).toMatchObject({
      status: 'ENDED',
      inviter: { score: 300 },
      invitee: { score: 100 },
      result: { outcome: 'WIN', winnerChannelId: ann.sub, forfeitChannelId: null, bonusCoins: 10 },
    });
    await api.fanOut();
    for (const c of [ann.sub, bob.sub])
      expect(seen[c]?.at(-1)).toMatchObject({ status: 'ENDED', result: { winnerChannelId: ann.sub } });
    for (const s of subs) if (s.ok) s.unsubscribe();

    // The bonus: 10 % of bob's 100 coins = 10 coins = 10 cents into ann's earnings, from the platform's revenue.
    const bonus = (await ledgerOf(ann.sub)).filter((e) => e.kind === 'BATTLE_BONUS');
    expect(bonus).toMatchObject([
      { kind: 'BATTLE_BONUS', amount: 10, bonusCoins: 10, battleId, counterpartyHandle: bob.handle },
    ]);
    expect(
      (await api.gql(ann, 'query { myLedger(limit: 5) { items { kind coins amount counterpartyHandle } } }')).data
        ?.myLedger.items[0],
    ).toEqual({
      kind: 'BATTLE_BONUS',
      coins: 0,
      amount: 10,
      counterpartyHandle: bob.handle,
    });
    // Unlinked, freed, in both histories; the result stays current for 10 s.
    const hist = await api.gql(
      null,
      `query($c: ID!) { battleHistory(channelId: $c) { items { battleId status inviter { score } invitee { score } result { outcome } } nextToken } }`,
      { c: bob.sub },
    );
    expect(hist.data?.battleHistory).toEqual({
      items: [
        { battleId, status: 'ENDED', inviter: { score: 300 }, invitee: { score: 100 }, result: { outcome: 'WIN' } },
      ],
      nextToken: null,
    });
    expect((await api.gql(null, CURRENT, { c: bob.sub })).data?.currentBattle.status).toBe('ENDED');
    const g3 = await gift(viewer, bob.sub, 'heart');
    expect(g3.battleId).toBeNull();
    expect(errorOf(await invite(bob, ann))).toBe('OK');
  });

  it("the buzzer is exact: the gift's own transaction counts it at endsAt − 1 ms and refuses it at endsAt; nothing counts once frozen", async () => {
    const { ann, battleId } = await running();
    const viewer = who('viewer');
    await seedPurchase(db.doc, db.tableName, viewer.sub, 100);
    const endsAtMs = await buzzerIn(battleId, 60_000);
    /** The very transaction giftWrite sends (lib/api/resolvers/lib/gift-write.ts), accepted at `acceptedAtMs`, marshalled by the SDK. */
    const send = async (acceptedAtMs: number): Promise<string> => {
      const id = `gft_${randomUUID().slice(0, 8)}`;
      const sentAt = new Date(acceptedAtMs).toISOString();
      const plan: GiftPlan = {
        clientGiftId: id,
        fingerprint: giftFingerprint({
          kind: 'GIFT',
          channelId: ann.sub,
          giftId: 'clap',
          count: 1,
          coins: 10,
          message: null,
        }),
        event: {
          id,
          channelId: ann.sub,
          streamId: `st-${ann.sub}`,
          kind: 'GIFT',
          giftId: 'clap',
          giftName: 'Applause',
          animation: 'clap',
          count: 1,
          coins: 10,
          message: null,
          senderId: viewer.sub,
          senderHandle: viewer.handle,
          sentAt,
          big: false,
        },
        broadcasterHandle: ann.handle,
        split: splitValue(10, 50),
        sharePercent: 50,
        currency: 'USD',
        answerExpiresAt: Math.floor(Date.now() / 1000) + 3600,
      };
      const items: TransactWriteItem[] = giftTransactItems(
        plan,
        { earnings: '00', streamRevenue: '00', platformRevenue: '00' },
        { battleId, shard: '01', acceptedAtMs },
      ).map((it) => {
        const values = { ...it.update?.expressionValues, ...it.condition?.expressionValues };
        const common = {
          TableName: db.tableName,
          ...(it.condition ? { ConditionExpression: it.condition.expression } : {}),
          ...(it.update?.expressionNames ? { ExpressionAttributeNames: it.update.expressionNames } : {}),
          ...(Object.keys(values).length
            ? { ExpressionAttributeValues: marshall(values, { removeUndefinedValues: true }) }
            : {}),
        };
        return it.operation === 'PutItem'
          ? {
              Put: { ...common, Item: marshall({ ...it.attributeValues, ...it.key }, { removeUndefinedValues: true }) },
            }
          : { Update: { ...common, Key: marshall(it.key), UpdateExpression: it.update?.expression } };
      });
      try {
        await db.client.send(new TransactWriteItemsCommand({ TransactItems: items }));
        return 'counted';
      } catch (error) {
        const reasons = (error as { CancellationReasons?: { Code?: string }[] }).CancellationReasons ?? [];
        return reasons.map((r) => r.Code ?? 'None').join(',');
      }
    };
    const refusedByBattle = [...Array(8).fill('None'), 'ConditionalCheckFailed'].join(',');
    expect(await send(endsAtMs - 1)).toBe('counted');
    expect(await send(endsAtMs)).toBe(refusedByBattle);
    expect(await send(endsAtMs + 1)).toBe(refusedByBattle);
    expect((await battleOf(battleId)).inviter.score).toBe(10);
    await api.gql(ann, END, { b: battleId });
    // The end froze the counters: nothing counts after it, whatever its stamp.
    expect(await send(0)).toBe(refusedByBattle);
    expect(await battleOf(battleId)).toMatchObject({ status: 'ENDED', inviter: { score: 10 }, invitee: { score: 0 } });
  });

  it('200 concurrent gifts in the last second, split across both sides: the final scores are the sum of those accepted before endsAt', async () => {
    const { ann, bob, battleId } = await running();
    const senders = [...Array(200)].map(() => who('fan'));
    for (const s of senders) await seedPurchase(db.doc, db.tableName, s.sub, 1000);
    const endsAtMs = await buzzerIn(battleId, 1500);
    const start = endsAtMs - 1000;
    const gifts = await Promise.all(
      senders.map(async (s, i) => {
        // Spread over the last second and a little after it.
        await sleep(Math.max(0, start + Math.floor((i / senders.length) * 1300) - Date.now()));
        const side = i % 2 === 0 ? ann.sub : bob.sub;
        return { side, gift: await gift(s, side, i % 3 === 0 ? 'clap' : 'rose') };
      }),
    );
    const ended = await waitFor(
      () => battleOf(battleId),
      (x) => x.status === 'ENDED',
    );
    const finalEnds = Date.parse(ended.endsAt);
    expect(finalEnds).toBe(endsAtMs);
    const counted = gifts.filter((g) => g.gift.battleId === battleId);
    // Counted exactly when accepted before the buzzer.
    for (const g of gifts) expect(g.gift.battleId === battleId).toBe(Date.parse(g.gift.sentAt) < endsAtMs);
    // How many land before the buzzer depends on the machine (DynamoDB Local serves a few hundred transactions a second); some must, and some not.
    expect(counted.length).toBeGreaterThan(0);
    expect(counted.length).toBeLessThan(200);
    const sum = (side: string) =>
      counted.filter((g) => g.side === side).reduce((a, g) => a + (g.gift.coins as number), 0);
    expect({ inviter: ended.inviter.score, invitee: ended.invitee.score }).toEqual({
      inviter: sum(ann.sub),
      invitee: sum(bob.sub),
    });
  }, 120_000);

  it('the schedule and a streamer ending at once give one result, one bonus, one history entry per side', async () => {
    const { ann, bob, battleId } = await running();
    const viewer = who('viewer');
    await seedPurchase(db.doc, db.tableName, viewer.sub, 1000);
    await gift(viewer, bob.sub, 'crown'); // bob leads 100 - 0
    await gift(viewer, ann.sub, 'star'); // ann 50
    const endsAtMs = await buzzerIn(battleId, 300);
    await sleep(Math.max(0, endsAtMs - Date.now()));
    const answers = (await Promise.all([
      dispatch(api.deps, { battleSchedule: { action: 'END', battleId } }),
      api.gql(ann, END, { b: battleId }).then((r) => r.data?.endBattle),
      api.gql(bob, END, { b: battleId }).then((r) => r.data?.endBattle),
      dispatch(api.deps, { battleSchedule: { action: 'END', battleId } }),
    ])) as Loose[];
    const results = answers.map((a) =>
      JSON.stringify([
        a.status,
        a.result.outcome,
        a.result.winnerChannelId,
        a.result.forfeitChannelId,
        a.result.bonusCoins,
        a.endedAt,
        a.endsAt,
        a.inviter.score,
        a.invitee.score,
      ]),
    );
    expect(new Set(results).size).toBe(1);
    expect(answers[0].result).toEqual({
      outcome: 'WIN',
      winnerChannelId: bob.sub,
      forfeitChannelId: null,
      bonusCoins: 5,
    });
    await api.scheduler.settled();
    expect((await ledgerOf(bob.sub)).filter((e) => e.kind === 'BATTLE_BONUS')).toHaveLength(1);
    for (const u of [ann, bob]) {
      const h = await db.doc.send(
        new QueryCommand({
          TableName: db.tableName,
          KeyConditionExpression: 'PK = :pk AND begins_with(SK, :sk)',
          ExpressionAttributeValues: { ':pk': userPartition(u.sub), ':sk': SK_PREFIX.battleHistory },
        }),
      );
      expect(h.Items).toHaveLength(1);
    }
  });

  it('a tie is a draw with no bonus', async () => {
    const { ann, bob, battleId } = await running();
    const viewer = who('viewer');
    await seedPurchase(db.doc, db.tableName, viewer.sub, 1000);
    await gift(viewer, ann.sub, 'clap');
    await gift(viewer, bob.sub, 'clap');
    const r = await api.gql(bob, END, { b: battleId });
    expect(r.data?.endBattle).toMatchObject({
      status: 'ENDED',
      inviter: { score: 10 },
      invitee: { score: 10 },
      result: { outcome: 'DRAW', winnerChannelId: null, bonusCoins: 0 },
    });
    expect(
      [...(await ledgerOf(ann.sub)), ...(await ledgerOf(bob.sub))].filter((e) => e.kind === 'BATTLE_BONUS'),
    ).toEqual([]);
  });

  it('a side whose stream ends and is not back within the grace forfeits, whatever the scores (the local Scheduler fires it)', async () => {
    const { ann, bob, battleId } = await running();
    const viewer = who('viewer');
    await seedPurchase(db.doc, db.tableName, viewer.sub, 1000);
    await gift(viewer, ann.sub, 'crown', 2); // ann leads 200 - 0
    await api.fanOut();
    const droppedAt = Date.now();
    await api.goOffline(ann);
    await api.fanOut();
    // Not at once: both audiences are told to wait for @ann, the grace from the drop.
    const waiting = await battleOf(battleId);
    expect(waiting).toMatchObject({ status: 'RUNNING', invitee: { reconnectBy: null } });
    const by = Date.parse(waiting.inviter.reconnectBy);
    expect(by - droppedAt).toBeGreaterThanOrEqual(SETTINGS.reconnectGraceSeconds * 1000 - 50);
    expect(by - droppedAt).toBeLessThanOrEqual(SETTINGS.reconnectGraceSeconds * 1000 + 1000);
    expect(api.scheduler.pending().some((n) => n.startsWith(`local-battles/battle-forfeit-${battleId}-a`))).toBe(true);
    const ended = await waitFor(
      () => battleOf(battleId),
      (x) => x.status === 'ENDED',
    );
    expect(ended).toMatchObject({
      status: 'ENDED',
      inviter: { score: 200, reconnectBy: null },
      result: { outcome: 'WIN', winnerChannelId: bob.sub, forfeitChannelId: ann.sub, bonusCoins: 20 },
    });
    expect(Date.parse(ended.endedAt)).toBeGreaterThanOrEqual(by);
    await api.scheduler.settled();
    expect((await ledgerOf(bob.sub)).filter((e) => e.kind === 'BATTLE_BONUS')).toHaveLength(1);
  });

  it('a stream back within the grace forfeits nothing: the notice and the schedule go, the scores decide at the buzzer', async () => {
    const { ann, battleId } = await running();
    const viewer = who('viewer');
    await seedPurchase(db.doc, db.tableName, viewer.sub, 1000);
    await gift(viewer, ann.sub, 'crown'); // ann leads 100 - 0
    const grace = api.deps.settings;
    // A grace long enough that the return is processed well within it on a loaded machine.
    api.deps.settings = { ...grace, reconnectGraceSeconds: 20 };
    try {
      await api.goOffline(ann);
      await api.fanOut();
      expect((await battleOf(battleId)).inviter.reconnectBy).not.toBeNull();
      await api.goLive(ann);
      await api.fanOut();
    } finally {
      api.deps.settings = grace;
    }
    const back = await battleOf(battleId);
    expect(back).toMatchObject({ status: 'RUNNING', inviter: { reconnectBy: null } });
    expect(api.scheduler.pending().some((n) => n.includes(`battle-forfeit-${battleId}`))).toBe(false);
    await buzzerIn(battleId, 300);
    const ended = await waitFor(
      () => battleOf(battleId),
      (x) => x.status === 'ENDED',
    );
    expect(ended.result).toEqual({ outcome: 'WIN', winnerChannelId: ann.sub, forfeitChannelId: null, bonusCoins: 0 });
  });

  it('a stream back after its deadline does not undo the forfeit', async () => {
    const { ann, bob, battleId } = await running();
    await api.goOffline(bob);
    await api.fanOut();
    const by = Date.parse((await battleOf(battleId)).invitee.reconnectBy);
    await sleep(Math.max(0, by - Date.now() + 20));
    await api.goLive(bob);
    await api.fanOut();
    const ended = await waitFor(
      () => battleOf(battleId),
      (x) => x.status === 'ENDED',
    );
    expect(ended.result).toEqual({
      outcome: 'WIN',
      winnerChannelId: ann.sub,
      forfeitChannelId: bob.sub,
      bonusCoins: 0,
    });
  });

  it('the forfeit schedule, the end schedule and a streamer ending at once give one result: the forfeit', async () => {
    const { ann, bob, battleId } = await running();
    const viewer = who('viewer');
    await seedPurchase(db.doc, db.tableName, viewer.sub, 1000);
    await gift(viewer, ann.sub, 'crown'); // ann leads 100 - 50
    await gift(viewer, bob.sub, 'star');
    await api.goOffline(ann);
    await api.fanOut();
    const by = Date.parse((await battleOf(battleId)).inviter.reconnectBy);
    // The buzzer right after the grace ran out: every finisher finds @ann's deadline passed.
    const endsAtMs = await buzzerIn(battleId, by - Date.now() + 100);
    await sleep(Math.max(0, endsAtMs - Date.now()));
    const answers = (await Promise.all([
      dispatch(api.deps, { battleSchedule: { action: 'FORFEIT', battleId } }),
      dispatch(api.deps, { battleSchedule: { action: 'END', battleId } }),
      api.gql(bob, END, { b: battleId }).then((r) => r.data?.endBattle),
      dispatch(api.deps, { battleSchedule: { action: 'FORFEIT', battleId } }),
    ])) as Loose[];
    const results = answers.map((a) =>
      JSON.stringify([
        a.status,
        a.result.outcome,
        a.result.winnerChannelId,
        a.result.forfeitChannelId,
        a.result.bonusCoins,
        a.endedAt,
        a.endsAt,
        a.inviter.score,
        a.invitee.score,
      ]),
    );
    expect(new Set(results).size).toBe(1);
    expect(answers[0].result).toEqual({
      outcome: 'WIN',
      winnerChannelId: bob.sub,
      forfeitChannelId: ann.sub,
      bonusCoins: 10,
    });
    await api.scheduler.settled();
    expect((await ledgerOf(bob.sub)).filter((e) => e.kind === 'BATTLE_BONUS')).toHaveLength(1);
    expect((await ledgerOf(ann.sub)).filter((e) => e.kind === 'BATTLE_BONUS')).toHaveLength(0);
  });

  it('a forfeit schedule left over from a stream that came back ends nothing', async () => {
    const { battleId } = await running();
    const answer = (await dispatch(api.deps, { battleSchedule: { action: 'FORFEIT', battleId } })) as Loose;
    expect(answer.status).toBe('RUNNING');
    expect((await battleOf(battleId)).status).toBe('RUNNING');
  });
});

describe('authorization: guest, viewer, the invitee, the inviter, another streamer', () => {
  it('answers each battle field as the matrix says; nobody but the battles function publishes, no one writes a score but a gift', async () => {
    const [ann, bob, cat] = [who('ann'), who('bob'), who('cat')];
    const viewer = who('viewer');
    for (const u of [ann, bob, cat]) await api.streamer(u, true);
    type Who = 'guest' | 'viewer' | 'invitee' | 'inviter' | 'other';
    const users: Record<Who, User | null> = { guest: null, viewer, invitee: bob, inviter: ann, other: cat };
    const pending = async () => {
      const r = await invite(ann, bob);
      return r.data?.inviteToBattle.battleId as string;
    };
    const publish = `mutation($i: PublishBattleInput!) { publishBattle(input: $i) { battleId } }`;
    const side = (c: string) => ({ channelId: c, handle: 'x', score: 1_000_000 });
    const rows: [string, (id: string) => [string, Record<string, unknown>], Record<Who, string>][] = [
      [
        'respondToBattle',
        (b) => [RESPOND, { b, a: false }],
        { guest: 'Unauthorized', viewer: 'FORBIDDEN', invitee: 'OK', inviter: 'FORBIDDEN', other: 'FORBIDDEN' },
      ],
      [
        'cancelBattleInvitation',
        (b) => [CANCEL, { b }],
        { guest: 'Unauthorized', viewer: 'FORBIDDEN', invitee: 'FORBIDDEN', inviter: 'OK', other: 'FORBIDDEN' },
      ],
      [
        'publishBattle',
        (b) => [
          publish,
          {
            i: {
              channelId: ann.sub,
              battleId: b,
              status: 'RUNNING',
              inviter: side(ann.sub),
              invitee: side(bob.sub),
              durationSeconds: 60,
              invitedAt: new Date().toISOString(),
              expiresAt: new Date().toISOString(),
            },
          },
        ],
        {
          guest: 'Unauthorized',
          viewer: 'Unauthorized',
          invitee: 'Unauthorized',
          inviter: 'Unauthorized',
          other: 'Unauthorized',
        },
      ],
      [
        'myBattleInvitations',
        () => [`query { myBattleInvitations { battleId } }`, {}],
        { guest: 'Unauthorized', viewer: 'OK', invitee: 'OK', inviter: 'OK', other: 'OK' },
      ],
      [
        'battleCandidates',
        () => [`query { battleCandidates(query: "${bob.handle}") { channelId } }`, {}],
        { guest: 'Unauthorized', viewer: 'OK', invitee: 'OK', inviter: 'OK', other: 'OK' },
      ],
      [
        'currentBattle',
        () => [CURRENT, { c: ann.sub }],
        { guest: 'OK', viewer: 'OK', invitee: 'OK', inviter: 'OK', other: 'OK' },
      ],
      ['battle', (b) => [BATTLE, { b }], { guest: 'OK', viewer: 'OK', invitee: 'OK', inviter: 'OK', other: 'OK' }],
    ];
    const answers: Record<string, Record<string, string>> = {};
    const expected: Record<string, Record<string, string>> = {};
    for (const [field, make, want] of rows) {
      answers[field] = {};
      for (const w of Object.keys(users) as Who[]) {
        const id = await pending();
        const [q, v] = make(id);
        answers[field][w] = errorOf(await api.gql(users[w], q, v));
        // Whatever the row did, the next one starts from a fresh invitation.
        await api.gql(ann, CANCEL, { b: id });
      }
      expected[field] = want;
    }
    expect(answers).toEqual(expected);

    // Ending early: only the two streamers in the battle.
    const { ann: a2, bob: b2, battleId } = await running();
    const enders: [User | null, string][] = [
      [null, 'Unauthorized'],
      [viewer, 'FORBIDDEN'],
      [cat, 'FORBIDDEN'],
    ];
    for (const [u, want] of enders) expect(errorOf(await api.gql(u, END, { b: battleId }))).toBe(want);
    expect((await battleOf(battleId)).status).toBe('RUNNING');
    expect(errorOf(await api.gql(b2, END, { b: battleId }))).toBe('OK');
    expect(errorOf(await api.gql(a2, END, { b: battleId }))).toBe('OK');
    // No score changed through publishBattle: the battle's scores are its counters'.
    expect(await battleOf(battleId)).toMatchObject({ inviter: { score: 0 }, invitee: { score: 0 } });
  });

  it('lists live candidates by handle prefix, and with no query the followed live streamers', async () => {
    const prefix = `zed${Date.now() % 100000}`;
    const me = { sub: `u-${prefix}-me`, handle: `${prefix}me` };
    const live = { sub: `u-${prefix}-a`, handle: `${prefix}a` };
    const off = { sub: `u-${prefix}-b`, handle: `${prefix}b` };
    await api.streamer(me, true);
    await api.streamer(live, true);
    await api.streamer(off, false);
    const byPrefix = await api.gql(
      me,
      'query($q: String) { battleCandidates(query: $q) { channelId handle live followed } }',
      { q: prefix },
    );
    expect(byPrefix.data?.battleCandidates).toEqual([
      { channelId: live.sub, handle: live.handle, live: true, followed: false },
    ]);
    expect((await api.gql(me, 'query { battleCandidates { channelId } }')).data?.battleCandidates).toEqual([]);
  });
});
