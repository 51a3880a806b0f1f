/**
 * Coin movements from Stripe's events, each ONE TransactWriteItems: the checkout or payment record
 * whose condition makes it happen once (the idempotency record), the wallet update, and the ledger
 * entries. Order-independent: a completion and its refunds may arrive in any order and any number
 * of times; the payment item `PAYMENT#<paymentIntentId>` keeps the cumulative refunded/disputed
 * amounts and the coins already taken back, so each delivery only applies what is still missing.
 */
import { randomUUID } from 'node:crypto';
import { GetCommand, TransactWriteCommand, UpdateCommand, type TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import { ddb } from '../shared/clients';
import { ENV, requireEnv } from '../shared/env';
import {
  applyClawback,
  applyCredit,
  awaitsCredit,
  closesAs,
  coinsReversed,
  findPack,
  processingFrom,
  PURCHASE_STATUSES,
  purchaseStatus,
  reversedAmount,
  type ClosedUnpaid,
  type CoinPack,
  type PurchaseStatus,
} from '../shared/domain/coins';
import { checkoutKey, coinPaymentKey, coinPurchaseIndexKey, ledgerKey, walletKey } from '../shared/domain/keys';

type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

/** A paid Checkout Session, as the webhook read it from Stripe's event. */
export interface PaidSession {
  sessionId: string;
  paymentIntentId: string | null;
  /** From client_reference_id / metadata: used only when no checkout item exists (its put failed after Stripe created the session). */
  userId: string | null;
  packId: string | null;
  amountTotal: number | null;
  currency: string | null;
}

/** Money taken back from a payment: Stripe's cumulative refunded amount, or a dispute's amount. */
export interface Reversal {
  paymentIntentId: string;
  /** What the charge was for (minor units). */
  chargeAmount: number;
  currency: string;
  refunded?: number;
  disputed?: number;
}

export type Outcome =
  /** Coins credited (net of reversals that arrived first) or taken back. */
  | { status: 'APPLIED'; userId: string; coins: number }
  /** Already applied by an earlier delivery. */
  | { status: 'DUPLICATE' }
  /** A reversal that arrived before its completion: kept for the completion to net out. */
  | { status: 'RECORDED' }
  /** An open checkout closed unpaid (EXPIRED or FAILED): nothing credited. */
  | { status: 'CLOSED'; checkout: ClosedUnpaid }
  /** A completed checkout whose delayed payment (a bank debit) waits for the bank: nothing credited yet. */
  | { status: 'PROCESSING' }
  /** Not one of this platform's purchases. */
  | { status: 'IGNORED'; reason: string };

interface CheckoutItem {
  userId: string;
  packId: string;
  coins: number;
  amount: number;
  currency: string;
  status: PurchaseStatus;
  createdAt: string;
}
interface PaymentItem {
  version: number;
  sessionId?: string;
  userId?: string;
  coins?: number;
  amount?: number;
  currency?: string;
  refundedAmount?: number;
  disputedAmount?: number;
  clawedCoins?: number;
}
interface WalletItem {
  coins?: number;
  debt?: number;
}

/** Attempts before giving up on a contended wallet (Stripe retries the delivery later anyway). */
const MAX_ATTEMPTS = 8;

const table = () => requireEnv(ENV.TABLE_NAME);
const txId = () => `ctx_${randomUUID().replace(/-/g, '')}`;

async function get<T>(key: Record<string, string>): Promise<T | undefined> {
  const { Item } = await ddb.send(new GetCommand({ TableName: table(), Key: key, ConsistentRead: true }));
  return Item as T | undefined;
}

/** Whether a transaction failed on a condition or a conflict (re-read and try again), not on anything else. */
function retryable(error: unknown): boolean {
  const name = (error as { name?: string }).name;
  return (
    name === 'TransactionCanceledException' ||
    name === 'TransactionConflictException' ||
    name === 'ConditionalCheckFailedException'
  );
}

async function transact(items: TransactItem[], attempt: number): Promise<boolean> {
  try {
    await ddb.send(new TransactWriteCommand({ TransactItems: items }));
    return true;
  } catch (error) {
    if (!retryable(error) || attempt === MAX_ATTEMPTS - 1) throw error;
    // Contention on one wallet: back off a little, with jitter, then re-read.
    await new Promise((r) => setTimeout(r, 10 * 2 ** attempt + Math.random() * 20));
    return false;
  }
}

/** The wallet update that adds `coinsDelta` and sets debt from `debtBefore` to `debtAfter`, only if nobody changed debt meanwhile. */
function walletUpdate(
  userId: string,
  coinsDelta: number,
  debtBefore: number,
  debtAfter: number,
  at: string,
  minCoins = 0,
): TransactItem {
  const debtUnchanged = debtBefore === 0 ? '(attribute_not_exists(debt) OR debt = :debtBefore)' : 'debt = :debtBefore';
  // A clawback takes coins the wallet holds: gifts may spend them meanwhile, so the condition re-checks.
  const enough = minCoins > 0 ? ' AND coins >= :minCoins' : '';
  return {
    Update: {
      TableName: table(),
      Key: walletKey(userId),
      UpdateExpression: 'SET debt = :debtAfter, updatedAt = :at ADD coins :delta, version :one',
      ConditionExpression: `${debtUnchanged}${enough}`,
      ExpressionAttributeValues: {
        ':debtBefore': debtBefore,
        ':debtAfter': debtAfter,
        ':delta': coinsDelta,
        ':one': 1,
        ':at': at,
        ...(minCoins > 0 ? { ':minCoins': minCoins } : {}),
      },
    },
  };
}

function ledgerPut(userId: string, at: string, entry: Record<string, unknown>): TransactItem {
  const id = txId();
  return {
    Put: {
      TableName: table(),
      Item: { ...ledgerKey(userId, at, id), type: 'LedgerEntry', txId: id, userId, createdAt: at, ...entry },
    },
  };
}

function paymentCondition(payment: PaymentItem | undefined): {
  ConditionExpression: string;
  ExpressionAttributeValues?: Record<string, unknown>;
} {
  return payment
    ? { ConditionExpression: 'version = :version', ExpressionAttributeValues: { ':version': payment.version } }
    : { ConditionExpression: 'attribute_not_exists(PK)' };
}

/**
 * Credits a paid checkout once: OPEN or PROCESSING → PAID (or REFUNDED when reversals that came
 * first took it all back), the pack's coins less those reversals onto the wallet, debt settled
 * first. A checkout closed unpaid (EXPIRED, FAILED) that Stripe then reports paid is credited too
 * (awaitsCredit).
 */
export async function creditCheckout(
  session: PaidSession,
  packs: readonly CoinPack[],
  now: () => Date = () => new Date(),
): Promise<Outcome> {
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const checkout = await get<CheckoutItem>(checkoutKey(session.sessionId));
    if (checkout && !awaitsCredit(checkout.status)) return { status: 'DUPLICATE' };
    const purchase = checkout ?? fromMetadata(session, packs);
    if (!purchase) return { status: 'IGNORED', reason: 'no checkout item and no pack in the metadata' };
    const pi = session.paymentIntentId;
    const [payment, wallet] = await Promise.all([
      pi ? get<PaymentItem>(coinPaymentKey(pi)) : Promise.resolve(undefined),
      get<WalletItem>(walletKey(purchase.userId)),
    ]);
    const at = now().toISOString();
    const reversed = reversedAmount(purchase.amount, payment?.refundedAmount ?? 0, payment?.disputedAmount ?? 0);
    const clawed = coinsReversed(purchase.coins, purchase.amount, reversed);
    const net = purchase.coins - clawed;
    const balance = { coins: wallet?.coins ?? 0, debt: wallet?.debt ?? 0 };
    const credit = applyCredit(balance, net);
    const items: TransactItem[] = [
      {
        Put: {
          TableName: table(),
          Item: {
            ...checkoutKey(session.sessionId),
            ...coinPurchaseIndexKey(purchase.userId, purchase.createdAt, session.sessionId),
            type: 'CoinCheckout',
            sessionId: session.sessionId,
            userId: purchase.userId,
            packId: purchase.packId,
            coins: purchase.coins,
            amount: purchase.amount,
            currency: purchase.currency,
            createdAt: purchase.createdAt,
            status: purchaseStatus(purchase.amount, reversed),
            paidAt: at,
            refundedAmount: reversed,
            coinsCredited: net,
            ...(pi ? { paymentIntentId: pi } : {}),
          },
          // The idempotency record: only a checkout never credited (or never recorded) is credited.
          ConditionExpression: 'attribute_not_exists(PK) OR #status IN (:open, :processing, :expired, :failed)',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':open': 'OPEN',
            ':processing': 'PROCESSING',
            ':expired': 'EXPIRED',
            ':failed': 'FAILED',
          },
        },
      },
      walletUpdate(purchase.userId, credit.added, balance.debt, credit.after.debt, at),
      ledgerPut(purchase.userId, at, {
        kind: 'PURCHASE',
        coins: purchase.coins,
        amount: purchase.amount,
        currency: purchase.currency,
        sessionId: session.sessionId,
        packId: purchase.packId,
        debtSettled: credit.settled,
      }),
    ];
    if (clawed > 0) {
      items.push(
        ledgerPut(purchase.userId, at, {
          kind: 'REFUND',
          coins: -clawed,
          amount: reversed,
          currency: purchase.currency,
          sessionId: session.sessionId,
          debtAdded: 0,
        }),
      );
    }
    if (pi) {
      const { ConditionExpression, ExpressionAttributeValues } = paymentCondition(payment);
      items.push({
        Put: {
          TableName: table(),
          Item: {
            ...coinPaymentKey(pi),
            type: 'CoinPayment',
            paymentIntentId: pi,
            sessionId: session.sessionId,
            userId: purchase.userId,
            coins: purchase.coins,
            amount: purchase.amount,
            currency: purchase.currency,
            refundedAmount: payment?.refundedAmount ?? 0,
            disputedAmount: payment?.disputedAmount ?? 0,
            clawedCoins: clawed,
            version: (payment?.version ?? 0) + 1,
            completedAt: at,
          },
          ConditionExpression,
          ...(ExpressionAttributeValues ? { ExpressionAttributeValues } : {}),
        },
      });
    }
    if (await transact(items, attempt)) return { status: 'APPLIED', userId: purchase.userId, coins: net };
  }
  throw new Error('unreachable: transact throws on its last attempt');
}

/**
 * Closes a checkout that will never be paid: its session expired (`checkout.session.expired`) or
 * its delayed payment failed (`checkout.session.async_payment_failed`). One conditional write from
 * the statuses `closesAs` allows (OPEN; PROCESSING too for a failure) to `status`; nothing is
 * credited. A checkout already paid, already closed, or never recorded (its put failed after
 * Stripe created the session: the buyer saw an error) is left as it is.
 */
export async function closeCheckout(
  sessionId: string,
  status: ClosedUnpaid,
  now: () => Date = () => new Date(),
): Promise<Outcome> {
  return moveCheckout(sessionId, {
    from: PURCHASE_STATUSES.filter((s) => closesAs(s, status)),
    to: status,
    stamp: 'closedAt',
    at: now().toISOString(),
    moved: { status: 'CLOSED', checkout: status },
  });
}

/**
 * Records that a completed checkout's delayed payment (a bank debit: `checkout.session.completed`
 * with `payment_status: 'unpaid'`) waits for the bank: OPEN → PROCESSING, with the PaymentIntent,
 * and no coins. `checkout.session.async_payment_succeeded` credits it later, `..._failed` closes it
 * FAILED; if either arrived first, the checkout is past OPEN and stays where it is.
 */
export async function markProcessing(
  sessionId: string,
  paymentIntentId: string | null,
  now: () => Date = () => new Date(),
): Promise<Outcome> {
  return moveCheckout(sessionId, {
    from: PURCHASE_STATUSES.filter((s) => processingFrom(s) !== null),
    to: 'PROCESSING',
    stamp: 'processingAt',
    at: now().toISOString(),
    paymentIntentId,
    moved: { status: 'PROCESSING' },
  });
}

interface Move {
  /** The statuses the checkout may be in. */
  from: readonly PurchaseStatus[];
  to: PurchaseStatus;
  /** The attribute that records when. */
  stamp: 'closedAt' | 'processingAt';
  at: string;
  paymentIntentId?: string | null;
  /** The outcome when the checkout moved. */
  moved: Outcome;
}

/**
 * One conditional write of a checkout's status from one of `from` to `to`, no coins moved; the
 * same move delivered again answers DUPLICATE, a checkout elsewhere (or never recorded) IGNORED.
 */
async function moveCheckout(sessionId: string, move: Move): Promise<Outcome> {
  const from = Object.fromEntries(move.from.map((s, i) => [`:from${i}`, s]));
  const pi = move.paymentIntentId;
  try {
    await ddb.send(
      new UpdateCommand({
        TableName: table(),
        Key: checkoutKey(sessionId),
        UpdateExpression: `SET #status = :status, ${move.stamp} = :at${pi ? ', paymentIntentId = :pi' : ''}`,
        ConditionExpression: `attribute_exists(PK) AND #status IN (${Object.keys(from).join(', ')})`,
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':status': move.to, ':at': move.at, ...from, ...(pi ? { ':pi': pi } : {}) },
      }),
    );
    return move.moved;
  } catch (error) {
    if ((error as { name?: string }).name !== 'ConditionalCheckFailedException') throw error;
    const checkout = await get<CheckoutItem>(checkoutKey(sessionId));
    if (checkout?.status === move.to) return { status: 'DUPLICATE' };
    return {
      status: 'IGNORED',
      reason: checkout ? `checkout is ${checkout.status}` : 'no checkout recorded for the session',
    };
  }
}

/** The purchase from the session's metadata when its checkout item is missing (the price must be the pack's). */
function fromMetadata(session: PaidSession, packs: readonly CoinPack[]): CheckoutItem | undefined {
  const pack = session.packId ? findPack(packs, session.packId) : undefined;
  if (
    !pack ||
    !session.userId ||
    session.amountTotal !== pack.amount ||
    session.currency?.toUpperCase() !== pack.currency
  )
    return undefined;
  return {
    userId: session.userId,
    packId: pack.id,
    coins: pack.coins,
    amount: pack.amount,
    currency: pack.currency,
    status: 'OPEN',
    createdAt: new Date().toISOString(),
  };
}

/**
 * Takes back the coins of a refund or dispute once, never below zero: the wallet gives what it
 * holds and the shortfall becomes debt. Before the completion arrives, the amounts are only recorded.
 */
export async function reverseCoins(reversal: Reversal, now: () => Date = () => new Date()): Promise<Outcome> {
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const payment = await get<PaymentItem>(coinPaymentKey(reversal.paymentIntentId));
    const refunded = Math.max(payment?.refundedAmount ?? 0, reversal.refunded ?? 0);
    const disputed = Math.max(payment?.disputedAmount ?? 0, reversal.disputed ?? 0);
    if (payment && refunded === (payment.refundedAmount ?? 0) && disputed === (payment.disputedAmount ?? 0))
      return { status: 'DUPLICATE' };
    const at = now().toISOString();
    const { ConditionExpression, ExpressionAttributeValues } = paymentCondition(payment);
    const paymentPut = (extra: Record<string, unknown>): TransactItem => ({
      Put: {
        TableName: table(),
        Item: {
          ...coinPaymentKey(reversal.paymentIntentId),
          type: 'CoinPayment',
          paymentIntentId: reversal.paymentIntentId,
          amount: reversal.chargeAmount,
          currency: reversal.currency.toUpperCase(),
          ...payment,
          refundedAmount: refunded,
          disputedAmount: disputed,
          version: (payment?.version ?? 0) + 1,
          updatedAt: at,
          ...extra,
        },
        ConditionExpression,
        ...(ExpressionAttributeValues ? { ExpressionAttributeValues } : {}),
      },
    });
    if (!payment?.sessionId || !payment.userId || payment.coins === undefined || payment.amount === undefined) {
      // The completion has not been applied: it will credit only what is left.
      if (await transact([paymentPut({})], attempt)) return { status: 'RECORDED' };
      continue;
    }
    const reversed = reversedAmount(payment.amount, refunded, disputed);
    const target = coinsReversed(payment.coins, payment.amount, reversed);
    const delta = target - (payment.clawedCoins ?? 0);
    const items: TransactItem[] = [paymentPut({ clawedCoins: Math.max(target, payment.clawedCoins ?? 0) })];
    let coins = 0;
    if (delta > 0) {
      const wallet = await get<WalletItem>(walletKey(payment.userId));
      const balance = { coins: wallet?.coins ?? 0, debt: wallet?.debt ?? 0 };
      const claw = applyClawback(balance, delta);
      coins = -delta;
      items.push(
        walletUpdate(payment.userId, -claw.taken, balance.debt, claw.after.debt, at, claw.taken),
        ledgerPut(payment.userId, at, {
          kind: 'REFUND',
          coins: -delta,
          amount: reversed,
          currency: payment.currency,
          sessionId: payment.sessionId,
          debtAdded: claw.owed,
        }),
      );
    }
    items.push({
      Update: {
        TableName: table(),
        Key: checkoutKey(payment.sessionId),
        UpdateExpression: 'SET #status = :status, refundedAmount = :reversed, updatedAt = :at',
        ConditionExpression: 'attribute_exists(PK)',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':status': purchaseStatus(payment.amount, reversed),
          ':reversed': reversed,
          ':at': at,
        },
      },
    });
    if (await transact(items, attempt))
      return delta > 0 ? { status: 'APPLIED', userId: payment.userId, coins } : { status: 'DUPLICATE' };
  }
  throw new Error('unreachable: transact throws on its last attempt');
}
