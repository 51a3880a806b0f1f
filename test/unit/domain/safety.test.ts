import { describe, expect, it } from 'vitest';
import {
  autoSuspensionReason,
  commonestReason,
  distinctReportersInWindow,
  INDEFINITE_UNTIL,
  isSuspended,
  reportDay,
  reportTargetId,
  shouldAutoSuspend,
  suspendedUntilFor,
  suspensionEnd,
  DEFAULT_AUTO_SUSPENSION,
} from '../../../lambdas/shared/domain/safety';
import { reportInputSchema, resolveReportInputSchema } from '../../../lambdas/shared/domain/safety-input';

const NOW = Date.parse('2026-12-03T12:00:00.000Z');
const at = (minutesAgo: number) => new Date(NOW - minutesAgo * 60_000).toISOString();

describe('auto-suspension threshold', () => {
  it('suspends at five distinct reporters within ten minutes', () => {
    const reports = ['a', 'b', 'c', 'd', 'e'].map((reporterId, i) => ({ reporterId, reportedAt: at(i * 2) }));
    expect(distinctReportersInWindow(reports, NOW, 10)).toBe(5);
    expect(shouldAutoSuspend(reports, NOW, DEFAULT_AUTO_SUSPENSION)).toBe(true);
  });

  it('does not for five reports of one reporter', () => {
    const reports = Array.from({ length: 5 }, (_, i) => ({ reporterId: 'a', reportedAt: at(i) }));
    expect(distinctReportersInWindow(reports, NOW, 10)).toBe(1);
    expect(shouldAutoSuspend(reports, NOW, DEFAULT_AUTO_SUSPENSION)).toBe(false);
  });

  it('does not count reports older than the window', () => {
    const reports = ['a', 'b', 'c', 'd']
      .map((reporterId) => ({ reporterId, reportedAt: at(1) }))
      .concat({ reporterId: 'e', reportedAt: at(10.01) });
    expect(shouldAutoSuspend(reports, NOW, DEFAULT_AUTO_SUSPENSION)).toBe(false);
    expect(shouldAutoSuspend(reports, NOW, { reports: 5, windowMinutes: 11 })).toBe(true);
  });
});

describe('report targets and days', () => {
  it('keys a stream by channel and stream, a message by channel and message, a user by id', () => {
    expect(reportTargetId('STREAM', { channelId: 'u1', streamId: 'st-1' })).toBe('STREAM#u1#st-1');
    expect(reportTargetId('MESSAGE', { channelId: 'u1', messageId: 'm1' })).toBe('MESSAGE#u1#m1');
    expect(reportTargetId('USER', { userId: 'u2' })).toBe('USER#u2');
  });

  it('counts one report per UTC day', () => {
    expect(reportDay('2026-12-03T23:59:59.999Z')).toBe('2026-12-03');
    expect(reportDay('2026-12-04T00:00:00.000Z')).toBe('2026-12-04');
  });

  it('names the commonest reason', () => {
    expect(commonestReason(['SPAM', 'HATE', 'HATE'])).toBe('HATE');
    expect(commonestReason([])).toBeUndefined();
    expect(autoSuspensionReason(5, 10, 'HATE')).toBe(
      '5 viewers reported your stream within 10 minutes (mostly for hate speech). It is stopped until our team has reviewed it.',
    );
  });
});

describe('report input', () => {
  it('needs the target of its kind and free text with OTHER', () => {
    expect(reportInputSchema.safeParse({ kind: 'STREAM', channelId: 'u1', reason: 'SPAM' }).success).toBe(true);
    expect(reportInputSchema.safeParse({ kind: 'STREAM', reason: 'SPAM' }).error?.issues[0]?.path).toEqual([
      'channelId',
    ]);
    expect(
      reportInputSchema.safeParse({ kind: 'MESSAGE', channelId: 'u1', reason: 'SPAM' }).error?.issues[0]?.path,
    ).toEqual(['messageId']);
    expect(
      reportInputSchema.safeParse({ kind: 'USER', userId: 'u1', reason: 'OTHER', details: '  ' }).error?.issues[0]
        ?.message,
    ).toBe('Tell us what is wrong in a few words.');
    expect(
      reportInputSchema.safeParse({ kind: 'USER', userId: 'u1', reason: 'SPAM', details: 'x'.repeat(501) }).success,
    ).toBe(false);
    expect(reportInputSchema.safeParse({ kind: 'USER', userId: 'u1', reason: 'BORING' }).success).toBe(false);
  });

  it('needs an admin reason, and hours for a suspension', () => {
    expect(resolveReportInputSchema.safeParse({ targetId: 't', action: 'DISMISS', reason: ' ' }).success).toBe(false);
    expect(
      resolveReportInputSchema.safeParse({ targetId: 't', action: 'SUSPEND', reason: 'Nudity' }).error?.issues[0]?.path,
    ).toEqual(['suspendHours']);
    expect(
      resolveReportInputSchema.safeParse({ targetId: 't', action: 'SUSPEND', reason: 'Nudity', suspendHours: 721 })
        .success,
    ).toBe(false);
    expect(
      resolveReportInputSchema.safeParse({ targetId: 't', action: 'SUSPEND', reason: 'Nudity', suspendHours: 24 })
        .success,
    ).toBe(true);
  });
});

describe('suspension periods', () => {
  it('ends a period at its end; an indefinite one only when lifted', () => {
    const until = suspendedUntilFor(NOW, 24);
    expect(until).toBe('2026-12-04T12:00:00.000Z');
    expect(isSuspended(until, '2026-12-04T11:59:59.999Z')).toBe(true);
    expect(isSuspended(until, '2026-12-04T12:00:00.000Z')).toBe(false);
    expect(suspendedUntilFor(NOW, null)).toBe(INDEFINITE_UNTIL);
    expect(isSuspended(INDEFINITE_UNTIL, '2999-01-01T00:00:00.000Z')).toBe(true);
    expect(suspensionEnd(INDEFINITE_UNTIL)).toBeNull();
    expect(isSuspended(undefined, '2026-12-03T00:00:00.000Z')).toBe(false);
  });
});
