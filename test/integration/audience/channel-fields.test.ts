/**
 * The audience authorization matrix of every API field that reaches a channel's content, generated
 * from the schema: each Query, Mutation and Subscription field taking a channelId, streamId or
 * productId (as an argument or in its input) must be classified below, or the first test fails
 * naming it. Each class says who may call the field; every field is then called as each role
 * (guest, viewer, follower, allow-listed, owner, admin, suspended streamer) under a followers-only,
 * a private and a Preview stream, and a public one, through the local GraphQL server (AppSync's auth
 * rules, the very resolver files, the Lambdas in-process); subscriptions are checked when they
 * subscribe, as AppSync checks them.
 */
import { randomUUID } from 'node:crypto';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import {
  getNamedType,
  isInputObjectType,
  type GraphQLField,
  type GraphQLObjectType,
  type GraphQLSchema,
} from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { iamAccess } from '../../../lib/api/access';
import { loadSchema } from '../../../lib/api/resolver-files';
import type { CognitoIdentity, LocalAuth } from '../../../local/appsync/engine';
import { WATCH_REFUSALS, type AudienceFields } from '../../../lambdas/shared/domain/audience';
import { ADMINS_GROUP } from '../../../lambdas/shared/domain/economy';
import { followKey, profileKey, streamSessionKey, suspensionKey } from '../../../lambdas/shared/domain/keys';
import { INDEFINITE_UNTIL } from '../../../lambdas/shared/domain/safety';
import { useEconomyApi, type Loose, type User } from '../economy/harness';

const api = useEconomyApi({
  conserve: false,
  // The field's own function, in-process, as the local mode runs it.
  invokeLambda: async (name, payload) => {
    const mod = (await import(`../../../lambdas/${name}/handler.ts`)) as { handler: (e: unknown) => unknown };
    return mod.handler(payload);
  },
});
const { db } = api;

/** The arguments (top level, or one level into an input object) that name a channel's content. */
const KEY_ARGUMENTS = ['channelId', 'streamId', 'productId'];

/** Root fields taking a channel, stream or product. */
function channelScopedFields(schema: GraphQLSchema): string[] {
  const out: string[] = [];
  const roots = [schema.getQueryType(), schema.getMutationType(), schema.getSubscriptionType()];
  for (const root of roots.filter((r): r is GraphQLObjectType => !!r)) {
    for (const field of Object.values(root.getFields()) as GraphQLField<unknown, unknown>[]) {
      const names = field.args.flatMap((a) => {
        const type = getNamedType(a.type);
        return isInputObjectType(type) ? [a.name, ...Object.keys(type.getFields())] : [a.name];
      });
      if (names.some((n) => KEY_ARGUMENTS.includes(n))) out.push(`${root.name}.${field.name}`);
    }
  }
  return out.sort();
}

const ROLES = ['guest', 'viewer', 'follower', 'allowListed', 'owner', 'admin', 'suspended'] as const;
type Role = (typeof ROLES)[number];
const owner: User = { sub: 'u-owner', handle: 'olga' };
const who: Record<Role, User | null> = {
  guest: null,
  viewer: { sub: 'u-viewer', handle: 'vera' },
  follower: { sub: 'u-follower', handle: 'fay' },
  allowListed: { sub: 'u-listed', handle: 'Lee.K' },
  owner,
  admin: { sub: 'u-admin', handle: 'ada', groups: [ADMINS_GROUP] },
  // A streamer whose own channel is suspended: for someone else's stream, a viewer like any other.
  suspended: { sub: 'u-suspended', handle: 'sus' },
};

/**
 * Who may call a field:
 * - `audience`: those the stream's audience admits (lambdas/shared/domain/audience.ts), refused
 *   with FORBIDDEN and the reason otherwise;
 * - `owner`: the channel's owner (moderators too, for the chat's moderation), nobody else;
 * - `signed-in`: any signed-in user, whatever the audience (`why` says why that is right);
 * - `public`: anyone, guests included, whatever the audience (`why` says why that is right);
 * - `backend`: the platform's Lambdas only (IAM, `publish*`).
 */
type Rule =
  | { kind: 'audience' | 'owner'; call: Call }
  | { kind: 'signed-in' | 'public'; why: string; call: Call }
  | { kind: 'backend'; why: string };
/** A request: GraphQL text and variables (fresh per call: ids that must be unique are). */
type Call = { query: string; variables: () => Record<string, unknown> };

let productId = '';
const STREAM_ID = 'st-matrix';
const c = (query: string, variables: () => Record<string, unknown> = () => ({ c: owner.sub })): Call => ({
  query,
  variables,
});
const sub = (field: string, selection = '__typename'): Call =>
  c(`subscription($c: ID!) { ${field}(channelId: $c) { ${selection} } }`);

const RULES: Record<string, Rule> = {
  'Query.products': { kind: 'audience', call: c('query($c: ID!) { products(channelId: $c) { productId } }') },
  'Query.product': {
    kind: 'audience',
    call: c('query($p: ID!) { product(productId: $p) { productId } }', () => ({ p: productId })),
  },
  'Query.salesOfStream': {
    kind: 'audience',
    call: c('query($s: ID!) { salesOfStream(streamId: $s) { items { saleId } } }', () => ({ s: STREAM_ID })),
  },
  'Query.chatHistory': { kind: 'audience', call: c('query($c: ID!) { chatHistory(channelId: $c) { messageId } }') },
  'Query.topGifters': { kind: 'audience', call: c('query($c: ID!) { topGifters(channelId: $c) { handle } }') },
  'Query.streamSession': {
    kind: 'public',
    why: "a session's title and times, which the streamer's profile shows to everyone; no video, chat or commerce",
    call: c('query($s: ID!) { streamSession(streamId: $s) { streamId } }', () => ({ s: STREAM_ID })),
  },
  'Query.chatSettings': {
    kind: 'public',
    why: 'slow mode and the like: how the chat behaves, none of its messages',
    call: c('query($c: ID!) { chatSettings(channelId: $c) { slowModeSeconds } }'),
  },
  'Query.currentBattle': {
    kind: 'public',
    why: 'a battle is shown on both channels: handles and scores, no video (playback still needs a token)',
    call: c('query($c: ID!) { currentBattle(channelId: $c) { battleId } }'),
  },
  'Query.battleHistory': {
    kind: 'public',
    why: 'results of ended battles, as the profile lists them',
    call: c('query($c: ID!) { battleHistory(channelId: $c) { items { battleId } } }'),
  },
  'Query.streamHealth': { kind: 'owner', call: c('query($c: ID!) { streamHealth(channelId: $c) { at } }') },
  'Query.moderators': { kind: 'owner', call: c('query($c: ID!) { moderators(channelId: $c) { userId } }') },
  'Query.bans': { kind: 'owner', call: c('query($c: ID!) { bans(channelId: $c) { userId } }') },
  'Query.timeouts': { kind: 'owner', call: c('query($c: ID!) { timeouts(channelId: $c) { userId } }') },
  'Query.moderationLog': {
    kind: 'owner',
    call: c('query($c: ID!) { moderationLog(channelId: $c) { items { action } } }'),
  },
  'Query.streamReport': {
    kind: 'owner',
    call: c('query($s: ID!) { streamReport(streamId: $s) { streamId } }', () => ({ s: STREAM_ID })),
  },
  'Mutation.placeBid': {
    kind: 'audience',
    call: c('mutation($i: PlaceBidInput!) { placeBid(input: $i) { bidId } }', () => ({
      i: { productId, amount: 1, bidId: `bid-${randomUUID()}` },
    })),
  },
  'Mutation.buyNow': {
    kind: 'audience',
    call: c('mutation($p: ID!) { buyNow(productId: $p) { saleId } }', () => ({ p: productId })),
  },
  'Mutation.likeStream': { kind: 'audience', call: c('mutation($c: ID!) { likeStream(channelId: $c) { likes } }') },
  'Mutation.createChatToken': {
    kind: 'audience',
    call: c('mutation($c: ID!) { createChatToken(channelId: $c) { role } }'),
  },
  'Mutation.sendGift': {
    kind: 'audience',
    call: c('mutation($i: SendGiftInput!) { sendGift(input: $i) { gift { id } } }', () => ({
      i: { channelId: owner.sub, giftId: 'rose', count: 1, clientGiftId: `g-${randomUUID()}` },
    })),
  },
  'Mutation.sendTip': {
    kind: 'audience',
    call: c('mutation($i: SendTipInput!) { sendTip(input: $i) { gift { id } } }', () => ({
      i: { channelId: owner.sub, coins: 1, clientGiftId: `t-${randomUUID()}` },
    })),
  },
  'Mutation.reportContent': {
    kind: 'signed-in',
    why: 'reporting must stay open to anyone who saw something, and reveals nothing about the stream',
    call: c('mutation($i: ReportInput!) { reportContent(input: $i) { targetId } }', () => ({
      i: { kind: 'STREAM', channelId: owner.sub, reason: 'SPAM' },
    })),
  },
  'Mutation.createProduct': {
    kind: 'owner',
    call: c('mutation($i: CreateProductInput!) { createProduct(input: $i) { productId } }', () => ({
      i: {
        channelId: owner.sub,
        title: 'Mug',
        type: 'GENERIC',
        saleMode: 'BUY_NOW',
        currency: 'USD',
        buyNowPrice: 900,
      },
    })),
  },
  'Mutation.featureProduct': {
    kind: 'owner',
    call: c('mutation($p: ID!) { featureProduct(productId: $p) { productId } }', () => ({ p: productId })),
  },
  'Mutation.unfeatureProduct': {
    kind: 'owner',
    call: c('mutation($p: ID!) { unfeatureProduct(productId: $p) { productId } }', () => ({ p: productId })),
  },
  'Mutation.startAuction': {
    kind: 'owner',
    call: c('mutation($p: ID!) { startAuction(productId: $p) { productId } }', () => ({ p: productId })),
  },
  'Mutation.closeAuction': {
    kind: 'owner',
    call: c('mutation($p: ID!) { closeAuction(productId: $p) { outcome } }', () => ({ p: productId })),
  },
  'Mutation.deleteChatMessage': {
    kind: 'owner',
    call: c('mutation($c: ID!) { deleteChatMessage(channelId: $c, messageId: "m-1") { action } }'),
  },
  'Mutation.timeoutUser': {
    kind: 'owner',
    call: c('mutation($c: ID!) { timeoutUser(channelId: $c, userId: "u-viewer", seconds: 60) { action } }'),
  },
  'Mutation.banUser': {
    kind: 'owner',
    call: c('mutation($c: ID!) { banUser(channelId: $c, userId: "u-viewer") { action } }'),
  },
  'Mutation.unbanUser': {
    kind: 'owner',
    call: c('mutation($c: ID!) { unbanUser(channelId: $c, userId: "u-viewer") { action } }'),
  },
  'Mutation.liftTimeout': {
    kind: 'owner',
    call: c('mutation($c: ID!) { liftTimeout(channelId: $c, userId: "u-viewer") { action } }'),
  },
  'Mutation.addModerator': {
    kind: 'owner',
    call: c('mutation($c: ID!) { addModerator(channelId: $c, handle: "vera") { action } }'),
  },
  'Mutation.removeModerator': {
    kind: 'owner',
    call: c('mutation($c: ID!) { removeModerator(channelId: $c, userId: "u-viewer") { action } }'),
  },
  'Mutation.updateChatSettings': {
    kind: 'owner',
    call: c('mutation($i: UpdateChatSettingsInput!) { updateChatSettings(input: $i) { slowModeSeconds } }', () => ({
      i: { channelId: owner.sub, slowModeSeconds: 0 },
    })),
  },
  'Mutation.publishStreamStatus': { kind: 'backend', why: 'stream-state publishes status changes' },
  'Mutation.publishStreamHealth': { kind: 'backend', why: 'the health poller publishes samples' },
  'Mutation.publishAuctionClosed': { kind: 'backend', why: 'the auction sweeper publishes closings' },
  'Mutation.publishGift': { kind: 'backend', why: 'gift-fanout publishes accepted gifts' },
  'Mutation.publishBattle': { kind: 'backend', why: 'the battles function publishes battle changes' },
  'Subscription.onProductChanged': { kind: 'audience', call: sub('onProductChanged', 'productId') },
  'Subscription.onBidPlaced': { kind: 'audience', call: sub('onBidPlaced', 'bidId') },
  'Subscription.onSaleMade': { kind: 'audience', call: sub('onSaleMade', 'saleId') },
  'Subscription.onAuctionClosed': { kind: 'audience', call: sub('onAuctionClosed', 'outcome') },
  'Subscription.onLike': { kind: 'audience', call: sub('onLike', 'likes') },
  'Subscription.onGift': { kind: 'audience', call: sub('onGift', 'id') },
  'Subscription.onBattle': { kind: 'audience', call: sub('onBattle', 'battleId') },
  'Subscription.onStreamHealth': { kind: 'owner', call: sub('onStreamHealth', 'at') },
  'Subscription.onStreamStatus': {
    kind: 'public',
    why: 'whether a channel is live, which browse and every profile show (a Preview stream is not listed as live)',
    call: sub('onStreamStatus', 'status'),
  },
};

/** The audience settings the matrix runs under. */
type Setting = 'PUBLIC' | 'FOLLOWERS' | 'PRIVATE' | 'PREVIEW';
const SETTINGS: Record<Setting, Partial<AudienceFields>> = {
  PUBLIC: {},
  FOLLOWERS: { audience: 'FOLLOWERS' },
  PRIVATE: { audience: 'PRIVATE', allowList: ['lee.k'] },
  PREVIEW: { audience: 'FOLLOWERS', inPreview: true },
};
/** Who the audience admits under each setting (the owner and admins always). */
const ADMITTED: Record<Setting, Role[]> = {
  PUBLIC: [...ROLES],
  FOLLOWERS: ['follower', 'owner', 'admin'],
  PRIVATE: ['allowListed', 'owner', 'admin'],
  PREVIEW: ['owner', 'admin'],
};

const schema = loadSchema();
/** Whether the field lets guests (IAM) call it at all. */
const guestsMayCall = (field: string): boolean => {
  const [type, name] = field.split('.') as [string, string];
  const def = (schema.getType(type) as GraphQLObjectType).getFields()[name];
  return (def?.astNode?.directives ?? []).some((d) => d.name.value === 'aws_iam');
};

const WATCH_REASONS = Object.keys(WATCH_REFUSALS);
/** Error types that mean "not yours": the owner-only fields' refusals. */
const NOT_YOURS = ['Unauthorized', 'UNAUTHORIZED', 'NOT_OWNER', 'FORBIDDEN'];

type Answer = { errorType?: string | null; errorInfo?: Loose; message?: string };

/** Runs `call` as `role`: the first error, or none. Subscriptions only subscribe (and unsubscribe). */
async function run(role: Role, call: Call): Promise<Answer | undefined> {
  const user = who[role];
  if (call.query.startsWith('subscription')) {
    const auth: LocalAuth = user
      ? {
          mode: 'AMAZON_COGNITO_USER_POOLS',
          identity: {
            sub: user.sub,
            username: user.sub,
            claims: { sub: user.sub, handle: user.handle, ...(user.groups ? { 'cognito:groups': user.groups } : {}) },
            groups: user.groups ?? null,
            issuer: 'test',
            sourceIp: ['127.0.0.1'],
            defaultAuthStrategy: 'ALLOW',
          } satisfies CognitoIdentity,
        }
      : {
          mode: 'AWS_IAM',
          identity: {
            cognitoIdentityAuthType: 'unauthenticated',
            accountId: '000000000000',
            sourceIp: ['127.0.0.1'],
            userArn: 'arn:aws:sts::000000000000:assumed-role/local-guest/guest',
            username: 'guest',
          },
        };
    const subscribed = await api.engine.subscribe(
      { query: call.query, variables: call.variables(), auth },
      () => undefined,
    );
    if (subscribed.ok) {
      subscribed.unsubscribe();
      return undefined;
    }
    return subscribed.errors[0] as Answer;
  }
  const r = await api.gql(user, call.query, call.variables());
  return r.errors?.[0] as Answer | undefined;
}

/** REFUSED when the class's refusal answered, else SERVED (any other answer, errors of the field's own included). */
function verdict(kind: Rule['kind'], answer: Answer | undefined): 'REFUSED' | 'SERVED' {
  if (!answer) return 'SERVED';
  if (answer.errorType === 'Unauthorized') return 'REFUSED';
  if (kind === 'audience')
    return answer.errorType === 'FORBIDDEN' && WATCH_REASONS.includes(answer.errorInfo?.reason) ? 'REFUSED' : 'SERVED';
  if (kind === 'owner') return NOT_YOURS.includes(String(answer.errorType)) ? 'REFUSED' : 'SERVED';
  return 'SERVED';
}

/** What the class says `role` gets under `setting`. */
function expected(field: string, rule: Rule, role: Role, setting: Setting): 'REFUSED' | 'SERVED' {
  if (role === 'guest' && !guestsMayCall(field)) return 'REFUSED';
  switch (rule.kind) {
    case 'audience':
      return ADMITTED[setting].includes(role) ? 'SERVED' : 'REFUSED';
    case 'owner':
      return role === 'owner' ? 'SERVED' : 'REFUSED';
    case 'backend':
      return 'REFUSED';
    default:
      return 'SERVED';
  }
}

async function seedProfile(fields: Partial<AudienceFields>): Promise<void> {
  await db.doc.send(
    new PutCommand({
      TableName: db.tableName,
      Item: {
        ...profileKey(owner.sub),
        type: 'Profile',
        userId: owner.sub,
        handle: owner.handle,
        status: 'LIVE',
        currentStreamId: STREAM_ID,
        liveSince: new Date().toISOString(),
        channelArn: 'arn:aws:ivs:us-east-1:000000000000:channel/olga',
        chatRoomArn: 'arn:aws:ivschat:us-east-1:000000000000:room/olga',
        tags: [],
        followerCount: 1,
        ...fields,
      },
    }),
  );
}

const put = (Item: Record<string, unknown>) => db.doc.send(new PutCommand({ TableName: db.tableName, Item }));

beforeAll(async () => {
  Object.assign(process.env, {
    AWS_ENDPOINT_URL_DYNAMODB: db.lambdaEndpoint,
    // Every other AWS service (IVS, IVS Chat, EventBridge, ...) at a closed port: its calls fail at
    // once. The matrix asks whether the audience rule refused, which it does before any of them.
    AWS_ENDPOINT_URL: 'http://127.0.0.1:9',
    AWS_MAX_ATTEMPTS: '1',
    RESOURCE_TAG: 'test',
    JOBS_BUS_NAME: 'test-jobs',
    // Reports from the matrix's five roles must not suspend the channel under test.
    AUTO_SUSPEND_REPORTS: '1000',
  });
  await seedProfile({});
  await put({ PK: `HANDLE#${owner.handle}`, SK: 'HANDLE', userId: owner.sub, handle: owner.handle });
  await put({
    ...streamSessionKey(STREAM_ID),
    type: 'StreamSession',
    streamId: STREAM_ID,
    userId: owner.sub,
    status: 'LIVE',
    startedAt: new Date().toISOString(),
  });
  await put({
    ...followKey('u-follower', owner.sub),
    type: 'Follow',
    followerId: 'u-follower',
    streamerId: owner.sub,
    streamerHandle: owner.handle,
  });
  await put({
    ...profileKey('u-suspended'),
    type: 'Profile',
    userId: 'u-suspended',
    handle: 'sus',
    status: 'OFFLINE',
    suspendedUntil: INDEFINITE_UNTIL,
  });
  await put({
    ...suspensionKey('u-suspended'),
    type: 'Suspension',
    userId: 'u-suspended',
    reason: 'Reported live stream.',
    source: 'AUTO',
    banned: false,
    since: new Date().toISOString(),
    until: INDEFINITE_UNTIL,
    byUserId: 'SYSTEM',
  });
  const created = await api.gql(owner, 'mutation($i: CreateProductInput!) { createProduct(input: $i) { productId } }', {
    i: {
      channelId: owner.sub,
      title: 'Signed poster',
      type: 'GENERIC',
      saleMode: 'AUCTION',
      currency: 'USD',
      startingBid: 1000,
      durationSeconds: 600,
    },
  });
  expect(created.errors).toBeUndefined();
  productId = created.data?.createProduct.productId;
  expect(
    (await api.gql(owner, 'mutation($p: ID!) { startAuction(productId: $p) { status } }', { p: productId })).errors,
  ).toBeUndefined();
}, 60_000);

afterAll(async () => {
  await seedProfile({});
});

describe('audience matrix of the channel-scoped fields (generated from the schema)', () => {
  it('classifies every field that takes a channelId, streamId or productId', () => {
    const fields = channelScopedFields(schema);
    const unclassified = fields.filter((f) => !RULES[f]);
    const stale = Object.keys(RULES).filter((f) => !fields.includes(f));
    expect(
      unclassified,
      `${unclassified.join(', ')} take${unclassified.length === 1 ? 's' : ''} a channelId, streamId or productId but ` +
        'the audience matrix does not classify it: add a row to RULES in test/integration/audience/channel-fields.test.ts ' +
        '(audience, owner, signed-in, public or backend), and gate its resolver if the audience applies.',
    ).toEqual([]);
    expect(stale, `${stale.join(', ')}: no longer in the schema; remove the row from RULES`).toEqual([]);
    expect(fields.length).toBeGreaterThan(40);
  });

  it('gives a reason for every field open beyond the audience', () => {
    const open = Object.entries(RULES).filter(([, r]) => r.kind === 'public' || r.kind === 'signed-in');
    expect(open.every(([, r]) => 'why' in r && r.why.length > 20)).toBe(true);
  });

  for (const setting of Object.keys(SETTINGS) as Setting[]) {
    it(`answers each field as its class says, for each role, under a ${setting} stream`, async () => {
      await seedProfile(SETTINGS[setting]);
      const got: Record<string, Record<Role, string>> = {};
      const want: Record<string, Record<Role, string>> = {};
      for (const [field, rule] of Object.entries(RULES)) {
        if (rule.kind === 'backend') continue;
        got[field] = {} as Record<Role, string>;
        want[field] = {} as Record<Role, string>;
        for (const role of ROLES) {
          const answer = await run(role, rule.call);
          const v = verdict(rule.kind, answer);
          // The answer itself rides along on a mismatch, so a failure says what came back.
          const e = expected(field, rule, role, setting);
          got[field][role] = v === e ? v : `${v} (${answer?.errorType ?? 'OK'}: ${answer?.message ?? ''})`;
          want[field][role] = e;
        }
      }
      expect(got).toEqual(want);
    }, 300_000);
  }

  it('grants the backend-only fields to the Lambdas alone: IAM only, and not to the guest role', () => {
    const access = iamAccess(schema);
    const backend = Object.entries(RULES)
      .filter(([, r]) => r.kind === 'backend')
      .map(([f]) => f);
    for (const field of backend) {
      const [type, name] = field.split('.') as [string, string];
      const directives = ((schema.getType(type) as GraphQLObjectType).getFields()[name]?.astNode?.directives ?? []).map(
        (d) => d.name.value,
      );
      expect(directives, field).toEqual(['aws_iam']);
      expect(access.backend, field).toContain(field);
      expect(access.guest, field).not.toContain(field);
    }
  });
});
