/**
 * Trust and safety rules (issue 18, docs/safety.md): what can be reported and why, one report per
 * reporter and target per day, when reports of a live stream suspend it on their own, and what a
 * suspension means. Pure: no AWS imports. The APPSYNC_JS resolvers import the constants and the
 * small helpers below, so this module stays free of zod (the input schemas are in safety-input.ts).
 */
/** What a report is about. */
export const REPORT_TARGET_KINDS = ['STREAM', 'USER', 'MESSAGE'] as const;
export type ReportTargetKind = (typeof REPORT_TARGET_KINDS)[number];

/** The fixed reasons a viewer picks from; OTHER needs a sentence of free text. */
export const REPORT_REASONS = [
  'SPAM',
  'HARASSMENT',
  'HATE',
  'NUDITY',
  'VIOLENCE',
  'SCAM',
  'MINOR_SAFETY',
  'IMPERSONATION',
  'OTHER',
] as const;
export type ReportReason = (typeof REPORT_REASONS)[number];

/** Longest free text of a report. */
export const MAX_REPORT_DETAILS = 500;
/** Longest reason an admin gives for an action (the streamer reads it). */
export const MAX_ACTION_REASON = 500;
/** Longest suspension an admin may set for a period (30 days); longer is a ban. */
export const MAX_SUSPEND_HOURS = 720;
/** `suspendedUntil` of a suspension without an end (auto-suspension, ban): lifted only by an admin. */
export const INDEFINITE_UNTIL = '9999-12-31T23:59:59.999Z';
/** Who acted when the platform itself suspended or reinstated a channel. */
export const SYSTEM_ACTOR = 'SYSTEM';

/**
 * The error type a banned account's calls answer: every mutation (the account gate) and chat tokens.
 * Apart from the per-channel chat ban (`BANNED`), so the web app can tell "banned here" from
 * "banned from the platform".
 */
export const ACCOUNT_BANNED = 'ACCOUNT_BANNED';

/** What a banned account is told when it tries to act, with the reason the admin gave. */
export function accountBannedMessage(reason: string | null | undefined): string {
  const why = reason ? ` Reason given: ${reason}` : '';
  return `Your account has been banned by our team: it can no longer bid, buy, chat, follow or stream.${why}`;
}

/** Admin decisions on a reported target. */
export const REPORT_ACTIONS = ['DISMISS', 'WARN', 'SUSPEND', 'BAN'] as const;
export type ReportAction = (typeof REPORT_ACTIONS)[number];

/** Where a report target stands in the admins' queue. */
export type ReportTargetStatus = 'OPEN' | 'DISMISSED' | 'WARNED' | 'SUSPENDED' | 'BANNED';

/** Auto-suspension settings (stage config `safety`). */
export interface AutoSuspension {
  /** Distinct reporters of one live stream that suspend it. */
  readonly reports: number;
  /** Window the reports must fall in, in minutes. */
  readonly windowMinutes: number;
}

export const DEFAULT_AUTO_SUSPENSION: AutoSuspension = { reports: 5, windowMinutes: 10 };

/** Id of a report target: groups the queue and keys the reports (`REPORTS#<targetId>`). */
export function reportTargetId(
  kind: ReportTargetKind,
  parts: { channelId?: string; streamId?: string; userId?: string; messageId?: string },
): string {
  if (kind === 'STREAM') return `STREAM#${parts.channelId ?? ''}#${parts.streamId ?? ''}`;
  if (kind === 'MESSAGE') return `MESSAGE#${parts.channelId ?? ''}#${parts.messageId ?? ''}`;
  return `USER#${parts.userId ?? ''}`;
}

/** The UTC calendar day of an ISO time (`2026-12-03`): the unit of "one report per day". */
export function reportDay(isoTime: string): string {
  return isoTime.slice(0, 10);
}

/** A stored report, as far as the window count needs it. */
export interface ReportSeen {
  readonly reporterId: string;
  readonly reportedAt: string;
}

/** Distinct reporters among `reports` at or after `nowMs - windowMinutes`. */
export function distinctReportersInWindow(
  reports: readonly ReportSeen[],
  nowMs: number,
  windowMinutes: number,
): number {
  const since = nowMs - windowMinutes * 60_000;
  const reporters = new Set<string>();
  for (const r of reports) if (Date.parse(r.reportedAt) >= since) reporters.add(r.reporterId);
  return reporters.size;
}

/** Whether reports of a live stream reach the auto-suspension threshold. */
export function shouldAutoSuspend(reports: readonly ReportSeen[], nowMs: number, settings: AutoSuspension): boolean {
  return distinctReportersInWindow(reports, nowMs, settings.windowMinutes) >= settings.reports;
}

/** The most frequent reason among `reasons` (ties: the first seen). */
export function commonestReason(reasons: readonly ReportReason[]): ReportReason | undefined {
  const counts = new Map<ReportReason, number>();
  for (const r of reasons) counts.set(r, (counts.get(r) ?? 0) + 1);
  let best: ReportReason | undefined;
  for (const [r, n] of counts) if (best === undefined || n > (counts.get(best) ?? 0)) best = r;
  return best;
}

/** Reason labels as people read them (notifications, the admin page). */
export const REASON_LABELS: Record<ReportReason, string> = {
  SPAM: 'spam',
  HARASSMENT: 'harassment or bullying',
  HATE: 'hate speech',
  NUDITY: 'nudity or sexual content',
  VIOLENCE: 'violence or threats',
  SCAM: 'scam or fraud',
  MINOR_SAFETY: 'child safety',
  IMPERSONATION: 'impersonation',
  OTHER: 'something else',
};

/** The sentence an auto-suspended streamer (and the admins' alert) reads. */
export function autoSuspensionReason(
  reporters: number,
  windowMinutes: number,
  reason: ReportReason | undefined,
): string {
  return `${reporters} viewers reported your stream within ${windowMinutes} minutes${reason ? ` (mostly for ${REASON_LABELS[reason]})` : ''}. It is stopped until our team has reviewed it.`;
}

/** Whether a channel is suspended at `nowIso` (`suspendedUntil` absent: never suspended or lifted). */
export function isSuspended(suspendedUntil: string | null | undefined, nowIso: string): boolean {
  return !!suspendedUntil && suspendedUntil > nowIso;
}

/** The end of a suspension as the API shows it: null when it lasts until an admin lifts it. */
export function suspensionEnd(suspendedUntil: string): string | null {
  return suspendedUntil === INDEFINITE_UNTIL ? null : suspendedUntil;
}

/** `suspendedUntil` of a suspension of `hours` from `nowMs` (none: indefinite). */
export function suspendedUntilFor(nowMs: number, hours: number | null | undefined): string {
  return hours ? new Date(nowMs + hours * 3_600_000).toISOString() : INDEFINITE_UNTIL;
}

/** Per-IP request rate (stage config `safety.rateLimit`): WAF's rate-based rule and the local GraphQL server. */
export interface RateLimit {
  /** Requests one IP may send in a window; WAF's minimum is 10. */
  readonly requestsPerWindow: number;
  /** The window, in seconds: one of WAF's evaluation windows. */
  readonly windowSeconds: 60 | 120 | 300 | 600;
}

export const DEFAULT_RATE_LIMIT: RateLimit = { requestsPerWindow: 3000, windowSeconds: 300 };

/** The event the platform puts on its jobs bus when it suspends a stream by itself; a rule sends it to the admins' SNS topic. */
export const SAFETY_ALERT_EVENT = { source: 'lvs.safety', detailType: 'Stream Auto-Suspended' } as const;

/**
 * What a caller over the per-IP rate receives, with HTTP 429: the WAF rule's custom response body
 * and the local GraphQL server's answer, so the web app reads one shape (a GraphQL error) from both.
 */
export const RATE_LIMITED_ERROR_TYPE = 'RateLimited';
export const RATE_LIMITED_MESSAGE = 'Too many requests from your network just now. Wait a minute, then try again.';
export const RATE_LIMITED_BODY = JSON.stringify({
  data: null,
  errors: [{ errorType: RATE_LIMITED_ERROR_TYPE, message: RATE_LIMITED_MESSAGE }],
});
