import { z } from 'zod';

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

const StageSchema = z.object({
  /** Prefix of every physical name, e.g. `lvs-dev`. */
  prefix: z.string().regex(/^[a-z][a-z0-9-]{1,20}$/, 'prefix must be 2-21 lowercase letters, digits or dashes, starting with a letter'),
  removalPolicy: z.enum(['destroy', 'retain']),
  recordings: RecordingRules,
  /** From address of go-live alert emails (SNS email subscriptions show the topic's display name). */
  alertSender: z.email(),
  /** Origins allowed to call the replay distribution and the API from a browser (the Amplify URL is always allowed). */
  webOrigins: z.array(z.url()).default([]),
  /** Optional custom domain for the web app (its DNS is managed outside this app). */
  customDomain: z.object({ domainName: z.string().min(3), subDomain: z.string().default('') }).optional(),
  /** Whether stack deletion may delete the IVS channels and chat rooms the platform created at runtime. */
  allowTeardownOfRuntimeResources: z.boolean(),
  /** IVS channel type for new streamer channels. */
  channelType: z.enum(['STANDARD', 'BASIC', 'ADVANCED_SD', 'ADVANCED_HD']).default('STANDARD'),
  /** Days of Lambda and API logs kept. */
  logRetentionDays: z.number().int().min(1).default(30),
  /** E-mail subscribed to the operations topic (dead-letter alarms); none when absent. */
  operationsEmail: z.email().optional(),
}).refine((s) => s.recordings.deepArchiveAccessDays > s.recordings.archiveAccessDays, {
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
    throw new Error(`Invalid stage config: stage "${stage}" is not defined in cdk.json context "stages" (known: ${Object.keys(stages).join(', ')}).`);
  }
  const parsed = StageSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.length ? issue.path.join('.') : 'config';
    throw new Error(`Invalid stage config for "${stage}": ${where}: ${issue?.message ?? 'invalid'}.`);
  }
  return { ...parsed.data, stage };
}
