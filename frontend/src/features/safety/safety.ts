/**
 * Reports and the admins' safety queue, the parts without a component: the reasons a viewer picks
 * from (the API's fixed list and labels, lambdas/shared/domain/safety.ts), the form's check, and
 * sentences for what the API answers.
 */
import {
  MAX_REPORT_DETAILS,
  MAX_SUSPEND_HOURS,
  REASON_LABELS,
  REPORT_REASONS,
  type ReportReason,
  type ReportTargetKind,
} from '../../../../lambdas/shared/domain/safety';

export { MAX_REPORT_DETAILS, MAX_SUSPEND_HOURS, REPORT_REASONS, type ReportReason, type ReportTargetKind };

/** Reason choices as the dialog lists them: label with a capital, the API's value. */
export const REASON_OPTIONS = REPORT_REASONS.map((value) => ({
  value,
  label: REASON_LABELS[value].charAt(0).toUpperCase() + REASON_LABELS[value].slice(1),
}));

/** The reason's label for admins ("Hate speech"). */
export function reasonLabel(reason: string): string {
  return REASON_OPTIONS.find((o) => o.value === reason)?.label ?? reason;
}

/** What the form says is missing, or null when it can be sent. */
export function reportFormError(reason: ReportReason | '', details: string): string | null {
  if (!reason) return 'Pick what is wrong.';
  if (reason === 'OTHER' && !details.trim()) return 'Tell us what is wrong in a few words.';
  if (details.length > MAX_REPORT_DETAILS) return `Say it in at most ${MAX_REPORT_DETAILS} characters.`;
  return null;
}

/** What a viewer is reporting, in the dialog's title. */
export function reportTitle(kind: ReportTargetKind, handle?: string): string {
  const who = handle ? `@${handle}` : 'this user';
  if (kind === 'STREAM') return `Report ${who}'s live stream`;
  if (kind === 'MESSAGE') return `Report a chat message from ${who}`;
  return `Report ${who}`;
}

/** The sentence for a failed report (the API's own sentence where it has one). */
export function reportErrorMessage(e: { errorType?: string; message?: string }): string {
  if (e.errorType === 'ALREADY_REPORTED')
    return 'You already reported this today. Thank you: our team is looking at it.';
  if (e.errorType === 'RateLimited') return e.message ?? 'Too many requests just now. Wait a minute, then try again.';
  if (e.errorType === 'SignInRequired' || e.errorType === 'Unauthorized' || e.errorType === 'UNAUTHORIZED')
    return 'Sign in to report.';
  if (e.errorType && e.errorType !== 'INTERNAL' && e.message) return e.message;
  return 'The report could not be sent. Check your connection and try again.';
}

/** A report target's kind and subject for the admins' queue ("Live stream of @bea"). */
export function targetSummary(t: { kind: string; targetHandle?: string | null }): string {
  const who = t.targetHandle ? `@${t.targetHandle}` : 'a user';
  if (t.kind === 'STREAM') return `Live stream of ${who}`;
  if (t.kind === 'MESSAGE') return `Chat message from ${who}`;
  return `Profile of ${who}`;
}

/** What an admin decision needs before it is sent, or null. */
export function decisionError(action: string, reason: string, hours: number | null): string | null {
  if (!reason.trim()) return 'Say why: the decision is audited and the user reads it.';
  if (action === 'SUSPEND' && (!hours || hours < 1 || hours > MAX_SUSPEND_HOURS || !Number.isInteger(hours)))
    return `Suspend for 1 to ${MAX_SUSPEND_HOURS} whole hours.`;
  return null;
}

/** When a suspension ends, as a phrase ("until an admin lifts it", "until 3 Dec, 14:00"). */
export function suspensionUntil(until: string | null | undefined): string {
  return until
    ? `until ${new Date(until).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' })}`
    : 'until an admin lifts it';
}
