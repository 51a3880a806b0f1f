/**
 * Applying "IVS Stream State Change" events: which events start or end a stream and whether an
 * event is newer than what the profile already reflects (events are at-least-once and unordered).
 */
import { z } from 'zod';

export const streamStateEventSchema = z.object({
  id: z.string(),
  'detail-type': z.literal('IVS Stream State Change'),
  source: z.literal('aws.ivs'),
  time: z.string(),
  resources: z.array(z.string()).min(1),
  detail: z
    .object({
      event_name: z.string(),
      channel_name: z.string().optional(),
      stream_id: z.string(),
    })
    .loose(),
});

export type StreamStateEvent = z.infer<typeof streamStateEventSchema>;

export type Transition = 'START' | 'END' | 'IGNORE';

/**
 * Session Created comes before Stream Start and Session Ended may come before Stream End; either
 * of a pair marks the change, so a lost or late partner event does not leave the state stale.
 */
export function transitionFor(eventName: string): Transition {
  switch (eventName) {
    case 'Stream Start':
    case 'Session Created':
      return 'START';
    case 'Stream End':
    case 'Session Ended':
      return 'END';
    default:
      return 'IGNORE';
  }
}

/** Whether an event at `eventAt` may change a profile last changed by an event at `lastEventAt`. */
export function isNotOlder(eventAt: string, lastEventAt: string | undefined): boolean {
  return lastEventAt === undefined || Date.parse(eventAt) >= Date.parse(lastEventAt);
}

/** Viewer milestones that emit an event, each once per stream. */
export const VIEWER_MILESTONES = [100, 1_000, 10_000] as const;

/** Milestones passed when the peak moves from `previousPeak` to `viewers`. */
export function milestonesCrossed(previousPeak: number, viewers: number): number[] {
  return VIEWER_MILESTONES.filter((m) => previousPeak < m && viewers >= m);
}

/** IVS health notes worth showing in the control room (names from IVS stream events). */
export function healthNotes(events: readonly { name?: string; type?: string }[] | undefined): string[] {
  if (!events) return [];
  const notes = events
    .map((e) => e.name)
    .filter((n): n is string => !!n && !['Session Created', 'Stream Start'].includes(n));
  return [...new Set(notes)];
}
