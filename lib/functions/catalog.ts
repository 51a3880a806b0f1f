/**
 * The platform's functions, declared once: the CDK constructs create them from this catalog and
 * the local mode runs the same handlers in-process from it. Entry points are
 * `lambdas/<name>/handler.ts` exporting `handler`.
 */
import { EMAIL_PAGE_EVENT } from '../../lambdas/shared/domain/alerts';
import { GO_PUBLIC_EVENT } from '../../lambdas/shared/domain/audience';
import { RECORDING_JOB_PAGE, RECORDING_JOBS_SOURCE } from '../../lambdas/shared/recording-jobs';

/** An EventBridge pattern on IVS events (the same object the local event bus matches). */
export interface IvsEventPattern {
  readonly source: readonly ['aws.ivs'];
  readonly 'detail-type': readonly string[];
  readonly detail?: Record<string, readonly unknown[]>;
}

/** An EventBridge pattern on the platform's own job events (PutEvents on the stack's jobs bus). */
export interface PlatformEventPattern {
  readonly source: readonly string[];
  readonly 'detail-type': readonly string[];
}

export type Trigger =
  | { readonly kind: 'appsync'; readonly fields: readonly string[] }
  | { readonly kind: 'eventbridge'; readonly ruleId: string; readonly pattern: IvsEventPattern }
  | { readonly kind: 'schedule'; readonly ruleId: string; readonly everyMinutes: number }
  | {
      readonly kind: 'table-stream';
      /** Lambda event filter (the `Filters` pattern) so only matching records invoke the function. */
      readonly filter?: Record<string, unknown>;
      /** Records per invocation; the factory's default (50) applies when absent. */
      readonly batchSize?: number;
    }
  | { readonly kind: 'cognito-post-confirmation' }
  | { readonly kind: 'cognito-pre-token-generation' }
  | { readonly kind: 'chat-review' }
  /** The chat log group's subscription filter (CloudWatch Logs delivers each batch of IVS Chat's room logs). */
  | { readonly kind: 'chat-log' }
  | { readonly kind: 's3-restore-completed' }
  /** S3 ObjectCreated on the recordings' HLS playlists (`ivs/…/master.m3u8`, `ivs/…/playlist.m3u8`) while IVS writes them. */
  | { readonly kind: 's3-recording-playlist' }
  | { readonly kind: 'custom-resource' }
  /** The platform's own events on the stack's jobs bus: async, retried, failures to the dead-letter queue (lib/constructs/jobs.ts). */
  | { readonly kind: 'platform-event'; readonly ruleId: string; readonly pattern: PlatformEventPattern }
  /** A public HTTPS endpoint (Lambda function URL, auth NONE). */
  | { readonly kind: 'function-url' }
  /** A public route of the analytics HTTP API (API Gateway, payload format 2.0, throttled by its stage). */
  | { readonly kind: 'http-api'; readonly method: 'POST'; readonly path: string }
  /**
   * The target of one-time EventBridge Scheduler schedules the function itself creates (invoked
   * through the scheduler role of lib/constructs/battles.ts; locally by local/scheduler).
   */
  | { readonly kind: 'one-time-schedule' };

/**
 * IAM actions on the main table (and its indexes): each is what one kind of call the code sends needs
 * (a TransactWriteItems needs the action of each item kind it holds, a TransactGetItems GetItem).
 */
export type TableAction = TableReadAction | 'PutItem' | 'UpdateItem' | 'DeleteItem' | 'BatchWriteItem';

/** The table actions that change nothing (ConditionCheckItem only reads, inside a transaction). */
export const TABLE_READ_ACTIONS = ['GetItem', 'BatchGetItem', 'Query', 'Scan', 'ConditionCheckItem'] as const;
export type TableReadAction = (typeof TABLE_READ_ACTIONS)[number];

/** Whether `actions` only read: a function declaring these may be granted no write action. */
export function readsOnly(actions: readonly TableAction[]): boolean {
  return actions.every((a) => (TABLE_READ_ACTIONS as readonly string[]).includes(a));
}

export interface FunctionSpec {
  /** Folder under `lambdas/`, kebab-case. */
  readonly name: string;
  readonly description: string;
  readonly triggers: readonly Trigger[];
  /** Seconds; the factory's default (10 s) applies when absent. */
  readonly timeoutSeconds?: number;
  /** @default 256 */
  readonly memoryMb?: number;
  /**
   * What the code does on the main table: the stack grants exactly these actions (table stream
   * reads come with a `table-stream` trigger).
   * @default no access to the main table
   */
  readonly table?: readonly TableAction[];
  /**
   * Keeps Powertools idempotency records (the idempotency table: get, put, update, delete).
   * @default false
   */
  readonly idempotency?: boolean;
  /**
   * Calls the API's `publish*` mutations to reach subscribers (lambdas/shared/appsync-publish.ts).
   * @default false
   */
  readonly publishes?: boolean;
  /**
   * Puts job events on the stack's jobs bus (lambdas/shared/jobs-bus.ts).
   * @default false
   */
  readonly putsJobs?: boolean;
  /**
   * Creates and deletes the battles' one-time schedules in their schedule group, passing the
   * scheduler role (lib/constructs/battles.ts).
   * @default false
   */
  readonly schedulesBattles?: boolean;
  /**
   * Reads the recordings' HLS playlists and writes their DVR views beside them (objects under
   * `ivs/…/media/hls/` of the recordings bucket only), with the stage's DVR window.
   * @default false
   */
  readonly writesDvrViews?: boolean;
  /**
   * Analytics (lib/constructs/analytics.ts): `ingest` puts viewer events on the Firehose stream;
   * `reports` runs the named queries in the Athena workgroup (reading the events table and bucket,
   * writing the workgroup's results).
   * @default no analytics access
   */
  readonly analytics?: 'ingest' | 'reports';
  /**
   * Emits viewer milestones (lambdas/shared/viewer-milestones.ts): PutEvents on the default bus and
   * a system line (SendEvent) in the stage's chat rooms.
   * @default false
   */
  readonly emitsMilestones?: boolean;
}

export const STREAM_STATE_PATTERN: IvsEventPattern = {
  source: ['aws.ivs'],
  'detail-type': ['IVS Stream State Change'],
};

export const RECORDING_STATE_PATTERN: IvsEventPattern = {
  source: ['aws.ivs'],
  'detail-type': ['IVS Recording State Change'],
};

export const GO_LIVE_PATTERN: IvsEventPattern = {
  source: ['aws.ivs'],
  'detail-type': ['IVS Stream State Change'],
  detail: { event_name: ['Stream Start'] },
};

export const RECORDING_JOBS_PATTERN: PlatformEventPattern = {
  source: [RECORDING_JOBS_SOURCE],
  'detail-type': [RECORDING_JOB_PAGE],
};

/** The go-live fan-out's continuation events: one per page run of a stream's email fan-out. */
export const GO_LIVE_EMAIL_PATTERN: PlatformEventPattern = {
  source: [EMAIL_PAGE_EVENT.source],
  'detail-type': [EMAIL_PAGE_EVENT.detailType],
};

/** Go public (lambdas/playback): the end of a stream's Preview, when followers are alerted. */
export const GO_PUBLIC_PATTERN: PlatformEventPattern = {
  source: [GO_PUBLIC_EVENT.source],
  'detail-type': [GO_PUBLIC_EVENT.detailType],
};

/** Table-stream records that request a provisioning run (provisionMe's lease write). */
export const PROVISIONING_REQUESTED: Record<string, unknown> = {
  eventName: ['INSERT', 'MODIFY'],
  dynamodb: { NewImage: { type: { S: ['Provisioning'] }, status: { S: ['PROVISIONING'] } } },
};

/** Table-stream records of accepted gifts and tips: the sender's ledger entry, which holds the event (docs/economy.md). */
export const GIFT_SENT: Record<string, unknown> = {
  eventName: ['INSERT'],
  dynamodb: { NewImage: { type: { S: ['LedgerEntry'] }, kind: { S: ['GIFT_SENT', 'TIP_SENT'] } } },
};

/** The analytics events route (POST {analyticsUrl}/events). */
export const ANALYTICS_EVENTS_PATH = '/events';
/**
 * Table-stream records the battles function publishes or acts on: battles and their score counters
 * (every change, each accepted gift included), and profiles of streamers in a battle (a side whose
 * stream ended forfeits). Only these items carry a battleId.
 */
export const BATTLE_CHANGED: Record<string, unknown> = {
  dynamodb: { NewImage: { type: { S: ['Battle', 'BattleScore', 'Profile'] }, battleId: { S: [{ exists: true }] } } },
};

export const FUNCTIONS: readonly FunctionSpec[] = [
  {
    name: 'provision-streamer',
    description:
      'Studio: provisionMe takes a lease and answers at once; the run (table stream) creates the IVS channel, stream key, chat room and profile (idempotent).',
    triggers: [
      { kind: 'appsync', fields: ['Mutation.provisionMe', 'Query.myProvisioning'] },
      // One run per invocation: a slow run (IVS throttling) never holds up another user's.
      { kind: 'table-stream', filter: PROVISIONING_REQUESTED, batchSize: 1 },
    ],
    // Below the provisioning lease (PROVISIONING_LEASE_SECONDS, 300 s), so a live run keeps it.
    timeoutSeconds: 60,
    table: ['GetItem', 'PutItem', 'UpdateItem'],
  },
  {
    name: 'account',
    description:
      'Cognito triggers, DynamoDB only: claims the sign-up handle (account item); stamps the owned handle into ID tokens.',
    triggers: [{ kind: 'cognito-post-confirmation' }, { kind: 'cognito-pre-token-generation' }],
    // Cognito waits about 5 s for a trigger.
    timeoutSeconds: 5,
    table: ['GetItem', 'PutItem'],
  },
  {
    name: 'stream-key',
    description: "Reads and rotates the owner's stream key.",
    triggers: [{ kind: 'appsync', fields: ['Query.myStreamKey', 'Mutation.rotateStreamKey'] }],
    // Delete, Update and publishes: a suspension for a period ends (new key, notification) when the streamer next reads the key.
    table: ['GetItem', 'PutItem', 'UpdateItem', 'DeleteItem'],
    publishes: true,
  },
  {
    name: 'stream-state',
    description: 'Applies IVS Stream State Change events to stream status and sessions.',
    triggers: [{ kind: 'eventbridge', ruleId: 'StreamStateRule', pattern: STREAM_STATE_PATTERN }],
    table: ['Query', 'UpdateItem'],
    idempotency: true,
    publishes: true,
  },
  {
    name: 'go-live-fanout',
    description:
      'Sends one go-live alert per stream: in-app notifications to followers, SES bulk email to opted-in followers page by page.',
    triggers: [
      { kind: 'eventbridge', ruleId: 'GoLiveRule', pattern: GO_LIVE_PATTERN },
      { kind: 'platform-event', ruleId: 'GoLiveEmailPageRule', pattern: GO_LIVE_EMAIL_PATTERN },
      { kind: 'platform-event', ruleId: 'GoPublicRule', pattern: GO_PUBLIC_PATTERN },
    ],
    timeoutSeconds: 300,
    memoryMb: 512,
    table: ['GetItem', 'Query', 'PutItem', 'UpdateItem', 'BatchWriteItem'],
    publishes: true,
    putsJobs: true,
  },
  {
    name: 'stream-health-poller',
    description: 'While live: viewer count and ingest health for the control room.',
    triggers: [{ kind: 'schedule', ruleId: 'StreamHealthSchedule', everyMinutes: 1 }],
    timeoutSeconds: 55,
    table: ['Query', 'PutItem', 'UpdateItem', 'DeleteItem'],
    publishes: true,
    emitsMilestones: true,
  },
  {
    name: 'chat-token',
    description: 'Mints IVS Chat tokens with capabilities by role; refuses banned users.',
    triggers: [{ kind: 'appsync', fields: ['Mutation.createChatToken'] }],
    table: ['BatchGetItem'],
  },
  {
    name: 'chat-review',
    description: 'IVS Chat message review handler: length, blocked words, bans, timeouts, slow mode.',
    triggers: [{ kind: 'chat-review' }],
    timeoutSeconds: 1,
    memoryMb: 1024,
    table: ['BatchGetItem', 'Query', 'UpdateItem'],
  },
  {
    name: 'chat-history',
    description:
      'Chat log subscriber: keeps the recent messages of each channel (TTL) from IVS Chat logging and applies deletions.',
    triggers: [{ kind: 'chat-log' }],
    table: ['Query', 'BatchWriteItem', 'UpdateItem'],
  },
  {
    name: 'chat-moderation',
    description: 'Moderation actions: delete message, timeout, ban/unban, moderators, chat settings.',
    triggers: [
      {
        kind: 'appsync',
        fields: [
          'Mutation.deleteChatMessage',
          'Mutation.timeoutUser',
          'Mutation.banUser',
          'Mutation.unbanUser',
          'Mutation.addModerator',
          'Mutation.removeModerator',
          'Mutation.updateChatSettings',
          'Mutation.liftTimeout',
        ],
      },
    ],
    table: ['GetItem', 'BatchGetItem', 'Query', 'PutItem', 'UpdateItem', 'DeleteItem'],
  },
  {
    name: 'social',
    description:
      'Streamer by handle, follow/unfollow (followerCount kept by transactions), marking notifications read.',
    triggers: [
      {
        kind: 'appsync',
        fields: ['Query.streamer', 'Mutation.follow', 'Mutation.unfollow', 'Mutation.markNotificationsRead'],
      },
    ],
    table: ['GetItem', 'Query', 'PutItem', 'UpdateItem', 'DeleteItem'],
  },
  {
    name: 'alert-preferences',
    description: 'Email go-live alert opt-in per followed streamer (a preference item in a sparse per-streamer index).',
    triggers: [{ kind: 'appsync', fields: ['Mutation.setAlertPreference'] }],
    table: ['GetItem', 'PutItem'],
  },
  {
    name: 'alert-unsubscribe',
    description: "One-click unsubscribe from go-live emails (List-Unsubscribe link with the opt-in's token).",
    triggers: [{ kind: 'function-url' }],
    table: ['GetItem', 'UpdateItem'],
  },
  {
    name: 'auction-sweeper',
    description: 'Closes auctions whose time ran out: exactly one sale for the high bidder, or no sale.',
    triggers: [{ kind: 'schedule', ruleId: 'AuctionSweepSchedule', everyMinutes: 1 }],
    timeoutSeconds: 55,
    table: ['GetItem', 'Query', 'PutItem', 'UpdateItem'],
    publishes: true,
  },
  {
    name: 'recording-state',
    description: 'Builds the recording index from IVS Recording State Change events.',
    triggers: [{ kind: 'eventbridge', ruleId: 'RecordingStateRule', pattern: RECORDING_STATE_PATTERN }],
    table: ['GetItem', 'Query', 'PutItem', 'UpdateItem'],
    idempotency: true,
  },
  {
    name: 'sale-markers',
    description:
      'Table stream: timed metadata cues (PutMetadata) for sales and featured products; recording classification.',
    triggers: [{ kind: 'table-stream' }],
    timeoutSeconds: 30,
    table: ['GetItem', 'UpdateItem'],
    putsJobs: true,
  },
  {
    name: 'replay',
    description:
      "Replay of a recording for viewers its channel's audience admits: a CloudFront signed URL, or starts a restore from an archive tier.",
    triggers: [{ kind: 'appsync', fields: ['Query.replay'] }],
    table: ['GetItem', 'Query', 'PutItem', 'UpdateItem'],
    putsJobs: true,
  },
  {
    name: 'restore-completed',
    description: 'S3 restore completed: marks the replay playable and notifies requesters.',
    triggers: [{ kind: 's3-restore-completed' }],
    table: ['GetItem', 'Query', 'PutItem', 'UpdateItem', 'DeleteItem'],
    idempotency: true,
    publishes: true,
  },
  {
    name: 'dvr-playlist',
    description:
      'While IVS records: a closed copy of each recording playlist, the last DVR window, beside it (dvr.m3u8) for live viewers to scrub back into.',
    triggers: [{ kind: 's3-recording-playlist' }],
    writesDvrViews: true,
  },
  {
    name: 'recording-objects',
    description:
      "One page of a recording's S3 objects per invocation: restores for archived replays, classification tags for the lifecycle rules.",
    triggers: [{ kind: 'platform-event', ruleId: 'RecordingObjectsRule', pattern: RECORDING_JOBS_PATTERN }],
    timeoutSeconds: 60,
    table: ['GetItem', 'Query', 'PutItem', 'UpdateItem', 'DeleteItem'],
    idempotency: true,
    publishes: true,
    putsJobs: true,
  },
  {
    name: 'gift-fanout',
    description:
      'Table stream: publishes each accepted gift and tip to onGift subscribers; big ones notify the broadcaster in-app.',
    triggers: [{ kind: 'table-stream', filter: GIFT_SENT }],
    timeoutSeconds: 30,
    table: ['PutItem'],
    publishes: true,
  },
  {
    name: 'safety',
    description:
      'Reports of streams, users and chat messages (one per reporter, target and day); a reported live stream auto-suspended (StopStream, keys deleted, streamer notified, admins alerted); admin decisions (a ban disables sign-in) and lifts, audited.',
    triggers: [
      { kind: 'appsync', fields: ['Mutation.reportContent', 'Mutation.resolveReport', 'Mutation.liftSuspension'] },
    ],
    timeoutSeconds: 15,
    table: ['GetItem', 'Query', 'PutItem', 'UpdateItem', 'DeleteItem'],
    publishes: true,
    putsJobs: true,
  },
  {
    name: 'runtime-teardown',
    description: "Custom resource: deletes the platform's tagged IVS channels, keys and chat rooms on stack deletion.",
    triggers: [{ kind: 'custom-resource' }],
    timeoutSeconds: 900,
  },
  {
    name: 'coin-checkout',
    description:
      'Coin shop: the packs on sale and a Stripe Checkout Session per purchase (Stripe API over HTTPS, key from Secrets Manager).',
    triggers: [{ kind: 'appsync', fields: ['Query.coinShop', 'Mutation.startCoinCheckout'] }],
    table: ['PutItem'],
  },
  {
    name: 'battles',
    description:
      "PK battles: invitations, start, end at the buzzer (one-time schedules) or early, forfeits, the winner's bonus; publishes every change to both channels.",
    triggers: [
      {
        kind: 'appsync',
        fields: [
          'Query.currentBattle',
          'Query.battle',
          'Query.battleHistory',
          'Query.myBattleInvitations',
          'Query.battleCandidates',
          'Mutation.inviteToBattle',
          'Mutation.respondToBattle',
          'Mutation.cancelBattleInvitation',
          'Mutation.endBattle',
        ],
      },
      { kind: 'table-stream', filter: BATTLE_CHANGED },
      { kind: 'one-time-schedule' },
    ],
    // Ending waits for the settle time (at most 10 s) after the buzzer before it freezes the scores.
    timeoutSeconds: 30,
    table: ['GetItem', 'BatchGetItem', 'Query', 'PutItem', 'UpdateItem', 'ConditionCheckItem'],
    publishes: true,
    schedulesBattles: true,
  },
  {
    name: 'stripe-webhook',
    description:
      'Stripe webhook (function URL): verifies Stripe-Signature, credits coin purchases once per checkout session, takes refunds and disputes back (debt on shortfall).',
    triggers: [{ kind: 'function-url' }],
    timeoutSeconds: 15,
    table: ['GetItem', 'PutItem', 'UpdateItem'],
  },
  {
    name: 'analytics-ingest',
    description:
      'Analytics events endpoint: zod-validated batches (64 KB, 100 events), rate limits, ID tokens verified; records to Firehose, live per-minute counters in DynamoDB.',
    triggers: [{ kind: 'http-api', method: 'POST', path: ANALYTICS_EVENTS_PATH }],
    memoryMb: 512,
    table: ['GetItem', 'UpdateItem'],
    analytics: 'ingest',
  },
  {
    name: 'analytics-reports',
    description:
      'Stream reports: live from the counters, final from the Athena named queries; 5-minute snapshots and viewer milestones every minute; streamReport, myStreamReports, creatorAnalytics.',
    triggers: [
      { kind: 'appsync', fields: ['Query.streamReport', 'Query.myStreamReports', 'Query.creatorAnalytics'] },
      { kind: 'schedule', ruleId: 'AnalyticsReportsSchedule', everyMinutes: 1 },
    ],
    timeoutSeconds: 55,
    memoryMb: 512,
    table: ['GetItem', 'BatchGetItem', 'Query', 'PutItem', 'DeleteItem'],
    publishes: true,
    analytics: 'reports',
    emitsMilestones: true,
  },
  {
    name: 'playback',
    description:
      'Audience: who may watch (public, followers, private allow-list, Preview), IVS playback tokens signed with the key in Secrets Manager, audience settings (channel authorized), Go public.',
    triggers: [
      {
        kind: 'appsync',
        fields: [
          'Query.playbackAccess',
          'Query.followedLiveStreams',
          'Query.myAudience',
          'Mutation.updateAudience',
          'Mutation.goPublic',
        ],
      },
    ],
    table: ['GetItem', 'BatchGetItem', 'Query', 'UpdateItem'],
    putsJobs: true,
  },
  {
    name: 'playback-keys',
    description: "Custom resource: the stage's IVS playback key pair, its private key kept in Secrets Manager.",
    triggers: [{ kind: 'custom-resource' }],
    timeoutSeconds: 60,
  },
];

/** Resolver fields with no data source work of their own (local publish through subscriptions). */
export const NONE_DATA_SOURCE_FIELDS: readonly string[] = [
  'Mutation.publishStreamStatus',
  'Mutation.publishStreamHealth',
  'Mutation.publishNotification',
  'Mutation.publishAuctionClosed',
  'Mutation.publishGift',
  'Mutation.publishBattle',
  'Subscription.onNotification',
  'Subscription.onStreamHealth',
];

/** Function serving an AppSync field, or undefined when the field's resolver talks to the Main table. */
export function functionForField(field: string): FunctionSpec | undefined {
  return FUNCTIONS.find((f) => f.triggers.some((t) => t.kind === 'appsync' && t.fields.includes(field)));
}
