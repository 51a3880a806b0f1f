import { describe, expect, it } from 'vitest';
import {
  availabilityOf,
  classify,
  readyInSeconds,
  restoreMessage,
  restoreRequestFor,
} from '../../../lambdas/shared/domain/lifecycle';

describe('classify', () => {
  it('KEEP beats sales, sales beat none', () => {
    expect(classify({ keep: true, saleCount: 0 })).toBe('KEEP');
    expect(classify({ keep: true, saleCount: 3 })).toBe('KEEP');
    expect(classify({ keep: false, saleCount: 1 })).toBe('HAS_SALES');
    expect(classify({ keep: false, saleCount: 0 })).toBe('NO_SALES');
    expect(classify({})).toBe('NO_SALES');
  });
});

describe('availabilityOf (HeadObject)', () => {
  it('reads Intelligent-Tiering archive status', () => {
    expect(availabilityOf({ StorageClass: 'INTELLIGENT_TIERING', ArchiveStatus: 'ARCHIVE_ACCESS' })).toEqual({
      kind: 'ARCHIVED',
      tier: 'ARCHIVE_ACCESS',
    });
    expect(availabilityOf({ StorageClass: 'INTELLIGENT_TIERING', ArchiveStatus: 'DEEP_ARCHIVE_ACCESS' })).toEqual({
      kind: 'ARCHIVED',
      tier: 'DEEP_ARCHIVE_ACCESS',
    });
    expect(availabilityOf({ StorageClass: 'INTELLIGENT_TIERING' })).toEqual({ kind: 'AVAILABLE' });
    expect(availabilityOf({})).toEqual({ kind: 'AVAILABLE' });
  });

  it('sees a restore in progress and a finished Glacier restore', () => {
    expect(availabilityOf({ ArchiveStatus: 'ARCHIVE_ACCESS', Restore: 'ongoing-request="true"' })).toEqual({
      kind: 'RESTORING',
      tier: 'ARCHIVE_ACCESS',
    });
    expect(
      availabilityOf({
        StorageClass: 'GLACIER',
        Restore: 'ongoing-request="false", expiry-date="Fri, 21 Dec 2012 00:00:00 GMT"',
      }),
    ).toEqual({ kind: 'AVAILABLE' });
    expect(availabilityOf({ StorageClass: 'DEEP_ARCHIVE' })).toEqual({ kind: 'ARCHIVED', tier: 'DEEP_ARCHIVE' });
  });
});

describe('restore estimates', () => {
  it('counts down from 5 h (archive access) and 12 h (deep archive), never below a minute', () => {
    const started = '2026-01-01T00:00:00.000Z';
    expect(readyInSeconds('ARCHIVE_ACCESS', started, new Date(started))).toBe(18_000);
    expect(readyInSeconds('DEEP_ARCHIVE_ACCESS', started, new Date('2026-01-01T02:00:00.000Z'))).toBe(36_000);
    expect(readyInSeconds('ARCHIVE_ACCESS', started, new Date('2026-01-02T00:00:00.000Z'))).toBe(60);
    expect(restoreMessage(18_000)).toContain('about 5 hours');
    expect(restoreMessage(600)).toContain('about 10 minutes');
  });

  it('asks Glacier classes for days but never Intelligent-Tiering', () => {
    expect(restoreRequestFor('ARCHIVE_ACCESS')).toEqual({ GlacierJobParameters: { Tier: 'Standard' } });
    expect(restoreRequestFor('GLACIER').Days).toBe(7);
  });
});
