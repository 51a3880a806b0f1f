/**
 * Views of the safety items for the APPSYNC_JS resolvers (the safety Lambda has its own for the
 * mutations' answers, lambdas/safety/handler.ts, from the same items).
 */
import { INDEFINITE_UNTIL } from '../../../../lambdas/shared/domain/safety';

type Item = Record<string, unknown>;

/** A report target summary as the ReportTarget type. */
export function reportTargetView(item: Item): Item {
  return {
    targetId: item.targetId,
    kind: item.kind,
    channelId: item.channelId ? item.channelId : null,
    streamId: item.streamId ? item.streamId : null,
    messageId: item.messageId ? item.messageId : null,
    targetUserId: item.targetUserId,
    targetHandle: item.targetHandle ? item.targetHandle : null,
    messageContent: item.messageContent ? item.messageContent : null,
    thumbnailUrl: item.thumbnailUrl ? item.thumbnailUrl : null,
    reportCount: item.reportCount ? item.reportCount : 0,
    lastReason: item.lastReason,
    firstReportedAt: item.firstReportedAt,
    lastReportedAt: item.lastReportedAt,
    status: item.status ? item.status : 'OPEN',
    decidedBy: item.decidedBy ? item.decidedBy : null,
    decisionReason: item.decisionReason ? item.decisionReason : null,
  };
}

/** A report as the Report type. */
export function reportView(item: Item): Item {
  return {
    reporterId: item.reporterId,
    reporterHandle: item.reporterHandle ? item.reporterHandle : null,
    reason: item.reason,
    details: item.details ? item.details : null,
    reportedAt: item.reportedAt,
  };
}

/** A suspension item as the Suspension type. */
export function suspensionView(item: Item): Item {
  return {
    userId: item.userId,
    handle: item.handle ? item.handle : null,
    reason: item.reason,
    source: item.source,
    banned: item.banned === true,
    since: item.since,
    until: item.until === INDEFINITE_UNTIL ? null : item.until,
    byUserId: item.byUserId,
    liftedAt: null,
  };
}

/** An audit entry as the AdminAction type (older entries carry no entryId: it is the SK's tail). */
export function adminActionView(item: Item): Item {
  const sk = item.SK as string;
  const cut = sk.indexOf('#');
  return {
    entryId: item.entryId ? item.entryId : sk.slice(cut + 1),
    action: item.action,
    actorId: item.actorId,
    actorHandle: item.actorHandle ? item.actorHandle : null,
    targetUserId: item.targetUserId ? item.targetUserId : null,
    targetId: item.targetId ? item.targetId : item.payoutId ? item.payoutId : null,
    reason: item.reason ? item.reason : null,
    at: item.at,
  };
}
