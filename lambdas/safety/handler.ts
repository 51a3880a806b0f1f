/**
 * Reports and the admins' decisions (docs/safety.md): Mutation.reportContent, Mutation.resolveReport,
 * Mutation.liftSuspension. A ban also disables the account's Cognito user (account-access.ts). A
 * report is one conditional write per reporter, target and day beside the
 * target's summary (the admins' queue, newest report first); reports of a live stream from enough
 * distinct viewers within the window suspend it here, on the request of the report that reaches the
 * threshold, so it stops within seconds. A retried report (ALREADY_REPORTED) runs the check again,
 * so a suspension whose IVS calls failed is finished by the next try.
 */
import { QueryCommand, TransactWriteCommand, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { loadAccount } from '../shared/accounts';
import { cognitoCaller, idArgument, type AppSyncInvokeEvent, type Caller } from '../shared/appsync-event';
import { ddb } from '../shared/clients';
import { ENV, optionalEnv, requireEnv } from '../shared/env';
import { DomainError, toAppSyncResult } from '../shared/errors';
import { putJobEvent } from '../shared/jobs-bus';
import { observability } from '../shared/logger';
import {
  auditPut,
  notifyUser,
  profileOf,
  reinstateChannel,
  suspendChannel,
  suspensionOf,
  type SuspensionItem,
} from '../shared/suspension';
import { disableAccount, enableAccount } from './account-access';
import { isAdmin } from '../shared/domain/economy';
import {
  chatLogPartition,
  reportKey,
  REPORT_SK_PREFIX,
  reportsPartition,
  reportSummaryKey,
  REPORTS_OPEN_PK,
} from '../shared/domain/keys';
import {
  autoSuspensionReason,
  commonestReason,
  DEFAULT_AUTO_SUSPENSION,
  distinctReportersInWindow,
  INDEFINITE_UNTIL,
  MAX_ACTION_REASON,
  reportDay,
  reportTargetId,
  SAFETY_ALERT_EVENT,
  shouldAutoSuspend,
  suspendedUntilFor,
  suspensionEnd,
  SYSTEM_ACTOR,
  type AutoSuspension,
  type ReportReason,
  type ReportSeen,
} from '../shared/domain/safety';
import { reportInputSchema, resolveReportInputSchema } from '../shared/domain/safety-input';

const { logger } = observability('safety');

const table = () => requireEnv(ENV.TABLE_NAME);

/** The stage's auto-suspension settings (environment, defaults when absent). */
export function autoSuspension(): AutoSuspension {
  const reports = Number(optionalEnv(ENV.AUTO_SUSPEND_REPORTS) ?? DEFAULT_AUTO_SUSPENSION.reports);
  const windowMinutes = Number(optionalEnv(ENV.AUTO_SUSPEND_WINDOW_MINUTES) ?? DEFAULT_AUTO_SUSPENSION.windowMinutes);
  return { reports, windowMinutes };
}

const groupsSchema = z.object({ groups: z.array(z.string()).nullish() }).loose();

/** The caller if they are in the `admins` group; FORBIDDEN otherwise. */
function requireAdmin(identity: unknown): Caller {
  const caller = cognitoCaller(identity);
  const parsed = groupsSchema.safeParse(identity);
  if (!parsed.success || !isAdmin(parsed.data.groups ?? null))
    throw new DomainError('FORBIDDEN', 'Only platform admins may do this.');
  return caller;
}

/** The first zod issue as a VALIDATION error naming its field. */
function invalid(error: z.ZodError): DomainError {
  const issue = error.issues[0];
  return new DomainError('VALIDATION', issue?.message ?? 'Check the form and try again.', {
    field: issue?.path.join('.') ?? '',
  });
}

/** A target's summary item as the ReportTarget type. */
export function reportTargetView(item: Record<string, unknown>): Record<string, unknown> {
  return {
    targetId: item.targetId,
    kind: item.kind,
    channelId: item.channelId ?? null,
    streamId: item.streamId ?? null,
    messageId: item.messageId ?? null,
    targetUserId: item.targetUserId,
    targetHandle: item.targetHandle ?? null,
    messageContent: item.messageContent ?? null,
    thumbnailUrl: item.thumbnailUrl ?? null,
    reportCount: item.reportCount ?? 0,
    lastReason: item.lastReason,
    firstReportedAt: item.firstReportedAt,
    lastReportedAt: item.lastReportedAt,
    status: item.status ?? 'OPEN',
    decidedBy: item.decidedBy ?? null,
    decisionReason: item.decisionReason ?? null,
  };
}

/** A suspension item as the Suspension type. */
export function suspensionView(s: SuspensionItem, liftedAt?: string): Record<string, unknown> {
  return {
    userId: s.userId,
    handle: s.handle ?? null,
    reason: s.reason,
    source: s.source,
    banned: s.banned === true,
    since: s.since,
    until: suspensionEnd(s.until),
    byUserId: s.byUserId,
    liftedAt: liftedAt ?? null,
  };
}

interface Target {
  targetId: string;
  kind: 'STREAM' | 'USER' | 'MESSAGE';
  targetUserId: string;
  targetHandle?: string;
  channelId?: string;
  streamId?: string;
  messageId?: string;
  messageContent?: string;
  thumbnailUrl?: string;
}

/** The message `messageId` among the channel's recent chat history (what a viewer can have seen). */
async function findMessage(channelId: string, messageId: string): Promise<Record<string, unknown> | undefined> {
  let startKey: Record<string, unknown> | undefined;
  for (let page = 0; page < 4; page++) {
    const out = await ddb.send(
      new QueryCommand({
        TableName: table(),
        KeyConditionExpression: 'PK = :pk',
        FilterExpression: 'messageId = :m',
        ExpressionAttributeValues: { ':pk': chatLogPartition(channelId), ':m': messageId },
        ScanIndexForward: false,
        Limit: 200,
        ExclusiveStartKey: startKey,
      }),
    );
    if (out.Items?.[0]) return out.Items[0];
    startKey = out.LastEvaluatedKey;
    if (!startKey) return undefined;
  }
  return undefined;
}

/** What the report is about, checked: it exists, and it is not the reporter's own. */
async function resolveTarget(reporterId: string, input: z.infer<typeof reportInputSchema>): Promise<Target> {
  if (input.kind === 'STREAM') {
    const channelId = idArgument(input.channelId, 'channelId');
    if (channelId === reporterId) throw new DomainError('FORBIDDEN', 'You cannot report your own stream.');
    const profile = await profileOf(channelId);
    if (!profile) throw new DomainError('NOT_FOUND', 'There is no such channel.');
    if (profile.status !== 'LIVE' || !profile.currentStreamId) {
      throw new DomainError(
        'STREAM_NOT_LIVE',
        'This stream has ended. To report the streamer, use Report on their profile.',
      );
    }
    const thumb = (profile as unknown as { liveThumbnailUrl?: string }).liveThumbnailUrl ?? profile.thumbnailUrl;
    return {
      targetId: reportTargetId('STREAM', { channelId, streamId: profile.currentStreamId }),
      kind: 'STREAM',
      targetUserId: channelId,
      targetHandle: profile.handle,
      channelId,
      streamId: profile.currentStreamId,
      thumbnailUrl: thumb,
    };
  }
  if (input.kind === 'MESSAGE') {
    const channelId = idArgument(input.channelId, 'channelId');
    const messageId = idArgument(input.messageId, 'messageId');
    const message = await findMessage(channelId, messageId);
    if (!message)
      throw new DomainError(
        'NOT_FOUND',
        'That message is no longer in the chat history. To report its author, use Report on their profile.',
      );
    const author = String(message.userId);
    if (author === reporterId) throw new DomainError('FORBIDDEN', 'You cannot report your own message.');
    return {
      targetId: reportTargetId('MESSAGE', { channelId, messageId }),
      kind: 'MESSAGE',
      targetUserId: author,
      targetHandle: String(message.handle ?? ''),
      channelId,
      messageId,
      messageContent: String(message.content ?? ''),
    };
  }
  const userId = idArgument(input.userId, 'userId');
  if (userId === reporterId) throw new DomainError('FORBIDDEN', 'You cannot report yourself.');
  const account = await loadAccount(userId);
  if (!account) throw new DomainError('NOT_FOUND', 'There is no such user.');
  return {
    targetId: reportTargetId('USER', { userId }),
    kind: 'USER',
    targetUserId: userId,
    targetHandle: account.handle,
  };
}

/** Reports of `targetId` on the days the window covers. */
async function recentReports(
  targetId: string,
  nowMs: number,
  windowMinutes: number,
): Promise<(ReportSeen & { reason: ReportReason })[]> {
  const days = [
    ...new Set([
      reportDay(new Date(nowMs - windowMinutes * 60_000).toISOString()),
      reportDay(new Date(nowMs).toISOString()),
    ]),
  ];
  const reports: (ReportSeen & { reason: ReportReason })[] = [];
  for (const day of days) {
    let startKey: Record<string, unknown> | undefined;
    do {
      const out = await ddb.send(
        new QueryCommand({
          TableName: table(),
          ConsistentRead: true,
          KeyConditionExpression: 'PK = :pk AND begins_with(SK, :sk)',
          ExpressionAttributeValues: { ':pk': reportsPartition(targetId), ':sk': `${REPORT_SK_PREFIX}${day}#` },
          ProjectionExpression: 'reporterId, reportedAt, reason',
          ExclusiveStartKey: startKey,
        }),
      );
      for (const i of out.Items ?? [])
        reports.push({
          reporterId: String(i.reporterId),
          reportedAt: String(i.reportedAt),
          reason: i.reason as ReportReason,
        });
      startKey = out.LastEvaluatedKey;
    } while (startKey);
  }
  return reports;
}

/** Suspends the stream when its reports reach the threshold while it is still the one live. */
async function checkAutoSuspension(target: Target): Promise<void> {
  if (target.kind !== 'STREAM' || !target.channelId) return;
  const settings = autoSuspension();
  const nowMs = Date.now();
  const reports = await recentReports(target.targetId, nowMs, settings.windowMinutes);
  if (!shouldAutoSuspend(reports, nowMs, settings)) return;
  const profile = await profileOf(target.channelId);
  if (!profile || profile.currentStreamId !== target.streamId) return;
  const reporters = distinctReportersInWindow(reports, nowMs, settings.windowMinutes);
  const reason = autoSuspensionReason(reporters, settings.windowMinutes, commonestReason(reports.map((r) => r.reason)));
  const outcome = await suspendChannel({
    userId: target.channelId,
    reason,
    source: 'AUTO',
    actor: { id: SYSTEM_ACTOR },
    until: INDEFINITE_UNTIL,
    targetId: target.targetId,
    replace: false,
  });
  if (outcome !== 'SUSPENDED') return;
  await putJobEvent({
    source: SAFETY_ALERT_EVENT.source,
    detailType: SAFETY_ALERT_EVENT.detailType,
    what: 'the auto-suspension alert',
    detail: {
      userId: target.channelId,
      handle: target.targetHandle ?? null,
      streamId: target.streamId,
      targetId: target.targetId,
      reporters,
      message: `Live stream of @${target.targetHandle ?? target.channelId} was suspended automatically: ${reason} Review it in the admin page's report queue.`,
    },
  });
}

/** Mutation.reportContent. */
export async function reportContent(
  caller: Caller,
  rawInput: unknown,
): Promise<{ targetId: string; reportedAt: string }> {
  const parsed = reportInputSchema.safeParse(rawInput);
  if (!parsed.success) throw invalid(parsed.error);
  const input = parsed.data;
  const target = await resolveTarget(caller.userId, input);
  const now = new Date().toISOString();
  const details = input.details?.trim() ? input.details.trim() : null;
  try {
    await ddb.send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Put: {
              TableName: table(),
              ConditionExpression: 'attribute_not_exists(PK)',
              Item: {
                ...reportKey(target.targetId, reportDay(now), caller.userId),
                type: 'Report',
                targetId: target.targetId,
                reporterId: caller.userId,
                reporterHandle: caller.handle ?? null,
                reason: input.reason,
                details,
                reportedAt: now,
              },
            },
          },
          {
            Update: {
              TableName: table(),
              Key: reportSummaryKey(target.targetId),
              UpdateExpression:
                'SET #type = :type, kind = :kind, targetId = :tid, targetUserId = :tuid, targetHandle = :th, channelId = :cid, streamId = :sid, messageId = :mid, ' +
                'messageContent = if_not_exists(messageContent, :mc), thumbnailUrl = if_not_exists(thumbnailUrl, :thumb), firstReportedAt = if_not_exists(firstReportedAt, :now), ' +
                'lastReportedAt = :now, lastReason = :reason, reportCount = if_not_exists(reportCount, :zero) + :one, #status = :open, GSI2PK = :qpk, GSI2SK = :qsk',
              ExpressionAttributeNames: { '#type': 'type', '#status': 'status' },
              ExpressionAttributeValues: {
                ':type': 'ReportTarget',
                ':kind': target.kind,
                ':tid': target.targetId,
                ':tuid': target.targetUserId,
                ':th': target.targetHandle ?? null,
                ':cid': target.channelId ?? null,
                ':sid': target.streamId ?? null,
                ':mid': target.messageId ?? null,
                ':mc': target.messageContent ?? null,
                ':thumb': target.thumbnailUrl ?? null,
                ':now': now,
                ':reason': input.reason,
                ':zero': 0,
                ':one': 1,
                ':open': 'OPEN',
                ':qpk': REPORTS_OPEN_PK,
                ':qsk': `${now}#${target.targetId}`,
              },
            },
          },
        ],
      }),
    );
  } catch (error) {
    const reasons = (error as { CancellationReasons?: { Code?: string }[] }).CancellationReasons;
    if (
      (error as { name?: string }).name === 'TransactionCanceledException' &&
      reasons?.[0]?.Code === 'ConditionalCheckFailed'
    ) {
      await checkAutoSuspension(target);
      throw new DomainError(
        'ALREADY_REPORTED',
        'You already reported this today. Thank you: our team is looking at it.',
      );
    }
    throw error;
  }
  logger.info('report received', { targetId: target.targetId, kind: target.kind, reason: input.reason });
  await checkAutoSuspension(target);
  return { targetId: target.targetId, reportedAt: now };
}

const DECIDED_STATUS = { DISMISS: 'DISMISSED', WARN: 'WARNED', SUSPEND: 'SUSPENDED', BAN: 'BANNED' } as const;

/** Mutation.resolveReport (admins). */
export async function resolveReport(admin: Caller, rawInput: unknown): Promise<Record<string, unknown>> {
  const parsed = resolveReportInputSchema.safeParse(rawInput);
  if (!parsed.success) throw invalid(parsed.error);
  const input = parsed.data;
  const { Item } = await ddb.send(
    new GetCommand({ TableName: table(), Key: reportSummaryKey(input.targetId), ConsistentRead: true }),
  );
  if (!Item) throw new DomainError('NOT_FOUND', 'Nothing was reported under this id; reload the queue.');
  const targetUserId = String(Item.targetUserId);
  const actor = { id: admin.userId, handle: admin.handle };
  const now = new Date().toISOString();
  const status = DECIDED_STATUS[input.action];
  const decide = {
    TableName: table(),
    Key: reportSummaryKey(input.targetId),
    UpdateExpression:
      'SET #status = :status, decidedBy = :by, decisionReason = :reason, decidedAt = :now REMOVE GSI2PK, GSI2SK',
    ExpressionAttributeNames: { '#status': 'status' },
    ExpressionAttributeValues: { ':status': status, ':by': admin.userId, ':reason': input.reason, ':now': now },
  };
  if (input.action === 'DISMISS' || input.action === 'WARN') {
    await ddb.send(
      new TransactWriteCommand({
        TransactItems: [
          { Update: decide },
          auditPut(input.action, actor, now, { targetUserId, targetId: input.targetId, reason: input.reason }) as never,
        ],
      }),
    );
    if (input.action === 'WARN') {
      await notifyUser(
        targetUserId,
        'A warning from our team',
        `${input.reason} Please keep to the community rules; repeated reports lead to a suspension.`,
        '/studio',
      );
    }
  } else {
    await suspendChannel({
      userId: targetUserId,
      reason: input.reason,
      source: 'ADMIN',
      actor,
      targetId: input.targetId,
      replace: true,
      banned: input.action === 'BAN',
      until: input.action === 'BAN' ? INDEFINITE_UNTIL : suspendedUntilFor(Date.now(), input.suspendHours),
    });
    // After the ban is recorded (the account gate refuses the user's mutations from then on): no
    // sign-in, no refreshed session. A retry of a failed call records and disables again.
    if (input.action === 'BAN') await disableAccount(targetUserId);
    await ddb.send(new UpdateCommand(decide));
  }
  logger.info('report decided', { targetId: input.targetId, action: input.action, by: admin.userId });
  return reportTargetView({ ...Item, status, decidedBy: admin.userId, decisionReason: input.reason });
}

/** Mutation.liftSuspension (admins). */
export async function liftSuspension(
  admin: Caller,
  userIdArg: unknown,
  reasonArg: unknown,
): Promise<Record<string, unknown>> {
  const userId = idArgument(userIdArg, 'userId');
  const reason = typeof reasonArg === 'string' ? reasonArg.trim() : '';
  if (!reason || reason.length > MAX_ACTION_REASON) {
    throw new DomainError(
      'VALIDATION',
      `Say why, in 1 to ${MAX_ACTION_REASON} characters: the decision is audited and the streamer reads it.`,
      { field: 'reason' },
    );
  }
  // A ban's Cognito user is enabled before the ban is lifted, so a failed call is retried by the
  // admin's next Lift rather than leaving a lifted account that cannot sign in.
  if ((await suspensionOf(userId))?.banned === true) await enableAccount(userId);
  const lifted = await reinstateChannel(userId, { id: admin.userId, handle: admin.handle }, reason);
  if (!lifted) throw new DomainError('NOT_FOUND', 'This user is not suspended.');
  return suspensionView(lifted, new Date().toISOString());
}

type Args = { input?: unknown; userId?: unknown; reason?: unknown };

export async function handler(event: AppSyncInvokeEvent<Args>) {
  return toAppSyncResult(
    async () => {
      switch (event.info.fieldName) {
        case 'reportContent':
          return reportContent(cognitoCaller(event.identity), event.arguments.input);
        case 'resolveReport':
          return resolveReport(requireAdmin(event.identity), event.arguments.input);
        case 'liftSuspension':
          return liftSuspension(requireAdmin(event.identity), event.arguments.userId, event.arguments.reason);
        default:
          throw new DomainError('VALIDATION', `The safety function does not serve ${event.info.fieldName}.`);
      }
    },
    (error) => logger.error('safety request failed', { error: error as Error, field: event.info.fieldName }),
  );
}
