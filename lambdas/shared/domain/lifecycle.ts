/**
 * Storage lifecycle rules for recordings: the classification lifecycle rules act on, and how to
 * read S3's answers about archived objects. Pure: no AWS imports.
 */
export type Classification = 'HAS_SALES' | 'NO_SALES' | 'KEEP';

/** S3 object tag the bucket's lifecycle rules filter on (the stack's rule expires `NO_SALES` after N days). */
export const CLASSIFICATION_TAG = 'classification';

/**
 * KEEP (flagged by the owner) beats everything, so a kept recording never expires; any sale makes
 * a recording worth keeping through the tiers; otherwise it may expire.
 */
export function classify(r: { keep?: boolean; saleCount?: number }): Classification {
  if (r.keep) return 'KEEP';
  return (r.saleCount ?? 0) > 0 ? 'HAS_SALES' : 'NO_SALES';
}

/** Where an object is, as far as playback is concerned. */
export type ObjectAvailability =
  { kind: 'AVAILABLE' } | { kind: 'ARCHIVED'; tier: ArchiveTier } | { kind: 'RESTORING'; tier: ArchiveTier };

export type ArchiveTier = 'ARCHIVE_ACCESS' | 'DEEP_ARCHIVE_ACCESS' | 'GLACIER' | 'DEEP_ARCHIVE';

/** Subset of HeadObject's output that decides availability. */
export interface HeadFacts {
  StorageClass?: string;
  ArchiveStatus?: string;
  Restore?: string;
}

/**
 * Reads HeadObject: `x-amz-archive-status` (Intelligent-Tiering archive tiers) or a Glacier storage
 * class means archived, unless `x-amz-restore` says a restore is ongoing (`ongoing-request="true"`)
 * or done (`ongoing-request="false", expiry-date=...` for Glacier classes; a restored
 * Intelligent-Tiering object moves back to Frequent Access and loses its archive status).
 */
export function availabilityOf(head: HeadFacts): ObjectAvailability {
  const restore = head.Restore ?? '';
  const ongoing = /ongoing-request="true"/.test(restore);
  const restored = /ongoing-request="false"/.test(restore);
  let tier: ArchiveTier | undefined;
  if (head.ArchiveStatus === 'ARCHIVE_ACCESS' || head.ArchiveStatus === 'DEEP_ARCHIVE_ACCESS')
    tier = head.ArchiveStatus;
  else if (head.StorageClass === 'GLACIER' || head.StorageClass === 'DEEP_ARCHIVE') tier = head.StorageClass;
  if (!tier) return { kind: 'AVAILABLE' };
  if (ongoing) return { kind: 'RESTORING', tier };
  if (restored) return { kind: 'AVAILABLE' };
  return { kind: 'ARCHIVED', tier };
}

/**
 * Standard-retrieval time S3 documents per tier, upper bound in seconds: Archive Access and
 * Glacier Flexible Retrieval 3-5 h, Deep Archive Access and Glacier Deep Archive within 12 h.
 */
export const RESTORE_ESTIMATE_SECONDS: Record<ArchiveTier, number> = {
  ARCHIVE_ACCESS: 5 * 3600,
  GLACIER: 5 * 3600,
  DEEP_ARCHIVE_ACCESS: 12 * 3600,
  DEEP_ARCHIVE: 12 * 3600,
};

/** Seconds left until a restore started at `startedAt` should be done (never below one minute). */
export function readyInSeconds(tier: ArchiveTier, startedAt: string, now: Date): number {
  const elapsed = Math.max(0, Math.floor((now.getTime() - Date.parse(startedAt)) / 1000));
  return Math.max(60, RESTORE_ESTIMATE_SECONDS[tier] - elapsed);
}

/** A human answer for the replay page, e.g. "about 5 hours". */
export function restoreMessage(seconds: number): string {
  const hours = Math.round(seconds / 3600);
  const span =
    seconds < 3600
      ? `about ${Math.max(1, Math.round(seconds / 60))} minutes`
      : `about ${hours} hour${hours === 1 ? '' : 's'}`;
  return `This replay is in archive storage and is being restored; it will be ready in ${span}. We will notify you when it is ready.`;
}

/**
 * Objects S3 Intelligent-Tiering never moves to an archive tier: anything under 128 KB stays in
 * Frequent Access (playlists, metadata, thumbnails), so restores only concern media segments.
 */
export const MIN_TIERED_OBJECT_BYTES = 128 * 1024;

/** Restore request body per storage class: Glacier classes need a retention in days, IT must not have one. */
export function restoreRequestFor(
  tier: ArchiveTier,
  days = 7,
): { Days?: number; GlacierJobParameters: { Tier: 'Standard' } } {
  return tier === 'GLACIER' || tier === 'DEEP_ARCHIVE'
    ? { Days: days, GlacierJobParameters: { Tier: 'Standard' } }
    : { GlacierJobParameters: { Tier: 'Standard' } };
}
