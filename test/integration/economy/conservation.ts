/**
 * The economy's conservation checker (issue 15; every economy test calls it after it runs, and so
 * may wt/stripe's and the e2e tests): reads the whole table (consistent scan) and checks that every
 * coin is accounted for, in minor units:
 *
 *   Σ wallets − Σ debts + unpaid earnings + platform revenue + paid out = (coins sold − coins refunded) × coin value
 *
 * where coins sold/refunded are the PURCHASE/REFUND ledger entries (ECON-CONTRACT.md), unpaid
 * earnings = Σ earnings shards − paid out. Besides the sum it checks what makes the sum meaningful:
 * no wallet, debt or reservation below zero, each wallet equal to its own ledger, reservations and
 * payments equal to the payout records, each stream's revenue equal to the gifts sent to it, and
 * the split of every gift received adding up to the platform's revenue.
 *
 * A PK battle's bonus (BATTLE_BONUS on the winner's ledger, docs/battles.md) moves money from the
 * platform's revenue into the winner's earnings: earnings shards = gifts' shares + bonuses, and
 * platform revenue = gifts' platform shares − bonuses.
 */
import { ScanCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

type Item = Record<string, unknown>;
const num = (v: unknown): number => (typeof v === 'number' ? v : 0);

/** The totals the checker found, in minor units unless named in coins. */
export interface ConservationReport {
  walletsCoins: number;
  debtsCoins: number;
  soldCoins: number;
  refundedCoins: number;
  earnedMinor: number;
  paidMinor: number;
  reservedMinor: number;
  platformMinor: number;
  /** Left side of the identity. */
  heldMinor: number;
  /** Right side: (sold − refunded) × coin value. */
  inMinor: number;
  violations: string[];
}

async function scanAll(doc: DynamoDBDocumentClient, table: string): Promise<Item[]> {
  const items: Item[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const out = await doc.send(new ScanCommand({ TableName: table, ConsistentRead: true, ExclusiveStartKey: start }));
    items.push(...((out.Items ?? []) as Item[]));
    start = out.LastEvaluatedKey;
  } while (start);
  return items;
}

const add = (map: Map<string, number>, key: string, n: number) => map.set(key, (map.get(key) ?? 0) + n);

/** Checks the table; the report lists every violation found (none: `violations` is empty). */
export async function checkConservation(
  doc: DynamoDBDocumentClient,
  table: string,
  coinValueMinor: number,
): Promise<ConservationReport> {
  const items = await scanAll(doc, table);
  const violations: string[] = [];
  const r = {
    walletsCoins: 0,
    debtsCoins: 0,
    soldCoins: 0,
    refundedCoins: 0,
    earnedMinor: 0,
    paidMinor: 0,
    reservedMinor: 0,
    platformMinor: 0,
  };
  const walletLedger = new Map<string, number>();
  const wallets = new Map<string, Item>();
  const earnedByUser = new Map<string, number>();
  const accounts = new Map<string, Item>();
  const requestedByUser = new Map<string, number>();
  const paidByUser = new Map<string, number>();
  const streamRevenue = new Map<string, number>();
  const streamGifts = new Map<string, number>();
  let receivedMinor = 0;
  let receivedValueMinor = 0;
  let bonusMinor = 0;

  for (const item of items) {
    const pk = String(item.PK);
    const sk = String(item.SK);
    const user = pk.startsWith('USER#') ? pk.slice(5) : '';
    if (user && sk === 'WALLET') {
      wallets.set(user, item);
      r.walletsCoins += num(item.coins);
      r.debtsCoins += num(item.debt);
      if (num(item.coins) < 0) violations.push(`wallet of ${user} below zero: ${num(item.coins)}`);
      if (num(item.debt) < 0) violations.push(`debt of ${user} below zero: ${num(item.debt)}`);
    } else if (user && sk.startsWith('LEDGER#')) {
      const kind = String(item.kind);
      if (kind === 'PURCHASE') r.soldCoins += num(item.coins);
      if (kind === 'REFUND') r.refundedCoins -= num(item.coins);
      if (kind === 'PURCHASE' || kind === 'REFUND' || kind === 'GIFT_SENT' || kind === 'TIP_SENT')
        add(walletLedger, user, num(item.coins));
      if (kind === 'GIFT_SENT' || kind === 'TIP_SENT')
        add(streamGifts, String((item.gift as Item | undefined)?.streamId), -num(item.coins));
      if (kind === 'GIFT_RECEIVED' || kind === 'TIP_RECEIVED') {
        receivedMinor += num(item.amount);
        receivedValueMinor += num(item.valueAmount);
        if (num(item.valueAmount) !== num(item.coins) * coinValueMinor)
          violations.push(`gift ${String(item.txId)}: value ${num(item.valueAmount)} is not ${num(item.coins)} coins`);
      }
      if (kind === 'BATTLE_BONUS') {
        bonusMinor += num(item.amount);
        if (num(item.amount) !== num(item.bonusCoins) * coinValueMinor)
          violations.push(`bonus ${String(item.battleId)}: ${num(item.amount)} is not ${num(item.bonusCoins)} coins`);
      }
    } else if (user && sk === 'EARNINGS') {
      accounts.set(user, item);
      r.paidMinor += num(item.paidMinor);
      r.reservedMinor += num(item.reservedMinor);
    } else if (user && sk.startsWith('EARNINGS#')) {
      r.earnedMinor += num(item.earnedMinor);
      add(earnedByUser, user, num(item.earnedMinor));
    } else if (pk === 'PLATFORM#REVENUE') {
      r.platformMinor += num(item.revenueMinor);
    } else if (pk.startsWith('STREAM#') && sk.startsWith('GIFTREV#')) {
      add(streamRevenue, pk.slice(7), num(item.coins));
    } else if (pk.startsWith('PAYOUT#') && sk === 'PAYOUT') {
      if (item.status === 'REQUESTED') add(requestedByUser, String(item.userId), num(item.amountMinor));
      if (item.status === 'PAID') add(paidByUser, String(item.userId), num(item.amountMinor));
    }
  }

  for (const [user, ledgerCoins] of walletLedger) {
    const w = wallets.get(user);
    const held = num(w?.coins) - num(w?.debt);
    if (held !== ledgerCoins)
      violations.push(`wallet of ${user}: coins − debt = ${held}, its ledger says ${ledgerCoins}`);
  }
  for (const [user, w] of wallets)
    if (!walletLedger.has(user) && (num(w.coins) || num(w.debt)))
      violations.push(`wallet of ${user} holds coins no ledger entry explains`);
  for (const user of new Set([
    ...accounts.keys(),
    ...earnedByUser.keys(),
    ...requestedByUser.keys(),
    ...paidByUser.keys(),
  ])) {
    const a = accounts.get(user);
    const earned = earnedByUser.get(user) ?? 0;
    const reserved = num(a?.reservedMinor);
    const paid = num(a?.paidMinor);
    if (reserved < 0) violations.push(`reservation of ${user} below zero: ${reserved}`);
    if (reserved + paid > earned)
      violations.push(`${user} has ${reserved} reserved + ${paid} paid of ${earned} earned`);
    if (reserved !== (requestedByUser.get(user) ?? 0))
      violations.push(`${user}: reserved ${reserved}, requested payouts ${requestedByUser.get(user) ?? 0}`);
    if (paid !== (paidByUser.get(user) ?? 0))
      violations.push(`${user}: paid ${paid}, paid payouts ${paidByUser.get(user) ?? 0}`);
  }
  for (const stream of new Set([...streamRevenue.keys(), ...streamGifts.keys()])) {
    if ((streamRevenue.get(stream) ?? 0) !== (streamGifts.get(stream) ?? 0)) {
      violations.push(
        `stream ${stream}: revenue ${streamRevenue.get(stream) ?? 0} coins, gifts sent ${streamGifts.get(stream) ?? 0}`,
      );
    }
  }
  if (receivedMinor + bonusMinor !== r.earnedMinor)
    violations.push(
      `earnings shards hold ${r.earnedMinor}, gifts received ${receivedMinor} + battle bonuses ${bonusMinor}`,
    );
  if (receivedValueMinor - receivedMinor - bonusMinor !== r.platformMinor) {
    violations.push(
      `platform revenue ${r.platformMinor}, gifts' platform shares ${receivedValueMinor - receivedMinor} − battle bonuses ${bonusMinor}`,
    );
  }

  const heldMinor =
    (r.walletsCoins - r.debtsCoins) * coinValueMinor + (r.earnedMinor - r.paidMinor) + r.platformMinor + r.paidMinor;
  const inMinor = (r.soldCoins - r.refundedCoins) * coinValueMinor;
  if (heldMinor !== inMinor) {
    violations.push(
      `conservation: wallets − debts + earnings + platform + paid out = ${heldMinor}, sold − refunded = ${inMinor}`,
    );
  }
  return { ...r, heldMinor, inMinor, violations };
}

/** Throws with every violation when the table does not conserve coins; answers the report otherwise. */
export async function assertConservation(
  doc: DynamoDBDocumentClient,
  table: string,
  coinValueMinor: number,
): Promise<ConservationReport> {
  const report = await checkConservation(doc, table, coinValueMinor);
  if (report.violations.length) throw new Error(`Coins are not conserved:\n- ${report.violations.join('\n- ')}`);
  return report;
}
