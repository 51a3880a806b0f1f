import { z } from 'zod';
import {
  DEFAULT_BATTLE_SETTINGS,
  MAX_RECONNECT_GRACE_SECONDS,
  MAX_SCORE_SHARDS,
} from '../lambdas/shared/domain/battles';
import {
  APPSYNC_ENV_VALUE_MAX,
  DEFAULT_ECONOMY_SETTINGS as E,
  DEFAULT_GIFT_CATALOG,
  economyEnvironment,
} from '../lambdas/shared/domain/economy';
import { coinsConfigSchema } from '../lambdas/shared/domain/coins';
import { DEFAULT_AUTO_SUSPENSION, DEFAULT_RATE_LIMIT } from '../lambdas/shared/domain/safety';

/**
 * Stage configuration, read from `cdk.json` context (`-c stage=dev|prod`) and validated once.
 * Constructs receive the typed object; nothing deeper reads context or `process.env`.
 */
const RecordingRules = z.object({
  /** Days without access before Intelligent-Tiering moves objects to Archive Access (AWS minimum 90). */
  archiveAccessDays: z.number().int().min(90).max(730),
  /** Days without access before Deep Archive Access (AWS minimum 180). */
  deepArchiveAccessDays: z.number().int().min(180).max(730),
  /** Recordings classified NO_SALES expire after this many days; KEEP and HAS_SALES never expire. */
  expireUnsoldAfterDays: z.number().int().min(1),
  /** Seconds between recording thumbnails. */
  thumbnailIntervalSeconds: z.number().int().min(1).max(60).default(60),
  /** Renditions IVS records: all of them, or only the highest. */
  renditions: z.enum(['ALL', 'HIGHEST']).default('ALL'),
});

/**
 * Outgoing email through Amazon SES: go-live alerts always, Cognito's codes when `userPoolViaSes`.
 * The identity is verified in SES by the operator before deploying (docs/deploy.md).
 */
const EmailSettings = z
  .object({
    /** Verified SES identity: a domain (`example.com`) or one address. */
    sesIdentity: z.string().min(3).max(253),
    /** Sender address; an address of `sesIdentity` (the identity itself when it is an address). */
    fromAddress: z.email(),
    /** Display name of the sender. */
    fromName: z.string().min(1).max(64).optional(),
    /** Existing SES configuration set for event publishing (bounces, complaints); none by default. */
    configurationSet: z
      .string()
      .regex(/^[a-zA-Z0-9_-]{1,64}$/, 'configurationSet must be 1-64 letters, digits, _ or -')
      .optional(),
    /**
     * Cognito sends sign-up and reset codes through this identity (EmailSendingAccount DEVELOPER).
     * false keeps Cognito's default sender, capped at 50 emails a day per account and region.
     */
    userPoolViaSes: z.boolean().default(false),
    /** SES messages per second one stream's go-live fan-out may send (keep under the account's sending rate). */
    alertSendRatePerSecond: z.number().positive().max(1000).default(10),
  })
  .refine(
    (e) =>
      e.sesIdentity.includes('@')
        ? e.fromAddress.toLowerCase() === e.sesIdentity.toLowerCase()
        : e.fromAddress.toLowerCase().endsWith(`@${e.sesIdentity.toLowerCase()}`),
    {
      message: 'fromAddress must be the sesIdentity address or an address of the sesIdentity domain',
      path: ['fromAddress'],
    },
  );

/** The stage's validated email settings. */
export type EmailConfig = z.infer<typeof EmailSettings>;

const GiftDefinitionSchema = z.object({
  id: z
    .string()
    .regex(/^[a-z][a-z0-9-]{0,23}$/, 'gift ids are 1-24 lowercase letters, digits or dashes, starting with a letter'),
  name: z.string().min(1).max(32),
  coins: z.number().int().min(1).max(1_000_000),
  /** Animation name the web app plays. */
  animation: z.string().regex(/^[a-z][a-z0-9-]{0,23}$/, 'animation names are 1-24 lowercase letters, digits or dashes'),
});

const shardCount = z.number().int().min(1).max(64);

/**
 * Creator economy (issue 15, docs/economy.md): gifts, coin value, the broadcaster's split, payouts.
 * Every amount is an integer: coins, or minor units of `currency`. The settings reach the API's
 * resolvers as AppSync environment variables (economyEnvironment), each at most 512 characters.
 */
const EconomySchema = z
  .object({
    /** ISO 4217 currency of earnings and payouts. */
    currency: z
      .string()
      .regex(/^[A-Z]{3}$/, 'currency is an ISO 4217 code such as USD')
      .default(E.currency),
    /** Value of one coin in minor units of `currency` (1 = one cent). */
    coinValueMinor: z.number().int().min(1).max(10_000).default(E.coinValueMinor),
    /** Percent of a gift's value a STANDARD broadcaster earns (the platform keeps the rest). */
    standardSharePercent: z.number().int().min(0).max(100).default(E.standardSharePercent),
    /** Percent of a gift's value a PREMIUM broadcaster earns. */
    premiumSharePercent: z.number().int().min(0).max(100).default(E.premiumSharePercent),
    /** Gifts and tips of at least this many coins notify the broadcaster in-app. */
    bigGiftCoins: z.number().int().min(1).default(E.bigGiftCoins),
    /** Smallest payout, in minor units (1000 = $10.00). */
    minimumPayoutMinor: z.number().int().min(1).default(E.minimumPayoutMinor),
    /** Most gifts of one kind in one request. */
    maxGiftCount: z.number().int().min(1).max(1000).default(E.maxGiftCount),
    /** Largest tip, in coins. */
    maxTipCoins: z.number().int().min(1).max(10_000_000).default(E.maxTipCoins),
    /** Longest tip message, in characters. */
    maxTipMessageLength: z.number().int().min(0).max(500).default(E.maxTipMessageLength),
    /** Counter shards of the hot items (docs/economy.md has the bench figures behind the defaults). */
    shards: z
      .object({
        streamRevenue: shardCount.default(E.shards.streamRevenue),
        earnings: shardCount.default(E.shards.earnings),
        platformRevenue: shardCount.default(E.shards.platformRevenue),
      })
      .prefault({}),
    /** The gift catalog. */
    gifts: z
      .array(GiftDefinitionSchema)
      .min(1)
      .max(24)
      .default(() => DEFAULT_GIFT_CATALOG.map((g) => ({ ...g }))),
  })
  .refine((e) => new Set(e.gifts.map((g) => g.id)).size === e.gifts.length, {
    message: 'gift ids must be unique',
    path: ['gifts'],
  })
  .refine((e) => Object.values(economyEnvironment(e)).every((v) => v.length <= APPSYNC_ENV_VALUE_MAX), {
    message: `the gift catalog must fit AppSync's ${APPSYNC_ENV_VALUE_MAX}-character environment variable (fewer gifts or shorter names)`,
    path: ['gifts'],
  });

/** The stage's validated economy settings. */
export type EconomyConfig = z.infer<typeof EconomySchema>;

/**
 * Trust and safety (issue 18, docs/safety.md): auto-suspension of reported live streams, the admins'
 * alert address, and the per-IP request rate WAF enforces on the API (the local GraphQL server too).
 */
const SafetySchema = z.object({
  /** Distinct viewers whose reports of one live stream within the window suspend it. */
  autoSuspendReports: z.number().int().min(2).max(1000).default(DEFAULT_AUTO_SUSPENSION.reports),
  /** The window of those reports, in minutes. */
  autoSuspendWindowMinutes: z.number().int().min(1).max(1440).default(DEFAULT_AUTO_SUSPENSION.windowMinutes),
  /** E-mail subscribed to the admins' safety topic (auto-suspensions); none when absent. */
  adminAlertEmail: z.email().optional(),
  /** Requests one IP may send to the API per window (WAF rate-based rule; WAF's minimum is 10). */
  rateLimit: z
    .object({
      requestsPerWindow: z.number().int().min(10).max(2_000_000_000).default(DEFAULT_RATE_LIMIT.requestsPerWindow),
      windowSeconds: z
        .union([z.literal(60), z.literal(120), z.literal(300), z.literal(600)])
        .default(DEFAULT_RATE_LIMIT.windowSeconds),
    })
    .prefault({}),
});

/** The stage's validated safety settings. */
export type SafetyConfig = z.infer<typeof SafetySchema>;

/** PK battles (issue 16, docs/battles.md): the winner's bonus, score counters, the freeze margin at the buzzer, the reconnect grace. */
const BattlesSchema = z.object({
  /** Percent of the loser's battle score (coins) the platform pays into the winner's earnings; 0 = no bonus. */
  bonusPercent: z.number().int().min(0).max(100).default(DEFAULT_BATTLE_SETTINGS.bonusPercent),
  /** Score counters per side (concurrent gifts to one side spread over them). */
  scoreShards: z.number().int().min(1).max(MAX_SCORE_SHARDS).default(DEFAULT_BATTLE_SETTINGS.scoreShards),
  /** Milliseconds after endsAt before the scores are frozen, so gifts accepted just before the buzzer land. */
  settleMs: z.number().int().min(0).max(10_000).default(DEFAULT_BATTLE_SETTINGS.settleMs),
  /** Seconds a side whose stream ended during a battle has to come back before it forfeits. */
  reconnectGraceSeconds: z
    .number()
    .int()
    .min(1)
    .max(MAX_RECONNECT_GRACE_SECONDS)
    .default(DEFAULT_BATTLE_SETTINGS.reconnectGraceSeconds),
});

const StageSchema = z
  .object({
    /** Prefix of every physical name, e.g. `lvs-dev`. */
    prefix: z
      .string()
      .regex(
        /^[a-z][a-z0-9-]{1,20}$/,
        'prefix must be 2-21 lowercase letters, digits or dashes, starting with a letter',
      ),
    removalPolicy: z.enum(['destroy', 'retain']),
    recordings: RecordingRules,
    /** Outgoing email (go-live alerts, optionally Cognito) through SES. */
    email: EmailSettings,
    /** Origins allowed to call the replay distribution and the API from a browser (the Amplify URL is always allowed). */
    webOrigins: z.array(z.url()).default([]),
    /** Optional custom domain for the web app (its DNS is managed outside this app). */
    customDomain: z.object({ domainName: z.string().min(3), subDomain: z.string().default('') }).optional(),
    /** Whether stack deletion may delete the IVS channels and chat rooms the platform created at runtime. */
    allowTeardownOfRuntimeResources: z.boolean(),
    /** IVS channel type for new streamer channels. */
    channelType: z.enum(['STANDARD', 'BASIC', 'ADVANCED_SD', 'ADVANCED_HD']).default('STANDARD'),
    /**
     * Warm instances of the chat review handler (provisioned concurrency on its `live` alias, which
     * rooms call). 0 keeps on-demand instances only: a cold start can miss IVS Chat's 200 ms review
     * deadline, and the room's fallback (ALLOW) then lets the message through unreviewed. See
     * docs/control-plane.md for the numbers and the cost.
     */
    chatReviewProvisionedConcurrency: z.number().int().min(0).max(100).default(0),
    /**
     * Minutes a live viewer can scrub back (DVR): the watch page plays the recording IVS writes to S3
     * while the stream runs, from at most this far behind live. Bounded by the recording itself.
     */
    dvrWindowMinutes: z.number().int().min(1).max(120).default(10),
    /** Days a viewer's "I am 18 or older" answer is remembered on their device before an 18+ stream asks again. */
    ageGateConsentDays: z.number().int().min(1).max(365).default(30),
    /** Days of Lambda and API logs kept. */
    logRetentionDays: z.number().int().min(1).default(30),
    /** E-mail subscribed to the operations topic (dead-letter alarms); none when absent. */
    operationsEmail: z.email().optional(),
    /** Creator economy: gifts, split, payouts (defaults apply to what is left out). */
    economy: EconomySchema.prefault({}),
    /** Coin packs on sale and the Secrets Manager secret with the Stripe keys (lambdas/shared/domain/coins.ts). */
    coins: coinsConfigSchema.prefault({}),
    /** Reports, auto-suspension and rate limiting (defaults apply to what is left out). */
    safety: SafetySchema.prefault({}),
    /** PK battles: bonus, score counters, settle margin (defaults apply to what is left out). */
    battles: BattlesSchema.prefault({}),
  })
  .refine((s) => s.recordings.deepArchiveAccessDays > s.recordings.archiveAccessDays, {
    message: 'recordings.deepArchiveAccessDays must be greater than recordings.archiveAccessDays',
  });

export type StageConfig = z.infer<typeof StageSchema> & { readonly stage: string };

/** Reads `stages[stage]` from context values; throws one clear sentence on bad config. */
export function loadStageConfig(getContext: (key: string) => unknown): StageConfig {
  const stage = String(getContext('stage') ?? 'dev');
  const stages = getContext('stages');
  if (!stages || typeof stages !== 'object') {
    throw new Error('Invalid stage config: cdk.json context has no "stages" object.');
  }
  const raw = (stages as Record<string, unknown>)[stage];
  if (raw === undefined) {
    throw new Error(
      `Invalid stage config: stage "${stage}" is not defined in cdk.json context "stages" (known: ${Object.keys(stages).join(', ')}).`,
    );
  }
  const parsed = StageSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.length ? issue.path.join('.') : 'config';
    throw new Error(`Invalid stage config for "${stage}": ${where}: ${issue?.message ?? 'invalid'}.`);
  }
  return { ...parsed.data, stage };
}

/** The From header of the stage's e-mails: `Name <address>`, the name MIME-encoded when it is not plain ASCII (RFC 2047). */
export function fromHeader(email: EmailConfig): string {
  if (!email.fromName) return email.fromAddress;
  const name = /^[\w !#$%&'*+\-/=?^`{|}~.]+$/.test(email.fromName)
    ? email.fromName
    : /^[\x20-\x7e]+$/.test(email.fromName)
      ? `"${email.fromName.replace(/[\\"]/g, (c) => `\\${c}`)}"`
      : `=?UTF-8?B?${Buffer.from(email.fromName, 'utf8').toString('base64')}?=`;
  return `${name} <${email.fromAddress}>`;
}
