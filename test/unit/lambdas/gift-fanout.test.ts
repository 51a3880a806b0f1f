/**
 * gift-fanout: only gift and tip ledger inserts are fanned out; every one is published to onGift,
 * a big one also becomes the broadcaster's GIFT notification (stored under a deterministic id,
 * then pushed); a failed publish fails only its own record.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import type { DynamoDBRecord } from 'aws-lambda';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { GiftEvent } from '../../../lambdas/shared/domain/economy';

const publish = vi.hoisted(() => vi.fn(async (_mutation: string, _variables: Record<string, unknown>) => ({})));
vi.hoisted(() => {
  process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
});
vi.mock('../../../lambdas/shared/appsync-publish', () => ({ publish }));

const { giftOf, handleRecords } = await import('../../../lambdas/gift-fanout/handler');

const doc = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' }));
const ddb = mockClient(doc);

const event = (over: Partial<GiftEvent> = {}): GiftEvent => ({
  id: 'gft_1',
  channelId: 'bea',
  streamId: 's1',
  kind: 'GIFT',
  giftId: 'rose',
  giftName: 'Rose',
  animation: 'rose',
  count: 2,
  coins: 10,
  message: null,
  senderId: 'vera',
  senderHandle: 'vera',
  sentAt: '2026-12-02T18:00:00.000Z',
  big: false,
  ...over,
});
let seq = 0;
const record = (image: Record<string, unknown>, eventName: 'INSERT' | 'MODIFY' = 'INSERT'): DynamoDBRecord => ({
  eventID: `e${++seq}`,
  eventName,
  eventSource: 'aws:dynamodb',
  dynamodb: {
    SequenceNumber: String(seq),
    Keys: marshall({ PK: image.PK, SK: image.SK }) as never,
    NewImage: marshall(image, { removeUndefinedValues: true }) as never,
  },
});
const sent = (gift: GiftEvent, kind = 'GIFT_SENT') =>
  record({
    PK: `USER#${gift.senderId}`,
    SK: `LEDGER#${gift.sentAt}#${gift.id}`,
    type: 'LedgerEntry',
    kind,
    coins: -gift.coins,
    gift,
  });

beforeEach(() => {
  ddb.reset();
  publish.mockReset();
  publish.mockResolvedValue({});
});

describe('gift-fanout', () => {
  it('reads the event from gift and tip ledger inserts only', () => {
    expect(giftOf(sent(event()))).toEqual(event());
    expect(giftOf(sent(event({ kind: 'TIP' }), 'TIP_SENT'))?.kind).toBe('TIP');
    expect(
      giftOf(record({ PK: 'USER#bea', SK: 'LEDGER#x', type: 'LedgerEntry', kind: 'GIFT_RECEIVED', coins: 10 })),
    ).toBeUndefined();
    expect(
      giftOf(record({ PK: 'USER#v', SK: 'LEDGER#y', type: 'LedgerEntry', kind: 'PURCHASE', coins: 10 })),
    ).toBeUndefined();
    expect(giftOf({ ...sent(event()), eventName: 'MODIFY' })).toBeUndefined();
  });

  it("publishes every gift; a big one is stored and pushed as the broadcaster's GIFT notification", async () => {
    const big = event({
      id: 'gft_big',
      kind: 'TIP',
      giftId: null,
      giftName: null,
      animation: null,
      count: 1,
      coins: 800,
      message: 'you rock',
      big: true,
    });
    const out = await handleRecords(doc, 'Main', [sent(event()), sent(big, 'TIP_SENT')]);
    expect(out.batchItemFailures).toEqual([]);
    expect(
      publish.mock.calls.map(([m, v]) => [
        m.includes('publishGift') ? 'gift' : 'notification',
        (v.input as { id?: string; kind?: string }).id ?? (v.input as { kind: string }).kind,
      ]),
    ).toEqual([
      ['gift', 'gft_1'],
      ['gift', 'gft_big'],
      ['notification', 'GIFT'],
    ]);
    const put = ddb.commandCalls(PutCommand)[0]?.args[0].input.Item as Record<string, unknown>;
    expect(put).toMatchObject({
      PK: 'USER#bea',
      type: 'Notification',
      kind: 'GIFT',
      userId: 'bea',
      title: '@vera sent you a tip of 800 coins',
      body: '"you rock"',
      read: false,
    });
    expect(String(put.SK)).toBe(`NOTIF#${big.sentAt}#${String(put.notificationId)}`);
    // The same gift again (a redelivered record) is stored under the same id.
    await handleRecords(doc, 'Main', [sent(big, 'TIP_SENT')]);
    expect(ddb.commandCalls(PutCommand)[1]?.args[0].input.Item?.notificationId).toBe(put.notificationId);
  });

  it("reports a failed publish as that record's failure only", async () => {
    publish.mockImplementation(async (_m, v) => {
      if ((v.input as { id: string }).id === 'gft_bad') throw new Error('AppSync said no');
      return {};
    });
    const bad = sent(event({ id: 'gft_bad' }));
    const out = await handleRecords(doc, 'Main', [sent(event({ id: 'gft_a' })), bad, sent(event({ id: 'gft_c' }))]);
    expect(out.batchItemFailures).toEqual([{ itemIdentifier: bad.dynamodb?.SequenceNumber }]);
    expect(publish).toHaveBeenCalledTimes(3);
  });
});
