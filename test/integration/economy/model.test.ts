/**
 * Model test (fast-check) against the real resolvers on DynamoDB Local: random sequences of
 * purchases, gifts, tips, retries, refunds, payout requests, admin decisions and tier changes; after
 * each sequence every wallet and earnings balance equals a plain in-memory model of the rules, and
 * the conservation checker finds every coin accounted for.
 */
import fc from 'fast-check';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { ADMINS_GROUP, splitValue } from '../../../lambdas/shared/domain/economy';
import { FC_SEED } from '../../support/fast-check';
import { assertConservation } from './conservation';
import {
  DECIDE_PAYOUT,
  EARNINGS,
  ECONOMY,
  REQUEST_PAYOUT,
  SEND_GIFT,
  SEND_TIP,
  SET_TIER,
  untilFinal,
  useEconomyApi,
  type Loose,
  type User,
} from './harness';
import { seedAccount, seedChannel, seedPurchase, seedRefund } from './seed';

const api = useEconomyApi();
const { db } = api;
const admin: User = { sub: 'u-admin', handle: 'ada', groups: [ADMINS_GROUP] };
const COST: Record<string, number> = Object.fromEntries(ECONOMY.gifts.map((g) => [g.id, g.coins]));

type Op =
  | { op: 'purchase'; user: number; coins: number }
  | { op: 'gift'; user: number; to: number; giftId: string; count: number }
  | { op: 'tip'; user: number; to: number; coins: number }
  | { op: 'retry' }
  | { op: 'refund'; user: number; coins: number }
  | { op: 'request'; to: number }
  | { op: 'decide'; paid: boolean }
  | { op: 'tier'; to: number; premium: boolean };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    arbitrary: fc.record({
      op: fc.constant('purchase' as const),
      user: fc.nat(2),
      coins: fc.integer({ min: 100, max: 3000 }),
    }),
    weight: 3,
  },
  {
    arbitrary: fc.record({
      op: fc.constant('gift' as const),
      user: fc.nat(2),
      to: fc.nat(1),
      giftId: fc.constantFrom('heart', 'rose', 'star', 'rocket', 'castle'),
      count: fc.integer({ min: 1, max: 3 }),
    }),
    weight: 5,
  },
  {
    arbitrary: fc.record({
      op: fc.constant('tip' as const),
      user: fc.nat(2),
      to: fc.nat(1),
      coins: fc.integer({ min: 1, max: 999 }),
    }),
    weight: 2,
  },
  { arbitrary: fc.constant({ op: 'retry' as const }), weight: 1 },
  {
    arbitrary: fc.record({
      op: fc.constant('refund' as const),
      user: fc.nat(2),
      coins: fc.integer({ min: 50, max: 2000 }),
    }),
    weight: 1,
  },
  { arbitrary: fc.record({ op: fc.constant('request' as const), to: fc.nat(1) }), weight: 2 },
  { arbitrary: fc.record({ op: fc.constant('decide' as const), paid: fc.boolean() }), weight: 2 },
  { arbitrary: fc.record({ op: fc.constant('tier' as const), to: fc.nat(1), premium: fc.boolean() }), weight: 1 },
);

let run = 0;

describe('economy model', () => {
  it('every sequence of operations leaves wallets and earnings as the model says, and coins conserved', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 5, maxLength: 25 }), async (ops) => {
        run++;
        const viewers: User[] = [0, 1, 2].map((i) => ({ sub: `m${run}-v${i}`, handle: `m${run}v${i}` }));
        const casters: User[] = [0, 1].map((i) => ({ sub: `m${run}-b${i}`, handle: `m${run}b${i}` }));
        for (const b of casters) {
          await seedAccount(db.doc, db.tableName, b.sub, b.handle);
          await seedChannel(db.doc, db.tableName, b.sub, b.handle, `m${run}-stream-${b.sub}`);
        }
        const wallet = viewers.map(() => ({ coins: 0, debt: 0, bought: 0 }));
        const earn = casters.map(() => ({ earned: 0, reserved: 0, paid: 0, premium: false }));
        const queue: { payoutId: string; to: number; amount: number }[] = [];
        let last: { user: number; vars: Record<string, unknown>; answer: Loose; tip: boolean } | undefined;

        for (const [k, o] of ops.entries()) {
          if (o.op === 'purchase') {
            await seedPurchase(db.doc, db.tableName, viewers[o.user]!.sub, o.coins);
            wallet[o.user]!.coins += o.coins;
            wallet[o.user]!.bought += o.coins;
          } else if (o.op === 'gift' || o.op === 'tip') {
            const cost = o.op === 'gift' ? COST[o.giftId]! * o.count : o.coins;
            const vars =
              o.op === 'gift'
                ? {
                    i: {
                      channelId: casters[o.to]!.sub,
                      giftId: o.giftId,
                      count: o.count,
                      clientGiftId: `m${run}-${k}`,
                    },
                  }
                : { i: { channelId: casters[o.to]!.sub, coins: o.coins, message: null, clientGiftId: `m${run}-${k}` } };
            const r = await untilFinal(() => api.gql(viewers[o.user]!, o.op === 'gift' ? SEND_GIFT : SEND_TIP, vars));
            const w = wallet[o.user]!;
            const expected = w.debt > 0 ? 'COINS_IN_DEBT' : w.coins < cost ? 'INSUFFICIENT_COINS' : 'OK';
            expect(r.errors?.[0]?.errorType ?? 'OK').toBe(expected);
            if (expected === 'OK') {
              w.coins -= cost;
              const e = earn[o.to]!;
              e.earned += splitValue(
                cost * ECONOMY.coinValueMinor,
                e.premium ? ECONOMY.premiumSharePercent : ECONOMY.standardSharePercent,
              ).broadcasterMinor;
              last = {
                user: o.user,
                vars,
                answer: o.op === 'gift' ? r.data?.sendGift.gift : r.data?.sendTip.gift,
                tip: o.op === 'tip',
              };
            }
          } else if (o.op === 'retry' && last) {
            const r = await untilFinal(() =>
              api.gql(viewers[last!.user]!, last!.tip ? SEND_TIP : SEND_GIFT, last!.vars),
            );
            expect(last.tip ? r.data?.sendTip.gift : r.data?.sendGift.gift).toEqual(last.answer);
          } else if (o.op === 'refund') {
            const w = wallet[o.user]!;
            const coins = Math.min(o.coins, w.bought);
            if (coins > 0) {
              const item = (
                await db.doc.send(
                  new GetCommand({
                    TableName: db.tableName,
                    Key: { PK: `USER#${viewers[o.user]!.sub}`, SK: 'WALLET' },
                  }),
                )
              ).Item as Loose;
              await seedRefund(db.doc, db.tableName, viewers[o.user]!.sub, coins, {
                coins: item.coins,
                debt: item.debt,
                version: item.version,
              });
              const taken = Math.min(w.coins, coins);
              w.coins -= taken;
              w.debt += coins - taken;
              w.bought -= coins;
            }
          } else if (o.op === 'request') {
            const e = earn[o.to]!;
            const available = e.earned - e.reserved - e.paid;
            const r = await untilFinal(() => api.gql(casters[o.to]!, REQUEST_PAYOUT, { c: `m${run}-${k}` }));
            expect(r.errors?.[0]?.errorType ?? 'OK').toBe(
              available >= ECONOMY.minimumPayoutMinor ? 'OK' : 'BELOW_MINIMUM_PAYOUT',
            );
            if (!r.errors) {
              expect(r.data?.requestPayout.amount).toBe(available);
              e.reserved += available;
              queue.push({ payoutId: r.data?.requestPayout.payoutId as string, to: o.to, amount: available });
            }
          } else if (o.op === 'decide' && queue.length) {
            const p = queue.shift()!;
            const r = await untilFinal(() =>
              api.gql(admin, DECIDE_PAYOUT, {
                p: p.payoutId,
                d: o.paid ? 'PAID' : 'REJECTED',
                r: o.paid ? null : 'Checked: not eligible',
              }),
            );
            expect(r.errors).toBeUndefined();
            earn[p.to]!.reserved -= p.amount;
            if (o.paid) earn[p.to]!.paid += p.amount;
          } else if (o.op === 'tier') {
            const r = await api.gql(admin, SET_TIER, { u: casters[o.to]!.sub, t: o.premium ? 'PREMIUM' : 'STANDARD' });
            expect(r.errors).toBeUndefined();
            earn[o.to]!.premium = o.premium;
          }
        }

        for (const [i, v] of viewers.entries()) {
          const w = (await api.gql(v, 'query { myWallet { coins debt } }')).data?.myWallet;
          expect(w).toEqual({ coins: wallet[i]!.coins, debt: wallet[i]!.debt });
        }
        for (const [i, b] of casters.entries()) {
          const e = (await api.gql(b, EARNINGS)).data?.myEarnings;
          const m = earn[i]!;
          expect(e).toMatchObject({
            availableAmount: m.earned - m.reserved - m.paid,
            reservedAmount: m.reserved,
            paidAmount: m.paid,
            tier: m.premium ? 'PREMIUM' : 'STANDARD',
          });
        }
        await assertConservation(db.doc, db.tableName, ECONOMY.coinValueMinor);
      }),
      { seed: FC_SEED, numRuns: Number(process.env.FC_RUNS_ECONOMY ?? 8), endOnFailure: true },
    );
  });
});
