/**
 * The commerce resolvers through the local APPSYNC_JS engine on DynamoDB Local: the flow, the
 * authorization matrix, placeBid's retries and lost races (which condition of its transaction
 * failed), and concurrency (200 bids, 50 buy-now).
 */
import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { createEngine, type Engine } from '../../../local/appsync/engine';
import { applyBanToBidding } from '../../../lambdas/chat-moderation/bidding-bans';
import { incrementFor } from '../../../lambdas/shared/domain/auctions';
import { firstProductInputError } from '../../../lambdas/shared/domain/product-schema';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../../local/dynamodb/server';
import { runAs } from '../../../local/iam/caller';
import { useDynamoDbLocal } from '../../support/dynamo';

// chat-moderation's DynamoDB calls (bans onto products) are evaluated against its role from the synthesized template.
const db = useDynamoDbLocal({ iam: true });
let lambdaDoc: DynamoDBDocumentClient;
/** The client a Lambda uses: through the IAM proxy, so its calls are evaluated against its role. */
const lambdaClient = () =>
  (lambdaDoc ??= DynamoDBDocumentClient.from(
    new DynamoDBClient({ endpoint: db.lambdaEndpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS }),
    { marshallOptions: { removeUndefinedValues: true } },
  ));
let engine: Engine;
/** chat-moderation's write of a ban (or unban) onto the channel's products, as its Lambda role runs it. */
const moderationBans = (channelId: string, userId: string, banned: boolean) =>
  runAs('chat-moderation', () => applyBanToBidding(lambdaClient(), db.tableName, channelId, userId, banned));

const cognito = (sub: string, handle: string) => ({
  mode: 'AMAZON_COGNITO_USER_POOLS' as const,
  identity: {
    sub,
    username: sub,
    claims: { handle, preferred_username: `spoofed_${handle}` },
    groups: null,
    issuer: 'local',
    sourceIp: ['127.0.0.1'],
    defaultAuthStrategy: 'ALLOW',
  },
});
const guest = {
  mode: 'AWS_IAM' as const,
  identity: {
    cognitoIdentityAuthType: 'unauthenticated',
    cognitoIdentityId: 'us-east-1:guest',
    accountId: '000000000000',
    sourceIp: ['127.0.0.1'],
    userArn: 'arn:aws:sts::000000000000:assumed-role/guest',
    username: 'guest',
  },
};
const seller = cognito('seller1', 'sam');
const other = cognito('seller2', 'ola');
const viewer = (n: number) => cognito(`viewer${n}`, `v${n}`);

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Loose = any;
type Result = {
  data?: Record<string, Loose> | null;
  errors?: { message: string; errorType?: string | null; errorInfo?: Loose }[];
};
const gql = (query: string, auth: unknown, variables: Record<string, unknown> = {}) =>
  engine.execute({ query, variables, auth: auth as never }) as Promise<Result>;

const PRODUCT =
  'productId channelId title type params saleMode currency startingBid buyNowPrice currentPrice minNextBid bidCount status endsAt featured highBidderId';
const CREATE = `mutation($i: CreateProductInput!) { createProduct(input: $i) { ${PRODUCT} } }`;
const START = `mutation($p: ID!) { startAuction(productId: $p) { ${PRODUCT} } }`;
const BID =
  'mutation($i: PlaceBidInput!) { placeBid(input: $i) { channelId productId bidId amount currentPrice minNextBid bidCount bidderHandle previousHighBidderId endsAt } }';
const BUY =
  'mutation($p: ID!) { buyNow(productId: $p) { saleId kind price buyerId streamId recordingId offsetMs soldAt } }';
const CLOSE =
  'mutation($p: ID!) { closeAuction(productId: $p) { outcome productId sale { saleId price buyerId kind } } }';

const input = (over: Record<string, unknown> = {}) => ({
  channelId: 'seller1',
  title: 'Retro tee',
  type: 'APPAREL',
  params: JSON.stringify({ size: 'M', colour: 'red' }),
  saleMode: 'AUCTION_WITH_BUY_NOW',
  currency: 'USD',
  startingBid: 1000,
  buyNowPrice: 50_000,
  durationSeconds: 600,
  ...over,
});

async function openAuction(over: Record<string, unknown> = {}): Promise<string> {
  const created = await gql(CREATE, seller, { i: input(over) });
  expect(created.errors).toBeUndefined();
  const id = created.data?.createProduct.productId as string;
  const started = await gql(START, seller, { p: id });
  expect(started.errors).toBeUndefined();
  return id;
}

/** Sends again what the API says may be sent again (CONFLICT: a lost race; Unavailable), as the web app does. */
async function withRetry(run: () => Promise<Result>): Promise<Result> {
  for (let i = 0; i < 50; i++) {
    const r = await run();
    if (r.errors?.[0]?.errorType !== 'CONFLICT' && r.errors?.[0]?.errorType !== 'Unavailable') return r;
    await new Promise((res) => setTimeout(res, Math.random() * 20));
  }
  throw new Error('still conflicting after 50 tries');
}

/** The bid items stored under a product. */
const bidItems = async (productId: string) =>
  (
    await db.doc.send(
      new QueryCommand({
        TableName: db.tableName,
        KeyConditionExpression: 'PK = :pk AND begins_with(SK, :b)',
        ExpressionAttributeValues: { ':pk': `PRODUCT#${productId}`, ':b': 'BID#' },
      }),
    )
  ).Items ?? [];

/** An engine whose DynamoDB calls are listed by command name, and that can act just before a call is sent (a concurrent writer). */
function countingEngine(before?: (command: string) => Promise<void>) {
  const calls: string[] = [];
  const counted = createEngine({
    dynamo: {
      send: async (cmd: { constructor: { name: string } }) => {
        calls.push(cmd.constructor.name);
        await before?.(cmd.constructor.name);
        return db.client.send(cmd as never);
      },
    } as unknown as typeof db.client,
    tables: { Main: db.tableName, Idempotency: db.idempotencyTableName },
    invokeLambda: async () => null,
  });
  const bid = (productId: string, amount: number, bidId: string, who: number) =>
    counted.execute({
      query: BID,
      variables: { i: { productId, amount, bidId } },
      auth: viewer(who) as never,
    }) as Promise<Result>;
  return { calls, bid };
}

beforeAll(async () => {
  engine = createEngine({
    dynamo: db.client,
    tables: { Main: db.tableName, Idempotency: db.idempotencyTableName },
    invokeLambda: async () => {
      throw new Error('no Lambda in this test');
    },
  });
  await db.doc.send(
    new PutCommand({
      TableName: db.tableName,
      Item: {
        PK: 'USER#seller1',
        SK: 'PROFILE',
        userId: 'seller1',
        handle: 'sam',
        status: 'LIVE',
        currentStreamId: 'st-1',
        currentRecordingId: 'rec-1',
        recordingStartedAt: new Date(Date.now() - 60_000).toISOString(),
      },
    }),
  );
});

describe('create → bid → outbid → buy-now → close', () => {
  it('runs the whole flow with typed errors', async () => {
    const created = await gql(CREATE, seller, { i: input() });
    expect(created.errors).toBeUndefined();
    const p = created.data?.createProduct;
    expect(p).toMatchObject({
      channelId: 'seller1',
      type: 'APPAREL',
      status: 'DRAFT',
      bidCount: 0,
      minNextBid: 1000,
      featured: false,
    });
    expect(JSON.parse(p.params)).toEqual({ size: 'M', colour: 'red' });
    expect(p.productId).toMatch(/^prd_[0-9A-HJKMNP-TV-Z]{20}$/);

    const early = await gql(BID, viewer(1), { i: { productId: p.productId, amount: 1000, bidId: randomUUID() } });
    expect(early.errors?.[0]?.errorType).toBe('AUCTION_CLOSED');
    // The shared rule (domain/availability.ts): buy-now opens with the auction, as the card shows.
    const buyEarly = await gql(BUY, viewer(3), { p: p.productId });
    expect(buyEarly.errors?.[0]?.errorType).toBe('AUCTION_NOT_OPEN');

    await gql(START, seller, { p: p.productId });
    const first = await gql(BID, viewer(1), { i: { productId: p.productId, amount: 1000, bidId: 'bid-one-0001' } });
    expect(first.errors).toBeUndefined();
    expect(first.data?.placeBid).toMatchObject({
      amount: 1000,
      currentPrice: 1000,
      minNextBid: 1100,
      bidCount: 1,
      bidderHandle: 'v1',
      previousHighBidderId: null,
    });

    const retried = await gql(BID, viewer(1), { i: { productId: p.productId, amount: 1000, bidId: 'bid-one-0001' } });
    expect(retried.data?.placeBid).toEqual(first.data?.placeBid);

    const low = await gql(BID, viewer(2), { i: { productId: p.productId, amount: 1050, bidId: randomUUID() } });
    expect(low.errors?.[0]).toMatchObject({ errorType: 'BID_TOO_LOW', errorInfo: { minimum: 1100 } });

    const outbid = await gql(BID, viewer(2), { i: { productId: p.productId, amount: 1100, bidId: randomUUID() } });
    expect(outbid.data?.placeBid).toMatchObject({ currentPrice: 1100, bidCount: 2, previousHighBidderId: 'viewer1' });

    const own = await gql(BID, seller, { i: { productId: p.productId, amount: 5000, bidId: randomUUID() } });
    expect(own.errors?.[0]?.errorType).toBe('NOT_OWNER');

    // Retried after being outbid: its bid item answers, as first answered.
    const late2 = await gql(BID, viewer(1), { i: { productId: p.productId, amount: 1000, bidId: 'bid-one-0001' } });
    expect(late2.data?.placeBid).toEqual(first.data?.placeBid);
    // Another bidder sending that id is told the id is taken; the same bidder with another amount, that the id is spent.
    const taken = await gql(BID, viewer(9), { i: { productId: p.productId, amount: 1000, bidId: 'bid-one-0001' } });
    expect(taken.errors?.[0]).toMatchObject({ errorType: 'VALIDATION', errorInfo: { field: 'bidId' } });
    const reused = await gql(BID, viewer(1), { i: { productId: p.productId, amount: 1200, bidId: 'bid-one-0001' } });
    expect(reused.errors?.[0]).toMatchObject({ errorType: 'VALIDATION', errorInfo: { field: 'bidId' } });

    const history = await gql(
      `query($p: ID!) { product(productId: $p) { currentPrice bids(limit: 1) { items { amount bidderHandle } nextToken } } }`,
      guest,
      { p: p.productId },
    );
    expect(history.data?.product.bids.items).toEqual([{ amount: 1100, bidderHandle: 'v2' }]);
    const page2 = await gql(
      `query($p: ID!, $t: String) { product(productId: $p) { bids(limit: 1, nextToken: $t) { items { amount } } } }`,
      guest,
      { p: p.productId, t: history.data?.product.bids.nextToken },
    );
    expect(page2.data?.product.bids.items).toEqual([{ amount: 1000 }]);

    const bought = await gql(BUY, viewer(3), { p: p.productId });
    expect(bought.errors).toBeUndefined();
    expect(bought.data?.buyNow).toMatchObject({
      kind: 'BUY_NOW',
      price: 50_000,
      buyerId: 'viewer3',
      streamId: 'st-1',
      recordingId: 'rec-1',
    });
    expect(bought.data?.buyNow.offsetMs).toBeGreaterThanOrEqual(60_000);

    const again = await gql(BUY, viewer(4), { p: p.productId });
    expect(again.errors?.[0]?.errorType).toBe('ALREADY_SOLD');
    const late = await gql(BID, viewer(1), { i: { productId: p.productId, amount: 9000, bidId: randomUUID() } });
    expect(late.errors?.[0]?.errorType).toBe('AUCTION_CLOSED');
    const close = await gql(CLOSE, seller, { p: p.productId });
    expect(close.errors?.[0]?.errorType).toBe('AUCTION_CLOSED');

    const sold = await gql(
      `query($p: ID!) { product(productId: $p) { status sale { kind buyerId buyerHandle price } } }`,
      viewer(1),
      { p: p.productId },
    );
    expect(sold.data?.product.status).toBe('SOLD');
    // Product.sale: every card can say "Sold to @x for $y", and the buyer's "Purchased …".
    expect(sold.data?.product.sale).toEqual({ kind: 'BUY_NOW', buyerId: 'viewer3', buyerHandle: 'v3', price: 50_000 });
  });

  it('closeAuction sells to the high bidder, or records no sale', async () => {
    const a = await openAuction();
    await gql(BID, viewer(5), { i: { productId: a, amount: 2000, bidId: randomUUID() } });
    const closed = await gql(CLOSE, seller, { p: a });
    expect(closed.data?.closeAuction).toMatchObject({
      outcome: 'SOLD',
      sale: { price: 2000, buyerId: 'viewer5', kind: 'AUCTION' },
    });
    const orders = await db.doc.send(
      new QueryCommand({
        TableName: db.tableName,
        KeyConditionExpression: 'PK = :pk AND begins_with(SK, :o)',
        ExpressionAttributeValues: { ':pk': 'USER#viewer5', ':o': 'ORDER#' },
      }),
    );
    expect(orders.Items).toHaveLength(1);

    const b = await openAuction();
    const none = await gql(CLOSE, seller, { p: b });
    expect(none.data?.closeAuction).toEqual({ outcome: 'NO_SALE', productId: b, sale: null });
  });

  it('validation names the field; products list featured/open/newest', async () => {
    const bad = await gql(CREATE, seller, { i: input({ buyNowPrice: 500 }) });
    expect(bad.errors?.[0]).toMatchObject({ errorType: 'VALIDATION', errorInfo: { field: 'buyNowPrice' } });
    const badParams = await gql(CREATE, seller, { i: input({ params: JSON.stringify({ size: 'M' }) }) });
    expect(badParams.errors?.[0]?.errorInfo).toEqual({ field: 'params.colour' });
    const list = await gql('query { products(channelId: "seller1") { productId status } }', guest);
    const statuses = (list.data?.products as { status: string }[]).map((p) => p.status);
    expect(
      statuses.indexOf('AUCTION_OPEN') === -1 ||
        statuses.indexOf('AUCTION_OPEN') < statuses.lastIndexOf('SOLD') ||
        !statuses.includes('SOLD'),
    ).toBe(true);
  });
});

describe('authorization matrix', () => {
  it('owner / other streamer / viewer / anonymous IAM guest', async () => {
    expect((await gql(CREATE, other, { i: input() })).errors?.[0]?.errorType).toBe('NOT_OWNER');
    expect((await gql(CREATE, viewer(1), { i: input() })).errors?.[0]?.errorType).toBe('NOT_OWNER');
    const guestCreate = await gql(CREATE, guest, { i: input() });
    expect(guestCreate.errors?.[0]).toMatchObject({
      errorType: 'Unauthorized',
      message: 'Not Authorized to access createProduct on type Mutation',
    });
    const id = await openAuction();
    expect((await gql(START, other, { p: id })).errors?.[0]?.errorType).toBe('NOT_OWNER');
    expect((await gql(CLOSE, viewer(1), { p: id })).errors?.[0]?.errorType).toBe('NOT_OWNER');
    expect(
      (await gql(BID, guest, { i: { productId: id, amount: 5000, bidId: randomUUID() } })).errors?.[0]?.errorType,
    ).toBe('Unauthorized');
    expect((await gql(BID, other, { i: { productId: id, amount: 5000, bidId: randomUUID() } })).errors).toBeUndefined();
    const read = await gql('query($p: ID!) { product(productId: $p) { productId currentPrice } }', guest, { p: id });
    expect(read.data?.product).toEqual({ productId: id, currentPrice: 5000 });
  });

  it('a banned viewer cannot bid: banned before the auction starts, or banned during it by chat moderation', async () => {
    await db.doc.send(
      new PutCommand({
        TableName: db.tableName,
        Item: { PK: 'CHANNEL#seller1', SK: 'BAN#viewer65', userId: 'viewer65' },
      }),
    );
    const before = await openAuction();
    const r0 = await gql(BID, viewer(65), { i: { productId: before, amount: 5000, bidId: randomUUID() } });
    expect(r0.errors?.[0]?.errorType).toBe('UNAUTHORIZED');

    const id = await openAuction();
    await db.doc.send(
      new PutCommand({
        TableName: db.tableName,
        Item: { PK: 'CHANNEL#seller1', SK: 'BAN#viewer66', userId: 'viewer66' },
      }),
    );
    await moderationBans('seller1', 'viewer66', true);
    const r = await gql(BID, viewer(66), { i: { productId: id, amount: 5000, bidId: randomUUID() } });
    expect(r.errors?.[0]?.errorType).toBe('UNAUTHORIZED');
    // Unbanned: chat moderation takes the id off the open products again.
    await db.doc.send(
      new DeleteCommand({ TableName: db.tableName, Key: { PK: 'CHANNEL#seller1', SK: 'BAN#viewer66' } }),
    );
    await moderationBans('seller1', 'viewer66', false);
    const r2 = await gql(BID, viewer(66), { i: { productId: id, amount: 5000, bidId: randomUUID() } });
    expect(r2.errors).toBeUndefined();
  });
});

describe('concurrency', () => {
  it('200 concurrent random bids: the highest valid bid wins and every accepted bid is in history', async () => {
    const id = await openAuction({ buyNowPrice: null, saleMode: 'AUCTION' });
    const amounts = Array.from({ length: 200 }, () => 1000 + Math.floor(Math.random() * 200_000));
    const results = await Promise.all(
      amounts.map((amount, i) =>
        withRetry(() => gql(BID, viewer(100 + i), { i: { productId: id, amount, bidId: `c-${id}-${i}` } })),
      ),
    );
    const accepted = results.flatMap((r, i) => (r.errors ? [] : [amounts[i] as number]));
    for (const r of results) if (r.errors) expect(r.errors[0]?.errorType).toBe('BID_TOO_LOW');
    // "Highest valid bid": the price is the largest accepted amount, and every refused amount was
    // below (a price at its time) + increment, hence below the final price + its increment.
    const max = Math.max(...accepted);
    const rejected = amounts.filter((_, i) => results[i]?.errors);
    for (const amount of rejected) expect(amount).toBeLessThan(max + incrementFor(max));
    // Arrival order is the server's: when the highest amount happens to land first, it is the only
    // bid accepted (about 1 run in 200), which is still a correct outcome, so no count above 1 is required.
    expect(accepted.length).toBeGreaterThanOrEqual(1);
    expect(accepted.length + rejected.length).toBe(amounts.length);
    const product = await gql(
      'query($p: ID!) { product(productId: $p) { currentPrice bidCount bids(limit: 100) { items { amount } nextToken } } }',
      guest,
      { p: id },
    );
    expect(product.data?.product.currentPrice).toBe(max);
    expect(product.data?.product.bidCount).toBe(accepted.length);
    // Every answer is its own write's: the accepted bids carry the counts 1..n, once each, rising with the amount.
    const counted = results
      .flatMap((r, i) => (r.errors ? [] : [{ n: r.data?.placeBid.bidCount as number, amount: amounts[i] as number }]))
      .sort((x, y) => x.n - y.n);
    expect(counted.map((c) => c.n)).toEqual(accepted.map((_, i) => i + 1));
    expect(counted.map((c) => c.amount)).toEqual([...accepted].sort((a, b) => a - b));
    const history: number[] = [];
    let token: string | null = null;
    do {
      const page: Result = await gql(
        'query($p: ID!, $t: String) { product(productId: $p) { bids(limit: 100, nextToken: $t) { items { amount } nextToken } } }',
        guest,
        { p: id, t: token },
      );
      history.push(...(page.data?.product.bids.items as { amount: number }[]).map((b) => b.amount));
      token = page.data?.product.bids.nextToken ?? null;
    } while (token);
    expect(history.sort((a, b) => a - b)).toEqual([...accepted].sort((a, b) => a - b));
  });

  it('three reads (the account gate, the bid’s own, the audience gate) and one transaction per accepted bid, the three reads alone per refused bid, two per retry; the product item does not grow with bids', async () => {
    const id = await openAuction({ buyNowPrice: null, saleMode: 'AUCTION', bidIncrement: 10 });
    const { calls, bid } = countingEngine();
    const READS = ['GetItemCommand', 'BatchGetItemCommand', 'BatchGetItemCommand'];
    const productKey = { PK: `PRODUCT#${id}`, SK: 'PRODUCT' };
    const read = async () =>
      (await db.doc.send(new GetCommand({ TableName: db.tableName, Key: productKey }))).Item ?? {};
    const answers: Result[] = [];
    let firstKeys: string[] = [];
    for (let i = 0; i < 60; i++) {
      answers.push(await bid(id, 1000 + i * 10, `row-${id}-${i}`, 200 + (i % 2)));
      if (i === 0) firstKeys = Object.keys(await read()).sort();
    }
    expect(answers.every((r) => !r.errors)).toBe(true);
    expect(calls).toEqual(
      // The account gate's GetItem of the bidder's ban (docs/safety.md, "Bans"), loadBid's read, the
      // audience gate's read of the profile and follow, the bid's transaction.
      Array.from({ length: 60 }, () => [...READS, 'TransactWriteItemsCommand']).flat(),
    );
    expect(answers.map((r) => r.data?.placeBid.bidCount)).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));
    expect(answers[59]?.data?.placeBid.previousHighBidderId).toBe('viewer200');
    // The product holds the auction's state only: the same attributes after 60 bids as after the first.
    const after = await read();
    expect(Object.keys(after).sort()).toEqual(firstKeys);
    expect(after).toMatchObject({ bidCount: 60, currentPrice: 1590, highBidderId: 'viewer201' });
    expect(await bidItems(id)).toHaveLength(60);

    calls.length = 0;
    expect((await bid(id, 1000, `row-${id}-0`, 200)).data?.placeBid).toEqual(answers[0]?.data?.placeBid);
    // A retry of an accepted bid passed the audience gate when it was placed: its answer needs no third read.
    expect(calls).toEqual(READS.slice(0, 2));
    calls.length = 0;
    expect((await bid(id, 1590, randomUUID(), 202)).errors?.[0]).toMatchObject({
      errorType: 'BID_TOO_LOW',
      errorInfo: { minimum: 1600 },
    });
    // The audience is checked before the refusal tells the price.
    expect(calls).toEqual(READS);
    expect(await bidItems(id)).toHaveLength(60);
  });

  it('a bid that loses the race between its read and its write: outbid → BID_TOO_LOW with the new minimum; still valid → CONFLICT, then accepted when sent again; nothing written', async () => {
    const id = await openAuction({ buyNowPrice: null, saleMode: 'AUCTION', bidIncrement: 100 });
    const rival = (amount: number) => async (command: string) => {
      if (command !== 'TransactWriteItemsCommand') return;
      // Another bid commits between this bid's read and its transaction.
      await db.doc.send(
        new UpdateCommand({
          TableName: db.tableName,
          Key: { PK: `PRODUCT#${id}`, SK: 'PRODUCT' },
          UpdateExpression: 'SET currentPrice = :a, bidCount = bidCount + :one, highBidderId = :who',
          ExpressionAttributeValues: { ':a': amount, ':one': 1, ':who': 'rival' },
        }),
      );
    };
    const outbid = countingEngine(rival(5000));
    const lost = await outbid.bid(id, 2000, 'race-outbid-1', 30);
    expect(lost.errors?.[0]).toMatchObject({ errorType: 'BID_TOO_LOW', errorInfo: { minimum: 5100 } });
    expect(await bidItems(id)).toEqual([]);

    const lower = countingEngine(rival(5500));
    const raced = await lower.bid(id, 9000, 'race-valid-01', 31);
    expect(raced.errors?.[0]?.errorType).toBe('CONFLICT');
    expect(await bidItems(id)).toEqual([]);
    const again = await gql(BID, viewer(31), { i: { productId: id, amount: 9000, bidId: 'race-valid-01' } });
    expect(again.data?.placeBid).toMatchObject({ amount: 9000, bidCount: 3, previousHighBidderId: 'rival' });
  });

  it('a retry racing its original: the bid item committed first answers it, and the bid counts once', async () => {
    const id = await openAuction({ buyNowPrice: null, saleMode: 'AUCTION' });
    let original: Result | undefined;
    // The original commits between the retry's read (no bid item yet) and the retry's transaction.
    const retry = countingEngine(async (command) => {
      if (command === 'TransactWriteItemsCommand' && !original)
        original = await gql(BID, viewer(32), { i: { productId: id, amount: 3000, bidId: 'twice-0001' } });
    });
    const second = await retry.bid(id, 3000, 'twice-0001', 32);
    expect(original?.errors).toBeUndefined();
    expect(second.data?.placeBid).toEqual(original?.data?.placeBid);
    expect((await bidItems(id)).map((b) => b.bidId)).toEqual(['twice-0001']);
    const product = await gql('query($p: ID!) { product(productId: $p) { bidCount currentPrice } }', guest, { p: id });
    expect(product.data?.product).toEqual({ bidCount: 1, currentPrice: 3000 });
  });

  it('soft close: bids in the last N seconds move the end to now + N, concurrently never backwards; outside the window the end stays', async () => {
    const calm = await openAuction({
      buyNowPrice: null,
      saleMode: 'AUCTION',
      durationSeconds: 600,
      softCloseSeconds: 30,
    });
    const calmEnd = (await gql('query($p: ID!) { product(productId: $p) { endsAt } }', guest, { p: calm })).data
      ?.product.endsAt;
    const calmBid = await gql(BID, viewer(40), { i: { productId: calm, amount: 1000, bidId: randomUUID() } });
    expect(calmBid.data?.placeBid.endsAt).toBe(calmEnd);

    const id = await openAuction({
      buyNowPrice: null,
      saleMode: 'AUCTION',
      durationSeconds: 60,
      softCloseSeconds: 120,
    });
    const before = Date.now();
    const first = await gql(BID, viewer(41), { i: { productId: id, amount: 1000, bidId: randomUUID() } });
    expect(first.errors).toBeUndefined();
    expect(Date.parse(first.data?.placeBid.endsAt)).toBeGreaterThanOrEqual(before + 120_000);

    const amounts = Array.from({ length: 50 }, (_, i) => 2000 + i * 100);
    const results = await Promise.all(
      amounts.map((amount, i) =>
        withRetry(() => gql(BID, viewer(300 + i), { i: { productId: id, amount, bidId: `sc-${id}-${i}` } })),
      ),
    );
    const acceptedAt = results.flatMap((r) => (r.errors ? [] : [Date.parse(r.data?.placeBid.endsAt) - 120_000]));
    for (const r of results) if (r.errors) expect(r.errors[0]?.errorType).toBe('BID_TOO_LOW');
    const after = (
      await gql('query($p: ID!) { product(productId: $p) { endsAt currentPrice bidCount } }', guest, { p: id })
    ).data?.product;
    // The end is at least the latest accepted bid's time + N: never moved backwards.
    expect(Date.parse(after.endsAt)).toBeGreaterThanOrEqual(Math.max(...acceptedAt) + 120_000);
    expect(after.currentPrice).toBe(Math.max(...results.flatMap((r, i) => (r.errors ? [] : [amounts[i] as number]))));
    expect(await bidItems(id)).toHaveLength(after.bidCount);
    // The sweeper finds the auction by its moved end.
    const product = await db.doc.send(
      new GetCommand({ TableName: db.tableName, Key: { PK: `PRODUCT#${id}`, SK: 'PRODUCT' } }),
    );
    expect(product.Item?.GSI2SK).toBe(after.endsAt);
  });

  it('50 concurrent buy-now calls: exactly one sale, 49 ALREADY_SOLD', async () => {
    const created = await gql(CREATE, seller, {
      i: input({ saleMode: 'BUY_NOW', startingBid: null, buyNowPrice: 2500, type: 'GENERIC', params: null }),
    });
    const id = created.data?.createProduct.productId as string;
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) => withRetry(() => gql(BUY, viewer(500 + i), { p: id }))),
    );
    expect(results.filter((r) => !r.errors)).toHaveLength(1);
    expect(results.filter((r) => r.errors?.[0]?.errorType === 'ALREADY_SOLD')).toHaveLength(49);
    const sales = await db.doc.send(
      new QueryCommand({
        TableName: db.tableName,
        IndexName: 'GSI3',
        KeyConditionExpression: 'GSI3PK = :pk',
        ExpressionAttributeValues: { ':pk': 'CHANNEL#seller1#SALES' },
      }),
    );
    expect((sales.Items ?? []).filter((s) => s.productId === id)).toHaveLength(1);
  });
});

describe('feature, lists and subscriptions', () => {
  it('features one product at a time; viewers subscribed to the channel see changes and bids, others do not', async () => {
    const heard: Loose[] = [];
    const otherChannel: Loose[] = [];
    const sub = await engine.subscribe(
      { query: 'subscription { onBidPlaced(channelId: "seller1") { productId amount bidderHandle } }', auth: guest },
      (r) => heard.push(r.data?.onBidPlaced),
    );
    const subOther = await engine.subscribe(
      { query: 'subscription { onBidPlaced(channelId: "seller2") { productId } }', auth: guest },
      (r) => otherChannel.push(r),
    );
    const changes: Loose[] = [];
    const subProducts = await engine.subscribe(
      {
        query: 'subscription($c: ID!) { onProductChanged(channelId: $c) { productId featured } }',
        variables: { c: 'seller1' },
        auth: viewer(1),
      },
      (r) => changes.push(r.data?.onProductChanged),
    );
    expect(sub.ok && subOther.ok && subProducts.ok).toBe(true);

    const a = await openAuction();
    const b = await openAuction();
    const fa = await gql(
      'mutation($p: ID!) { featureProduct(productId: $p) { channelId productId featured } }',
      seller,
      { p: a },
    );
    expect(fa.data?.featureProduct).toEqual({ channelId: 'seller1', productId: a, featured: true });
    await gql('mutation($p: ID!) { featureProduct(productId: $p) { channelId productId featured } }', seller, { p: b });
    const both = await gql(
      'query($a: ID!, $b: ID!) { a: product(productId: $a) { featured } b: product(productId: $b) { featured } }',
      guest,
      { a, b },
    );
    expect(both.data).toEqual({ a: { featured: false }, b: { featured: true } });
    const list = await gql('query { products(channelId: "seller1") { productId } }', guest);
    expect(list.data?.products[0].productId).toBe(b);
    expect(
      (await gql('mutation($p: ID!) { featureProduct(productId: $p) { productId } }', other, { p: a })).errors?.[0]
        ?.errorType,
    ).toBe('NOT_OWNER');
    const un = await gql(
      'mutation($p: ID!) { unfeatureProduct(productId: $p) { channelId productId featured } }',
      seller,
      { p: b },
    );
    expect(un.data?.unfeatureProduct.featured).toBe(false);

    await gql(BID, viewer(7), { i: { productId: a, amount: 3000, bidId: randomUUID() } });
    expect(heard).toEqual([{ productId: a, amount: 3000, bidderHandle: 'v7' }]);
    expect(otherChannel).toEqual([]);
    // create+start a, create+start b, feature a, feature b, unfeature b (the NOT_OWNER attempt publishes nothing).
    expect(changes.map((c) => c.productId)).toEqual([a, a, b, b, a, b, b]);
    if (sub.ok) sub.unsubscribe();
    if (subOther.ok) subOther.unsubscribe();
    if (subProducts.ok) subProducts.unsubscribe();
  });

  it('sales of a stream in time order, my bids, my purchases; IAM publishAuctionClosed reaches onAuctionClosed', async () => {
    const closedEvents: Loose[] = [];
    const s = await engine.subscribe(
      { query: 'subscription { onAuctionClosed(channelId: "seller1") { productId outcome } }', auth: guest },
      (r) => closedEvents.push(r.data?.onAuctionClosed),
    );
    expect(s.ok).toBe(true);
    const first = await gql(CREATE, seller, {
      i: input({ saleMode: 'BUY_NOW', startingBid: null, type: 'GENERIC', params: null }),
    });
    const second = await gql(CREATE, seller, {
      i: input({ saleMode: 'BUY_NOW', startingBid: null, type: 'GENERIC', params: null }),
    });
    await gql(BUY, viewer(8), { p: first.data?.createProduct.productId });
    await gql(BUY, viewer(8), { p: second.data?.createProduct.productId });
    const sales = await gql('query { salesOfStream(streamId: "st-1") { items { productId soldAt } } }', guest);
    const soldAts = (sales.data?.salesOfStream.items as { soldAt: string }[]).map((x) => x.soldAt);
    expect(soldAts).toEqual([...soldAts].sort());
    expect(soldAts.length).toBeGreaterThanOrEqual(2);
    const purchases = await gql('query { myPurchases { items { productId price } } }', viewer(8));
    expect(purchases.data?.myPurchases.items.map((p: { productId: string }) => p.productId)).toEqual([
      second.data?.createProduct.productId,
      first.data?.createProduct.productId,
    ]);
    const bids = await gql('query { myBids { items { amount } } }', viewer(7));
    expect(bids.data?.myBids.items).toEqual([{ amount: 3000 }]);
    expect((await gql('query { myBids { items { amount } } }', guest)).errors?.[0]?.errorType).toBe('Unauthorized');

    const lambda = {
      mode: 'AWS_IAM' as const,
      identity: {
        accountId: '000000000000',
        sourceIp: ['127.0.0.1'],
        userArn: 'arn:aws:sts::000000000000:assumed-role/auction-sweeper',
        username: 'sweeper',
      },
    };
    const pub = await gql(
      'mutation { publishAuctionClosed(input: { channelId: "seller1", productId: "prd_X", outcome: NO_SALE }) { channelId productId outcome } }',
      lambda,
    );
    expect(pub.errors).toBeUndefined();
    expect(
      (
        await gql(
          'mutation { publishAuctionClosed(input: { channelId: "seller1", productId: "prd_X", outcome: NO_SALE }) { productId } }',
          seller,
        )
      ).errors?.[0]?.errorType,
    ).toBe('Unauthorized');
    expect(closedEvents).toEqual([{ productId: 'prd_X', outcome: 'NO_SALE' }]);
  });
});

describe('createProduct validation agrees with the shared zod schema', () => {
  const cases: Record<string, unknown>[] = [
    {},
    { title: '' },
    { currency: 'XXX' },
    { startingBid: 99 },
    { buyNowPrice: 1000 },
    { saleMode: 'AUCTION', buyNowPrice: 5000 },
    { saleMode: 'BUY_NOW', startingBid: null, buyNowPrice: 500, type: 'GENERIC', params: null },
    { saleMode: 'BUY_NOW', startingBid: null, buyNowPrice: null, type: 'GENERIC', params: null },
    { durationSeconds: 10 },
    { softCloseSeconds: 500 },
    { params: JSON.stringify({ size: 'XXXL', colour: 'red' }) },
    { type: 'COLLECTIBLE', params: JSON.stringify({ grade: 'PSA 10', year: 1700 }) },
    { type: 'COLLECTIBLE', params: JSON.stringify({ grade: 'PSA 10', year: 1999 }) },
    { imageUrl: 'ftp://x/y.png' },
  ];
  it.each(cases.map((c) => [JSON.stringify(c), c]))('%s', async (_, over) => {
    const raw = input(over as Record<string, unknown>);
    const zodInput = { ...raw, params: raw.params ? JSON.parse(raw.params as string) : raw.params };
    const expected = firstProductInputError(zodInput);
    const r = await gql(CREATE, seller, { i: raw });
    if (expected === null) expect(r.errors).toBeUndefined();
    else expect(r.errors?.[0]).toMatchObject({ errorType: 'VALIDATION', errorInfo: { field: expected.field } });
  });

  it.each(['constructor', '__proto__', 'toString', 'hasOwnProperty'])(
    'refuses the prototype key %s as a currency (and never skips the minimum bid)',
    async (currency) => {
      const raw = input({ currency, startingBid: 1 });
      expect(firstProductInputError({ ...raw, params: JSON.parse(raw.params as string) })).toMatchObject({
        field: 'currency',
      });
      const r = await gql(CREATE, seller, { i: raw });
      expect(r.errors?.[0]).toMatchObject({ errorType: 'VALIDATION', errorInfo: { field: 'currency' } });
    },
  );
});

describe('IAM', () => {
  it("refused none of chat-moderation's DynamoDB calls", () => {
    expect(db.iam?.authorizer.denials).toEqual([]);
    expect(db.iam?.authorizer.evaluated.some((e) => e.caller === 'chat-moderation')).toBe(true);
  });
});
