/** Scheduled streams: validation and keys. Pure. */
import { z } from 'zod';

const MAX_AHEAD_MS = 180 * 24 * 3600 * 1000;

/** Input of scheduleStream; `now` decides what "in the future" means (injected for tests). */
export function scheduleInputSchema(now: Date) {
  return z
    .object({
      title: z.string().trim().min(1, 'A title is required').max(140),
      category: z.string().trim().min(1).max(40).optional().nullable(),
      startsAt: z.iso.datetime({ offset: true }),
    })
    .strict()
    .refine((v) => Date.parse(v.startsAt) > now.getTime(), {
      message: 'startsAt must be in the future',
      path: ['startsAt'],
    })
    .refine((v) => Date.parse(v.startsAt) <= now.getTime() + MAX_AHEAD_MS, {
      message: 'startsAt is at most 180 days ahead',
      path: ['startsAt'],
    });
}

/** Normalises an ISO timestamp to UTC with milliseconds, so sort keys order chronologically. */
export function toUtcIso(value: string): string {
  return new Date(value).toISOString();
}
