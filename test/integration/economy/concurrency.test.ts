/**
 * The gift transaction under concurrency, through the local GraphQL server on DynamoDB Local:
 * one wallet never goes below zero, and a hot stream's sharded revenue adds up to exactly the
 * gifts accepted. Every refusal is final and typed; a retryable CONFLICT is resent with the same
 * clientGiftId as the web app does (untilFinal), never charged twice. Coins are conserved after each test.
 */
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { retried, SEND_GIFT, untilFinal, useEconomyApi, type User } from './harness';
import { seedChannel, seedPurchase } from './seed';

const api = useEconomyApi();
const { db } = api;
const star: User = { sub: 'u-star', handle: 'star' };

describe('concurrent gifts', () => {
  it('a 100-coin wallet and 300 concurrent 1-coin gifts: exactly 100 succeed, balance 0, the rest INSUFFICIENT_COINS', async () => {
    await seedChannel(db.doc, db.tableName, star.sub, star.handle, 'stream-star-1');
    const fan: User = { sub: 'u-fan-100', handle: 'fan100' };
    await seedPurchase(db.doc, db.tableName, fan.sub, 100);
    const results = await Promise.all(
      Array.from({ length: 300 }, (_, i) =>
        untilFinal(() =>
          api.gql(fan, SEND_GIFT, { i: { channelId: star.sub, giftId: 'heart', count: 1, clientGiftId: `w100-${i}` } }),
        ),
      ),
    );
    const ok = results.filter((r) => !r.errors);
    const refused = results.filter((r) => r.errors);
    expect(ok).toHaveLength(100);
    expect(new Set(refused.map((r) => r.errors?.[0]?.errorType))).toEqual(new Set(['INSUFFICIENT_COINS']));
    expect((await api.gql(fan, 'query { myWallet { coins debt } }')).data?.myWallet).toEqual({ coins: 0, debt: 0 });
    expect(new Set(ok.map((r) => r.data?.sendGift.gift.id)).size).toBe(100);
    console.info('300 gifts on one wallet, resent answers:', Object.fromEntries(retried));
    retried.clear();
  }, 600_000);

  it('200 senders gifting one stream at once: its revenue is the sum of the accepted gifts', async () => {
    const senders: User[] = Array.from({ length: 200 }, (_, i) => ({ sub: `u-s${i}`, handle: `sender${i}` }));
    const gifts = ['heart', 'rose', 'clap', 'star'] as const;
    const cost = { heart: 1, rose: 5, clap: 10, star: 50 } as const;
    // Some wallets are short on purpose, so refusals happen under the same load.
    for (const [i, s] of senders.entries()) await seedPurchase(db.doc, db.tableName, s.sub, i % 10 === 0 ? 3 : 200);
    const picks = senders.map((_, i) => ({ giftId: gifts[i % gifts.length] as keyof typeof cost, count: 1 + (i % 3) }));
    const results = await Promise.all(
      senders.map((s, i) =>
        untilFinal(() =>
          api.gql(s, SEND_GIFT, {
            i: { channelId: star.sub, giftId: picks[i]?.giftId, count: picks[i]?.count, clientGiftId: `hot-${i}` },
          }),
        ),
      ),
    );
    let accepted = 0;
    for (const [i, r] of results.entries()) {
      if (r.errors) expect(r.errors[0]?.errorType).toBe('INSUFFICIENT_COINS');
      else accepted += cost[picks[i]!.giftId] * picks[i]!.count;
    }
    expect(results.filter((r) => !r.errors).length).toBeGreaterThan(150);
    const shards = await db.doc.send(
      new QueryCommand({
        TableName: db.tableName,
        KeyConditionExpression: 'PK = :pk AND begins_with(SK, :rev)',
        ExpressionAttributeValues: { ':pk': 'STREAM#stream-star-1', ':rev': 'GIFTREV#' },
      }),
    );
    const revenue = (shards.Items ?? []).reduce((sum, s) => sum + Number(s.coins), 0);
    // The first test's 100 hearts went to the same stream.
    expect(revenue).toBe(accepted + 100);
    expect((shards.Items ?? []).length).toBeGreaterThan(1);
    const top = (await api.gql(null, `query { topGifters(channelId: "${star.sub}") { handle coins } }`)).data
      ?.topGifters as { coins: number }[];
    expect(top).toHaveLength(10);
    expect(top.map((t) => t.coins)).toEqual([...top.map((t) => t.coins)].sort((a, b) => b - a));
    expect(top[0]?.coins).toBe(150);
    console.info('200 senders on one stream, resent answers:', Object.fromEntries(retried));
  }, 600_000);
});
