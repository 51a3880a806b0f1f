/**
 * Chat review handler per message, against DynamoDB Local: 10,000 messages from 500 senders with a
 * realistic blocked-word list (120 words, masking), through the real handler (cached room settings,
 * one conditional UpdateItem per message), beside a baseline that only echoes ALLOW (the floor).
 * Target: p99 under 20 ms including the DynamoDB call.
 */
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { randomUUID } from 'node:crypto';
import { startDynamoDbLocal, LOCAL_CREDENTIALS, LOCAL_REGION } from '../../local/dynamodb/server';
import { createTables } from '../../local/dynamodb/tables';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { BenchTable } from './run';

const MESSAGES = 10_000;
/** A Lambda instance reviews one message at a time: per-message latency is measured one at a time. */
const CONCURRENCY = 1;
const WORDS = [
  'scam',
  'fake',
  'counterfeit',
  'replica',
  'knockoff',
  'spam',
  'bot',
  'giveaway',
  'crypto',
  'dm me',
  'whatsapp',
  'telegram',
  ...Array.from({ length: 108 }, (_, i) => `badword${i}`),
];
const TEXTS = [
  'is this still available?',
  'love the colour!',
  'what size is the jacket',
  'this looks like a fake',
  'bid bid bid',
  'dm me for a better price',
  'how much is shipping to Canada?',
  'first time here, hello everyone',
  'can you show the back side again',
  'that is a replica for sure',
];

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

async function run(fn: (i: number) => Promise<unknown>): Promise<{ p50: number; p99: number; perSec: number }> {
  const times: number[] = [];
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < MESSAGES) {
        const i = next++;
        const s = performance.now();
        await fn(i);
        times.push(performance.now() - s);
      }
    }),
  );
  const total = performance.now() - t0;
  times.sort((x, y) => x - y);
  return { p50: pct(times, 50), p99: pct(times, 99), perSec: (MESSAGES / total) * 1000 };
}

export default async function bench(): Promise<BenchTable[]> {
  const server = await startDynamoDbLocal({ port: 0 });
  try {
    const client = new DynamoDBClient({
      endpoint: server.endpoint,
      region: LOCAL_REGION,
      credentials: LOCAL_CREDENTIALS,
    });
    const doc = DynamoDBDocumentClient.from(client);
    const table = `bench-${randomUUID().slice(0, 8)}`;
    await createTables(client, { Main: table, Idempotency: `${table}-idem` });
    Object.assign(process.env, {
      TABLE_NAME: table,
      AWS_ENDPOINT_URL_DYNAMODB: server.endpoint,
      AWS_REGION: LOCAL_REGION,
      AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
      POWERTOOLS_LOG_LEVEL: 'SILENT',
    });
    const room = 'arn:aws:ivschat:us-east-1:000000000000:room/bench';
    await doc.send(
      new PutCommand({
        TableName: table,
        Item: { PK: 'USER#c1', SK: 'PROFILE', userId: 'c1', chatRoomArn: room, viewerCount: 800 },
      }),
    );
    await doc.send(
      new PutCommand({
        TableName: table,
        Item: {
          PK: 'CHANNEL#c1',
          SK: 'CHAT',
          channelId: 'c1',
          slowModeSeconds: 0,
          autoSlowModeViewerThreshold: 1000,
          autoSlowModeSeconds: 5,
          blockedWords: WORDS,
          blockedWordsAction: 'MASK',
          maxMessageLength: 500,
        },
      }),
    );
    const { handler } = await import('../../lambdas/chat-review/handler');
    const event = (i: number) => ({
      Content: TEXTS[i % TEXTS.length] as string,
      MessageId: `m${i}`,
      RoomArn: room,
      Sender: { UserId: `u${i % 500}`, Attributes: { channelId: 'c1', handle: `user${i % 500}` } },
    });
    const echo = async (e: { Content: string }) => ({ ReviewResult: 'ALLOW', Content: e.Content, Attributes: {} });
    // Warm both paths (JIT, connections) before measuring.
    for (let i = 0; i < 200; i++) {
      await handler(event(i));
      await echo(event(i));
    }
    const baseline = await run((i) => echo(event(i)));
    // The same conditional write the handler makes, sent raw: DynamoDB Local's own share.
    const rawWrite = (i: number) =>
      doc.send(
        new UpdateCommand({
          TableName: table,
          Key: { PK: 'CHANNEL#c1', SK: `MEMBER#raw${i % 500}` },
          UpdateExpression: 'SET lastMessageAt = :now',
          ConditionExpression:
            'attribute_not_exists(bannedAt) AND (attribute_not_exists(timeoutUntil) OR timeoutUntil <= :now)',
          ExpressionAttributeValues: { ':now': new Date().toISOString() },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
    const raw = await run(rawWrite);
    const real = await run((i) => handler(event(i)));
    client.destroy();
    const fmt = (n: number) => Number(n.toFixed(3));
    return [
      {
        title: `Chat review handler: ${MESSAGES} messages, ${CONCURRENCY} in flight, ${WORDS.length} blocked words, DynamoDB Local`,
        rows: [
          {
            path: 'echo ALLOW (floor)',
            'p50 ms': fmt(baseline.p50),
            'p99 ms': fmt(baseline.p99),
            'msgs/s': Math.round(baseline.perSec),
          },
          {
            path: 'raw conditional UpdateItem (DynamoDB Local)',
            'p50 ms': fmt(raw.p50),
            'p99 ms': fmt(raw.p99),
            'msgs/s': Math.round(raw.perSec),
          },
          {
            path: 'review handler',
            'p50 ms': fmt(real.p50),
            'p99 ms': fmt(real.p99),
            'msgs/s': Math.round(real.perSec),
          },
        ],
        verdict: `Target p99 < 20 ms: ${real.p99 < 20 ? 'met' : 'NOT met'} (p99 ${fmt(real.p99)} ms).`,
      },
    ];
  } finally {
    await server.stop();
  }
}
