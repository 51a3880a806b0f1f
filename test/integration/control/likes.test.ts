/**
 * likeStream's idempotency through the local APPSYNC_JS engine on DynamoDB Local: a tap's
 * clientLikeId counts once however often it is sent, and concurrent distinct taps all count (a tap
 * that lost a race is answered CONFLICT and sent again with its id, as the web app does).
 */
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { createEngine } from '../../../local/appsync/engine';
import { useDynamoDbLocal } from '../../support/dynamo';

const db = useDynamoDbLocal();
let engine: ReturnType<typeof createEngine>;

const user = (sub: string) => ({
  mode: 'AMAZON_COGNITO_USER_POOLS' as const,
  identity: {
    sub,
    username: sub,
    claims: { handle: sub },
    groups: null,
    issuer: 'local',
    sourceIp: ['127.0.0.1'],
    defaultAuthStrategy: 'ALLOW',
  },
});
type Answer = {
  data?: { likeStream: { channelId: string; likes: number } | null } | null;
  errors?: { message: string; errorType?: string }[];
};
const LIKE = 'mutation($c: ID!, $id: ID) { likeStream(channelId: $c, clientLikeId: $id) { channelId likes } }';
const like = (channelId: string, clientLikeId: string | undefined, who = 'fan1') =>
  engine.execute({
    query: LIKE,
    variables: { c: channelId, id: clientLikeId },
    auth: user(who) as never,
  }) as Promise<Answer>;

/** Sends until answered with data, as the web app's like button does (same id every time). */
async function likeUntilCounted(
  channelId: string,
  clientLikeId: string,
  who: string,
): Promise<{ answer: Answer; conflicts: number }> {
  for (let attempt = 0, conflicts = 0; ; attempt++) {
    const answer = await like(channelId, clientLikeId, who);
    const type = answer.errors?.[0]?.errorType;
    if (!answer.errors?.length || attempt >= 60 || (type !== 'CONFLICT' && type !== 'Unavailable'))
      return { answer, conflicts };
    conflicts++;
    await new Promise((r) => setTimeout(r, 20 + Math.random() * 80));
  }
}

const liveProfile = async (channelId: string) =>
  db.doc.send(
    new PutCommand({
      TableName: db.tableName,
      Item: {
        PK: `USER#${channelId}`,
        SK: 'PROFILE',
        type: 'Profile',
        userId: channelId,
        handle: channelId,
        status: 'LIVE',
        likes: 0,
      },
    }),
  );
const likesOf = async (channelId: string) =>
  (
    await db.doc.send(
      new GetCommand({
        TableName: db.tableName,
        Key: { PK: `USER#${channelId}`, SK: 'PROFILE' },
        ConsistentRead: true,
      }),
    )
  ).Item?.likes as number;

beforeAll(() => {
  engine = createEngine({
    dynamo: db.client,
    tables: { Main: db.tableName, Idempotency: db.idempotencyTableName },
    invokeLambda: async () => {
      throw new Error('no Lambda here');
    },
  });
});

describe('likeStream with a clientLikeId', () => {
  it('the same clientLikeId sent 5 times counts once; each answer is the total', async () => {
    await liveProfile('ch-once');
    const answers = [];
    for (let i = 0; i < 5; i++) answers.push(await like('ch-once', 'tap-once-0001'));
    expect(answers.map((a) => a.errors)).toEqual([undefined, undefined, undefined, undefined, undefined]);
    expect(answers.map((a) => a.data?.likeStream)).toEqual(Array(5).fill({ channelId: 'ch-once', likes: 1 }));
    expect(await likesOf('ch-once')).toBe(1);
    // The marker carries a TTL, so the table does not keep every tap forever.
    const marker = (
      await db.doc.send(
        new GetCommand({
          TableName: db.tableName,
          Key: { PK: 'LIKE#ch-once#fan1#tap-once-0001', SK: 'LIKE' },
          ConsistentRead: true,
        }),
      )
    ).Item;
    expect(marker?.expiresAt).toBeGreaterThan(Date.now() / 1000 + 86_000);
    // Another tap counts; the same id from another user is that user's own tap.
    expect((await like('ch-once', 'tap-once-0002')).data?.likeStream?.likes).toBe(2);
    expect((await like('ch-once', 'tap-once-0001', 'fan2')).data?.likeStream?.likes).toBe(3);
  });

  it('sent 5 times at once, one clientLikeId still counts once', async () => {
    await liveProfile('ch-burst');
    const answers = await Promise.all(
      Array.from({ length: 5 }, () => likeUntilCounted('ch-burst', 'tap-burst-0001', 'fan1')),
    );
    expect(answers.map((a) => a.answer.errors)).toEqual(Array(5).fill(undefined));
    expect(await likesOf('ch-burst')).toBe(1);
  });

  it('100 distinct likes sent concurrently count 100', async () => {
    await liveProfile('ch-100');
    const results = await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        likeUntilCounted('ch-100', `tap-100-${String(i).padStart(4, '0')}`, `fan${i % 10}`),
      ),
    );
    const failed = results.filter((r) => r.answer.errors?.length).map((r) => r.answer.errors?.[0]);
    expect(failed).toEqual([]);
    expect(await likesOf('ch-100')).toBe(100);
    // Every answer is a total the count passed through: at least 1, at most 100.
    for (const r of results) expect(r.answer.data?.likeStream?.likes).toBeGreaterThanOrEqual(1);
    expect(Math.max(...results.map((r) => r.answer.data?.likeStream?.likes ?? 0))).toBe(100);
    console.info(
      `100 concurrent likes: ${results.reduce((n, r) => n + r.conflicts, 0)} CONFLICT answers retried with the same id`,
    );
  }, 120_000);

  it('refuses a malformed id, an offline stream and a guest, writing nothing', async () => {
    await liveProfile('ch-refuse');
    const bad = await like('ch-refuse', 'has spaces in it');
    expect(bad.errors?.[0]).toMatchObject({ errorType: 'VALIDATION' });
    expect((await like('ch-refuse', 'x'.repeat(65))).errors?.[0]?.errorType).toBe('VALIDATION');
    expect((await like('nobody-live', 'tap-refuse-0001')).errors?.[0]?.errorType).toBe('NOT_LIVE');
    const guest = (await engine.execute({
      query: LIKE,
      variables: { c: 'ch-refuse', id: 'tap-refuse-0002' },
      auth: { mode: 'AWS_IAM', identity: { cognitoIdentityAuthType: 'unauthenticated' } } as never,
    })) as Answer;
    expect(guest.errors?.[0]?.errorType).toMatch(/UNAUTHORIZED|Unauthorized/);
    expect(await likesOf('ch-refuse')).toBe(0);
    expect(
      (
        await db.doc.send(
          new GetCommand({
            TableName: db.tableName,
            Key: { PK: 'LIKE#nobody-live#fan1#tap-refuse-0001', SK: 'LIKE' },
            ConsistentRead: true,
          }),
        )
      ).Item,
    ).toBeUndefined();
  });

  it('without a clientLikeId each call counts, as before', async () => {
    await liveProfile('ch-plain');
    expect((await like('ch-plain', undefined)).data?.likeStream?.likes).toBe(1);
    expect((await like('ch-plain', undefined)).data?.likeStream?.likes).toBe(2);
  });
});
