/**
 * DynamoDB Local killed (SIGKILL) in the middle of a burst of 200 bids, then started again on its
 * data directory: every bid gets an answer (accepted, a typed refusal, or a typed error the client
 * may retry: `Unavailable` with a sentence, never INTERNAL or a 5xx); retried with their own bid ids
 * after the restart, the bids the client could not settle end up accepted once or refused; the
 * product is whole (bid count, price, high bidder agree with the accepted bids) and its bid history
 * holds exactly the accepted bids. The one exception is DynamoDB Local's, not the product's: a bid
 * accepted in the last moments before the kill may be lost whole (below).
 */
import { randomUUID } from 'node:crypto';
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bidKey } from '../../../lambdas/shared/domain/keys';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../../local/dynamodb/server';
import { provisionChannel, type LocalSession } from '../../../local/client';
import type { LocalPlatform } from '../../../local/start';
import { account, rawGql, removeDataDir, startPlatform, until, type RawAnswer, SETUP_TIMEOUT_MS } from './support';

let platform: LocalPlatform;
let dataDir: string;
let seller: LocalSession;
let bidders: LocalSession[];

const BID = 'mutation($i: PlaceBidInput!) { placeBid(input: $i) { bidId amount bidCount currentPrice } }';
/** Answers the client treats as retryable: the service could not settle the bid now (Unavailable) or a concurrent write won the race (CONFLICT). */
const RETRYABLE = new Set(['Unavailable', 'CONFLICT']);
/** Final refusals a bid in this burst may meet: a higher bid was accepted first. */
const REFUSALS = new Set(['BID_TOO_LOW']);

interface Bid {
  i: number;
  bidId: string;
  amount: number;
  who: LocalSession;
}
type Outcome =
  | { kind: 'accepted' }
  | { kind: 'refused'; type: string }
  | { kind: 'retry'; type: string; message: string }
  | { kind: 'wrong'; detail: string };

function classify(answer: RawAnswer<{ placeBid: { bidId: string; amount: number } | null }>, bid: Bid): Outcome {
  if (answer.status !== 200)
    return { kind: 'wrong', detail: `HTTP ${answer.status}: ${JSON.stringify(answer.errors)}` };
  const error = answer.errors?.[0];
  if (!error && answer.data?.placeBid?.bidId === bid.bidId && answer.data.placeBid.amount === bid.amount)
    return { kind: 'accepted' };
  if (error?.errorType && REFUSALS.has(error.errorType)) return { kind: 'refused', type: error.errorType };
  if (error?.errorType && RETRYABLE.has(error.errorType))
    return { kind: 'retry', type: error.errorType, message: error.message };
  return { kind: 'wrong', detail: JSON.stringify(answer) };
}

async function place(bid: Bid): Promise<Outcome> {
  try {
    return classify(
      await rawGql(
        platform.endpoints.graphqlUrl,
        BID,
        { i: { productId, amount: bid.amount, bidId: bid.bidId } },
        bid.who.idToken,
      ),
      bid,
    );
  } catch (error) {
    return { kind: 'wrong', detail: `no answer: ${(error as Error).message}` };
  }
}

let productId: string;

/**
 * How long before the kill an accepted bid may still be lost by DynamoDB Local (see the test). The losses
 * measured were at most 25 ms before it; the margin is for a loaded machine.
 */
const CRASH_WINDOW_MS = 500;

/** What the local mode's table (local-Main) holds for a bid: its item's history index keys, or that there is none. */
async function storedBid(bid: Bid): Promise<string> {
  const client = new DynamoDBClient({
    endpoint: platform.endpoints.dynamodbUrl,
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
  });
  try {
    const got = await client.send(
      new GetItemCommand({
        TableName: 'local-Main',
        Key: marshall(bidKey(productId, bid.bidId)),
        ConsistentRead: true,
      }),
    );
    if (!got.Item) return 'no item in the table';
    const item = unmarshall(got.Item);
    return `item in the table, GSI2PK ${String(item['GSI2PK'])} GSI2SK ${String(item['GSI2SK'])}`;
  } catch (error) {
    return `table not read: ${(error as Error).message}`;
  } finally {
    client.destroy();
  }
}

beforeAll(async () => {
  ({ platform, dataDir } = await startPlatform());
  seller = await account(platform, 'seller@example.com', 'seller');
  bidders = [];
  for (let n = 0; n < 4; n++) bidders.push(await account(platform, `bidder${n}@example.com`, `bidder${n}`));
  await provisionChannel(platform.endpoints.graphqlUrl, seller.idToken, 'seller');
  const created = await rawGql<{ createProduct: { productId: string } }>(
    platform.endpoints.graphqlUrl,
    'mutation($i: CreateProductInput!) { createProduct(input: $i) { productId } }',
    {
      i: {
        channelId: seller.sub,
        title: 'Vintage camera',
        type: 'GENERIC',
        saleMode: 'AUCTION',
        currency: 'USD',
        startingBid: 100,
        bidIncrement: 100,
        durationSeconds: 3600,
      },
    },
    seller.idToken,
  );
  productId = created.data?.createProduct.productId as string;
  expect(productId, JSON.stringify(created.errors)).toBeTruthy();
  const started = await rawGql(
    platform.endpoints.graphqlUrl,
    `mutation { startAuction(productId: "${productId}") { productId } }`,
    {},
    seller.idToken,
  );
  expect(started.errors).toBeUndefined();
}, SETUP_TIMEOUT_MS);

afterAll(async () => {
  await platform?.stop();
  removeDataDir(dataDir);
});

describe('DynamoDB Local killed during a burst of bids', () => {
  it('answers every bid, loses none after the restart, and leaves the product and its history whole', async () => {
    const bids: Bid[] = Array.from({ length: 200 }, (_, i) => ({
      i,
      bidId: `burst-${i}-${randomUUID().slice(0, 8)}`,
      amount: 100 * (i + 1),
      who: bidders[i % bidders.length] as LocalSession,
    }));
    const outcomes = new Map<Bid, Outcome>();
    /** When each bid's last answer arrived (ms since the epoch). */
    const answeredAt = new Map<Bid, number>();
    const settle = (bid: Bid, outcome: Outcome) => {
      outcomes.set(bid, outcome);
      answeredAt.set(bid, Date.now());
    };
    const burstAt = Date.now();
    const answered: number[] = [];
    let next = 0;
    // Eight bidders' connections at a time, in rising amounts: most bids meet an open auction.
    const worker = async () => {
      while (next < bids.length) {
        const bid = bids[next++] as Bid;
        settle(bid, await place(bid));
        answered.push(bid.i);
      }
    };
    const burst = Promise.all(Array.from({ length: 8 }, worker));
    // The crash lands mid-burst; bids keep arriving while DynamoDB Local is down and while it starts again.
    await until('60 answers before the crash', async () => answered.length >= 60, 60_000, 20);
    const killedAt = answered.length;
    const killTime = Date.now();
    await platform.dynamodb.kill();
    await new Promise((r) => setTimeout(r, 1500));
    await platform.dynamodb.start();
    const restartedAt = answered.length;
    const restartTime = Date.now();
    await burst;

    const all = [...outcomes.values()];
    const wrong = all.filter((o) => o.kind === 'wrong');
    expect(wrong, 'answers that are neither accepted, a refusal nor retryable').toEqual([]);
    expect(outcomes.size).toBe(200);
    const retries = [...outcomes].filter(([, o]) => o.kind === 'retry');
    const unavailable = retries.filter(([, o]) => o.kind === 'retry' && o.type === 'Unavailable');
    // The outage was seen, and told in a sentence a bidder can act on.
    expect(unavailable.length).toBeGreaterThan(0);
    for (const [, o] of unavailable) expect((o as { message: string }).message).toMatch(/try again/i);

    // The client retries what it could not settle, with the same bid ids, until each is settled.
    for (const [bid] of retries) {
      const outcome = await until(
        `bid ${bid.bidId} to settle`,
        async () => {
          const o = await place(bid);
          return o.kind === 'retry' ? undefined : o;
        },
        30_000,
        200,
      );
      settle(bid, outcome);
    }
    const retriedAt = Date.now();
    expect([...outcomes.values()].filter((o) => o.kind === 'wrong' || o.kind === 'retry')).toEqual([]);
    const accepted = bids.filter((b) => outcomes.get(b)?.kind === 'accepted');
    expect(accepted.length).toBeGreaterThan(0);
    // DynamoDB Local acknowledges a TransactWriteItems a few milliseconds before it is durable: killed in
    // between, it loses that transaction whole (a probe without the product: 2 of 8 kills lost one, answered
    // 5.5 and 24.7 ms before the kill; PutItem lost none). DynamoDB in AWS loses no write it acknowledged.
    // So a bid accepted in the last CRASH_WINDOW_MS before the kill may be missing, whole: from the table,
    // the history and the product's count alike. Every other accepted bid must be there.
    const inCrashWindow = (b: Bid) => {
      const at = answeredAt.get(b) as number;
      return at >= killTime - CRASH_WINDOW_MS && at <= restartTime;
    };
    const required = accepted.filter((b) => !inCrashWindow(b));

    const settledAt = Date.now();
    type History = { bidId: string; amount: number }[];
    type ProductPage = {
      bidCount: number;
      currentPrice: number;
      minNextBid: number;
      highBidderId: string;
      bids: { items: History; nextToken: string | null };
    };
    const read = async (): Promise<{ product?: ProductPage; history: History }> => {
      const history: History = [];
      let token: string | null = null;
      let product: ProductPage | undefined;
      do {
        const page: RawAnswer<{ product: ProductPage }> = await rawGql(
          platform.endpoints.graphqlUrl,
          'query($p: ID!, $t: String) { product(productId: $p) { bidCount currentPrice minNextBid highBidderId bids(limit: 100, nextToken: $t) { items { bidId amount } nextToken } } }',
          { p: productId, t: token },
          seller.idToken,
        );
        expect(page.errors).toBeUndefined();
        product = page.data?.product;
        history.push(...(product?.bids.items ?? []));
        token = product?.bids.nextToken ?? null;
      } while (token);
      return { product, history };
    };
    const missingFrom = (history: History, from: Bid[]) => {
      const seen = new Set(history.map((h) => h.bidId));
      return from.filter((b) => !seen.has(b.bidId));
    };
    const describeBids = async (from: Bid[]) =>
      (
        await Promise.all(
          from.map(
            async (b) =>
              `${b.bidId}@${b.amount} answered ${(answeredAt.get(b) as number) - killTime} ms from the kill (${await storedBid(b)})`,
          ),
        )
      ).join('; ');
    // The history is the bid items, written in each accepted bid's transaction: read until it holds every bid
    // that must be there.
    let lastRead: Awaited<ReturnType<typeof read>> | undefined;
    const { product, history } = await until(
      'the bid history to hold every accepted bid',
      async () => {
        const now = await read();
        lastRead = now;
        return missingFrom(now.history, required).length === 0 ? now : undefined;
      },
      60_000,
      500,
    ).catch(async (e: Error) => {
      // Each missing bid is looked up in the table itself: an item there, with its history keys, that the
      // history does not return was lost by the index; no item at all, by the write.
      throw new Error(
        `${e.message}: ${accepted.length} accepted, ${lastRead?.history.length} in the history, product bidCount ${lastRead?.product?.bidCount} ` +
          `currentPrice ${lastRead?.product?.currentPrice}; accepted but not in the history: ${await describeBids(missingFrom(lastRead?.history ?? [], accepted))}; ` +
          `crash after ${killedAt} answers, restart after ${restartedAt}`,
      );
    });

    // What DynamoDB Local lost in the crash window is gone whole: no bid item, so no half-written bid.
    const lost = missingFrom(history, accepted);
    for (const b of lost)
      expect(await storedBid(b), `${b.bidId}, lost in the crash window`).toBe('no item in the table');
    const kept = accepted.filter((b) => !lost.includes(b));
    const highest = kept.reduce((a, b) => (b.amount > a.amount ? b : a));
    expect({
      bidCount: product?.bidCount,
      currentPrice: product?.currentPrice,
      minNextBid: product?.minNextBid,
      highBidderId: product?.highBidderId,
    }).toEqual({
      bidCount: kept.length,
      currentPrice: highest.amount,
      minNextBid: highest.amount + 100,
      highBidderId: highest.who.sub,
    });
    const key = (b: { bidId: string; amount: number }) => `${b.bidId}@${b.amount}`;
    expect(history.map(key).sort()).toEqual(kept.map(key).sort());
    console.info(
      `200 bids in ${((retriedAt - burstAt) / 1000).toFixed(1)} s with retries: crash after ${killedAt} answers, restart after ${restartedAt}; ` +
        `${unavailable.length} Unavailable, ${retries.length - unavailable.length} CONFLICT, ${accepted.length} accepted in the end; history complete ${((Date.now() - settledAt) / 1000).toFixed(1)} s later` +
        (lost.length ? `; lost by DynamoDB Local in the crash window: ${await describeBids(lost)}` : ''),
    );
  }, 180_000);
});
