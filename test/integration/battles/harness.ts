/**
 * The battles' integration harness: DynamoDB Local, the local APPSYNC_JS engine behind the local
 * GraphQL server (AppSync's auth rules over HTTP), the battles function as the Lambda data source
 * and the local Scheduler's target (its schedules fire the same dispatch), and the table stream
 * driven by hand (`fanOut`) as the event source mapping would. Coins are conserved after every test.
 */
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { dispatch } from '../../../lambdas/battles/handler';
import { eventBridgeSchedules } from '../../../lambdas/battles/schedules';
import type { BattleDeps } from '../../../lambdas/battles/service';
import { battlesEnvironment, type BattleSettings } from '../../../lambdas/shared/domain/battles';
import {
  DEFAULT_ECONOMY_SETTINGS,
  DEFAULT_GIFT_CATALOG,
  economyEnvironment,
  type Economy,
} from '../../../lambdas/shared/domain/economy';
import { handleKey, profileKey } from '../../../lambdas/shared/domain/keys';
import { createEngine, type Engine } from '../../../local/appsync/engine';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../../local/dynamodb/server';
import { startLocalGraphql, type LocalGraphql } from '../../../local/graphql/server';
import { runAs } from '../../../local/iam/caller';
import { startLocalScheduler, type LocalScheduler } from '../../../local/scheduler/index';
import { tableStream } from '../../support/table-stream';
import { useDynamoDbLocal, type DynamoDbLocalContext } from '../../support/dynamo';
import { assertConservation } from '../economy/conservation';

export const ECONOMY: Economy = { ...DEFAULT_ECONOMY_SETTINGS, gifts: DEFAULT_GIFT_CATALOG };
/** Short settle time and reconnect grace so the tests' battles end quickly; 4 counters per side. */
export const SETTINGS: BattleSettings = { bonusPercent: 10, scoreShards: 4, settleMs: 300, reconnectGraceSeconds: 2 };

export interface User {
  sub: string;
  handle: string;
}
// GraphQL answers are checked by value.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Loose = any;
export interface Result {
  data?: Record<string, Loose> | null;
  errors?: { message: string; errorType?: string | null; errorInfo?: Loose }[];
}

export interface BattleApi {
  db: DynamoDbLocalContext;
  engine: Engine;
  server: LocalGraphql;
  scheduler: LocalScheduler;
  /** What the battles function works with (its clock may be replaced by a test). */
  deps: BattleDeps;
  gql(who: User | null, query: string, variables?: Record<string, unknown>): Promise<Result>;
  /** Runs the battles function over every table-stream record written since the last call (publishes, forfeits). */
  fanOut(): Promise<void>;
  /** A streamer's profile (live or not) and handle claim, as provisioning and stream-state write them. */
  streamer(u: User, live: boolean): Promise<void>;
  /** The stream-state function's write when a stream ends (stamped with the event's time, now). */
  goOffline(u: User): Promise<void>;
  /** The stream-state function's write when the stream starts again (stamped now). */
  goLive(u: User): Promise<void>;
}

const tokenOf = (u: User): string =>
  `test.${Buffer.from(
    JSON.stringify({
      sub: u.sub,
      iss: 'test',
      token_use: 'id',
      aud: 'test',
      'cognito:username': u.sub,
      handle: u.handle,
    }),
  ).toString('base64url')}`;

export function useBattleApi(): BattleApi {
  const db = useDynamoDbLocal();
  const api = { db } as BattleApi;
  const stream = tableStream(db);
  let lambdaDoc: DynamoDBDocumentClient | undefined;
  let schedulerClient: SchedulerClient | undefined;
  beforeAll(async () => {
    const invoke = (name: string, event: unknown): Promise<unknown> => {
      if (name !== 'battles') throw new Error(`no function ${name} in the battles harness`);
      return runAs('battles', () => dispatch(api.deps, event));
    };
    api.scheduler = await startLocalScheduler({ invoke, port: 0 });
    api.engine = createEngine({
      dynamo: db.client,
      tables: { Main: db.tableName, Idempotency: db.idempotencyTableName },
      env: { ...economyEnvironment(ECONOMY), ...battlesEnvironment(SETTINGS) },
      invokeLambda: invoke,
    });
    api.server = await startLocalGraphql({
      engine: api.engine,
      port: 0,
      verify: async (jwt) =>
        JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<string, unknown> & {
          sub: string;
          iss: string;
        },
    });
    Object.assign(process.env, {
      TABLE_NAME: db.tableName,
      GRAPHQL_URL: api.server.url,
      AWS_REGION: LOCAL_REGION,
      AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
      POWERTOOLS_LOG_LEVEL: 'SILENT',
    });
    lambdaDoc = DynamoDBDocumentClient.from(
      new DynamoDBClient({ endpoint: db.lambdaEndpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS }),
      {
        marshallOptions: { removeUndefinedValues: true },
      },
    );
    schedulerClient = new SchedulerClient({
      endpoint: api.scheduler.url,
      region: LOCAL_REGION,
      credentials: LOCAL_CREDENTIALS,
    });
    api.deps = {
      doc: lambdaDoc,
      table: db.tableName,
      settings: SETTINGS,
      economy: { coinValueMinor: ECONOMY.coinValueMinor, currency: ECONOMY.currency, shards: ECONOMY.shards },
      schedules: eventBridgeSchedules(schedulerClient, {
        group: 'local-battles',
        roleArn: 'arn:aws:iam::000000000000:role/local-battles-scheduler',
        targetArn: 'arn:aws:lambda:us-east-1:000000000000:function:local-battles',
      }),
      now: () => Date.now(),
      sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
      warn: () => undefined,
    };
  });
  afterAll(async () => {
    await api.scheduler?.stop();
    schedulerClient?.destroy();
    lambdaDoc?.destroy();
    await api.server?.stop();
  });
  afterEach(async () => {
    await assertConservation(db.doc, db.tableName, ECONOMY.coinValueMinor);
  });
  api.gql = async (who, query, variables = {}) => {
    const res = await fetch(api.server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(who ? { authorization: tokenOf(who) } : {}) },
      body: JSON.stringify({ query, variables }),
    });
    return (await res.json()) as Result;
  };
  api.fanOut = async () => {
    await stream.drain(async (records) => {
      const out = (await runAs('battles', () => dispatch(api.deps, { Records: records }))) as {
        batchItemFailures: unknown[];
      };
      if (out.batchItemFailures.length)
        throw new Error(`battles fan-out failed ${out.batchItemFailures.length} records`);
    });
  };
  api.streamer = async (u, live) => {
    await db.doc.send(
      new PutCommand({
        TableName: db.tableName,
        Item: {
          ...profileKey(u.sub),
          type: 'Profile',
          userId: u.sub,
          handle: u.handle,
          displayName: u.handle.toUpperCase(),
          status: live ? 'LIVE' : 'OFFLINE',
          playbackUrl: `https://play.example/${u.handle}.m3u8`,
          followerCount: 0,
          tags: [],
          ...(live ? { currentStreamId: `st-${u.sub}`, GSI1PK: 'LIVE', GSI1SK: new Date().toISOString() } : {}),
        },
      }),
    );
    await db.doc.send(
      new PutCommand({
        TableName: db.tableName,
        Item: { ...handleKey(u.handle), type: 'Handle', userId: u.sub, handle: u.handle },
      }),
    );
  };
  api.goOffline = async (u) => {
    await db.doc.send(
      new UpdateCommand({
        TableName: db.tableName,
        Key: profileKey(u.sub),
        UpdateExpression: 'SET #status = :offline, lastEventAt = :at REMOVE GSI1PK, GSI1SK, currentStreamId, liveSince',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':offline': 'OFFLINE', ':at': new Date().toISOString() },
      }),
    );
  };
  api.goLive = async (u) => {
    const at = new Date().toISOString();
    await db.doc.send(
      new UpdateCommand({
        TableName: db.tableName,
        Key: profileKey(u.sub),
        UpdateExpression:
          'SET #status = :live, lastEventAt = :at, liveSince = :at, currentStreamId = :sid, GSI1PK = :pk, GSI1SK = :at',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':live': 'LIVE', ':at': at, ':sid': `st-${u.sub}-${at}`, ':pk': 'LIVE' },
      }),
    );
  };
  return api;
}

export const SIDE = 'channelId handle displayName playbackUrl score reconnectBy';
export const BATTLE_FIELDS = `battleId status durationSeconds invitedAt expiresAt startsAt endsAt endedAt channelId updatedAt inviter { ${SIDE} } invitee { ${SIDE} } result { outcome winnerChannelId forfeitChannelId bonusCoins }`;
export const INVITE = `mutation($i: InviteToBattleInput!) { inviteToBattle(input: $i) { ${BATTLE_FIELDS} } }`;
export const RESPOND = `mutation($b: ID!, $a: Boolean!) { respondToBattle(battleId: $b, accept: $a) { ${BATTLE_FIELDS} } }`;
export const CANCEL = `mutation($b: ID!) { cancelBattleInvitation(battleId: $b) { ${BATTLE_FIELDS} } }`;
export const END = `mutation($b: ID!) { endBattle(battleId: $b) { ${BATTLE_FIELDS} } }`;
export const BATTLE = `query($b: ID!) { battle(battleId: $b) { ${BATTLE_FIELDS} } }`;
export const CURRENT = `query($c: ID!) { currentBattle(channelId: $c) { ${BATTLE_FIELDS} } }`;
export const GIFT_FIELDS = 'id channelId coins sentAt battleId';
export const SEND_GIFT = `mutation($i: SendGiftInput!) { sendGift(input: $i) { gift { ${GIFT_FIELDS} } wallet { coins } } }`;
