/**
 * Main table stream → the battles' fan-out (the event source mapping lets through only items that
 * carry a battleId: battles, their score counters, and profiles of streamers in a battle):
 * - a change of a battle or of one of its score counters (each accepted gift adds to one) is
 *   published with publishBattle, the whole battle as it is now, once per side's channel, so both
 *   audiences' onBattle subscriptions see it. The records of one batch that concern one battle
 *   share one read and one publish per channel: that publish already carries all of them.
 * - a profile that went OFFLINE while it still names its battle is a side whose stream ended
 *   early: it is marked away and forfeits unless its stream is back within the stage's reconnect
 *   grace (docs/battles.md); a profile that went LIVE again while away is back. Both ride on the
 *   stream-state function's writes, timed by the stream event (`lastEventAt`, `liveSince`).
 * A failure fails the records of its battle (reported as batch item failures), so Lambda retries
 * them; a subscriber may see a state twice, and orders copies by `updatedAt` and scores.
 */
import type { DynamoDBBatchResponse, DynamoDBRecord } from 'aws-lambda';
import { publish } from '../shared/appsync-publish';
import { imageOf } from '../shared/stream-image';
import type { Battles } from './service';
import type { BattleView } from './store';

/** The whole battle as PublishBattleInput for one channel. */
export const PUBLISH_BATTLE = /* GraphQL */ `
  mutation PublishBattle($input: PublishBattleInput!) {
    publishBattle(input: $input) {
      battleId
      status
      durationSeconds
      invitedAt
      expiresAt
      startsAt
      endsAt
      endedAt
      channelId
      updatedAt
      inviter {
        channelId
        handle
        displayName
        avatarUrl
        playbackUrl
        score
        reconnectBy
      }
      invitee {
        channelId
        handle
        displayName
        avatarUrl
        playbackUrl
        score
        reconnectBy
      }
      result {
        outcome
        winnerChannelId
        forfeitChannelId
        bonusCoins
      }
    }
  }
`;

/** What one stream record asks of the fan-out. */
export type BattleWork =
  | { kind: 'publish'; battleId: string }
  | { kind: 'dropped' | 'back'; battleId: string; channelId: string; atMs: number }
  | undefined;

const timeOf = (v: unknown, fallback: number): number => {
  const ms = typeof v === 'string' ? Date.parse(v) : NaN;
  return Number.isFinite(ms) ? ms : fallback;
};

/**
 * The work a record carries (none for a record the filter should not have let through, nor for a
 * profile change that is not its stream going down or coming back: viewer counts, likes, edits).
 */
export function workOf(record: DynamoDBRecord, nowMs: number = Date.now()): BattleWork {
  const image = imageOf(record.dynamodb?.NewImage);
  if (!image || typeof image.battleId !== 'string') return undefined;
  if (image.type === 'Battle' || image.type === 'BattleScore') return { kind: 'publish', battleId: image.battleId };
  if (image.type !== 'Profile' || typeof image.userId !== 'string') return undefined;
  const before = imageOf(record.dynamodb?.OldImage)?.status;
  if (image.status === 'OFFLINE' && before !== 'OFFLINE') {
    return {
      kind: 'dropped',
      battleId: image.battleId,
      channelId: image.userId,
      atMs: timeOf(image.lastEventAt, nowMs),
    };
  }
  if (image.status === 'LIVE' && before === 'OFFLINE') {
    const at = timeOf(image.liveSince ?? image.lastEventAt, nowMs);
    return { kind: 'back', battleId: image.battleId, channelId: image.userId, atMs: at };
  }
  return undefined;
}

/** publishBattle's input for `channelId` (the view minus what the input does not take). */
export function publishInput(view: BattleView, channelId: string): Record<string, unknown> {
  return { ...view, channelId };
}

/** Publishes `view` to both sides' channels. */
export async function publishToBoth(view: BattleView, send: typeof publish = publish): Promise<void> {
  await Promise.all(
    [view.inviter.channelId, view.invitee.channelId].map((c) => send(PUBLISH_BATTLE, { input: publishInput(view, c) })),
  );
}

/** One batch of stream records (see the module comment). */
export async function handleBattleRecords(
  battles: Battles,
  records: DynamoDBRecord[],
  opts: { now: () => number; send?: typeof publish; onError?: (battleId: string, error: unknown) => void },
): Promise<DynamoDBBatchResponse> {
  const send = opts.send ?? publish;
  type StreamChange = Extract<NonNullable<BattleWork>, { kind: 'dropped' | 'back' }>;
  const byBattle = new Map<string, { records: DynamoDBRecord[]; streams: StreamChange[]; publish: boolean }>();
  for (const record of records) {
    const work = workOf(record, opts.now());
    if (!work) continue;
    const entry = byBattle.get(work.battleId) ?? { records: [], streams: [], publish: false };
    entry.records.push(record);
    if (work.kind === 'publish') entry.publish = true;
    else entry.streams.push(work);
    byBattle.set(work.battleId, entry);
  }
  const failed: string[] = [];
  await Promise.all(
    [...byBattle].map(async ([battleId, entry]) => {
      try {
        // In the order of the records (a drop, then its return); the battle changes they make are
        // Battle records of a later batch, which publish them.
        for (const c of entry.streams) {
          if (c.kind === 'dropped') await battles.dropped(battleId, c.channelId, c.atMs);
          else await battles.back(battleId, c.channelId, c.atMs);
        }
        if (!entry.publish) return;
        const view = await battles.reads.view(battleId, opts.now());
        if (view) await publishToBoth(view, send);
      } catch (error) {
        opts.onError?.(battleId, error);
        for (const r of entry.records) if (r.dynamodb?.SequenceNumber) failed.push(r.dynamodb.SequenceNumber);
      }
    }),
  );
  return { batchItemFailures: failed.map((itemIdentifier) => ({ itemIdentifier })) };
}
