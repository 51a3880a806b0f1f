import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  firstThumbnail,
  latestThumbnailKey,
  mergeRecording,
  observe,
  recordingEventSchema,
  recordingIdFromSession,
  recordingItemKeys,
  recordingMetadataSchema,
  recordingPrefixOfKey,
  thumbnailDirOf,
  type RecordingObservation,
} from '../../../lambdas/shared/domain/recordings';

const fixture = (name: string): unknown =>
  JSON.parse(readFileSync(new URL(`../../fixtures/recordings/${name}`, import.meta.url), 'utf8'));
const start = recordingEventSchema.parse(fixture('recording-start.json'));
const end = recordingEventSchema.parse(fixture('recording-end.json'));
const startedMeta = recordingMetadataSchema.parse(fixture('recording-started.json'));
const endedMeta = recordingMetadataSchema.parse(fixture('recording-ended.json'));

function obs(event: typeof start, metadata?: typeof startedMeta): RecordingObservation {
  return {
    userId: 'user-1',
    channelArn: event.resources[0] as string,
    eventTime: event.time,
    detail: event.detail,
    metadata,
  };
}

describe('recordingIdFromSession', () => {
  it('is deterministic, prefixed and 20 Crockford chars', () => {
    const id = recordingIdFromSession('e7f3c9a0-1234-4567-89ab-0c1d2e3f4a5b');
    expect(id).toMatch(/^rec_[0-9A-HJKMNP-TV-Z]{20}$/);
    expect(recordingIdFromSession('e7f3c9a0-1234-4567-89ab-0c1d2e3f4a5b')).toBe(id);
    expect(recordingIdFromSession('another-session')).not.toBe(id);
  });
});

describe('observe', () => {
  it("takes start time, renditions and the largest thumbnail rendition's folder from recording-started.json", () => {
    const r = observe(obs(start, startedMeta));
    expect(r).toMatchObject({
      state: 'RECORDING',
      startedAt: '2020-06-23T20:12:34.908Z',
      streamId: 'st-1A2b3c4D5e6F78ab91Cd23Ef',
      bucket: 'your-bucket-name',
      s3Prefix: 'ivs/v1/123456789012/AbCdef1G2hij/2020/6/23/20/12/j8Z9O91ndcVs',
      renditions: ['480p30', '360p30', '160p30', '720p60'],
    });
    // The thumbnail's name comes from the bucket listing (firstThumbnail), not from here.
    expect(r.thumbnailKey).toBeUndefined();
    expect(thumbnailDirOf(r.s3Prefix, startedMeta)).toBe(
      'ivs/v1/123456789012/AbCdef1G2hij/2020/6/23/20/12/j8Z9O91ndcVs/media/thumbnails/720p60/',
    );
    expect(r.endedAt).toBeUndefined();
    expect(r.durationMs).toBeUndefined();
  });

  it('takes end, duration from recording-ended.json', () => {
    const r = observe(obs(end, endedMeta));
    expect(r).toMatchObject({
      state: 'AVAILABLE',
      endedAt: '2020-06-23T21:12:38.134Z',
      durationMs: 3603226,
      startedAt: '2020-06-23T20:12:34.908Z',
    });
  });

  it('derives start from the event time minus the duration when the metadata file is missing', () => {
    const r = observe(obs(end));
    expect(r.durationMs).toBe(3600000);
    expect(r.startedAt).toBe('2020-06-23T20:12:40.000Z');
    expect(r.endedAt).toBe('2020-06-23T21:12:40.000Z');
  });

  it('records the failure reason', () => {
    const failed = recordingEventSchema.parse(fixture('recording-end-failure.json'));
    expect(observe(obs(failed))).toMatchObject({ state: 'FAILED', stateReason: 'InternalServerException' });
  });
});

describe('mergeRecording (order safety)', () => {
  const s = observe(obs(start, startedMeta));
  const e = observe(obs(end, endedMeta));

  it('Start then End ends AVAILABLE with end facts', () => {
    expect(mergeRecording(mergeRecording(undefined, s), e)).toMatchObject({
      state: 'AVAILABLE',
      durationMs: 3603226,
      endedAt: e.endedAt,
    });
  });

  it('End then Start does not regress the state or lose end facts', () => {
    const merged = mergeRecording(mergeRecording(undefined, e), s);
    expect(merged).toMatchObject({
      state: 'AVAILABLE',
      durationMs: 3603226,
      endedAt: e.endedAt,
      startedAt: '2020-06-23T20:12:34.908Z',
    });
  });

  it('a duplicate converges to the same fields', () => {
    const once = mergeRecording(mergeRecording(undefined, s), e);
    expect(mergeRecording(once, e)).toEqual(once);
    expect(mergeRecording(once, s)).toEqual(once);
  });

  it('keeps the earliest known start', () => {
    const late = { ...s, startedAt: '2020-06-23T20:12:36.000Z' };
    expect(mergeRecording(late, e).startedAt).toBe('2020-06-23T20:12:34.908Z');
  });
});

describe('recordingItemKeys', () => {
  it('lists only AVAILABLE recordings under RECORDINGS (recent replays)', () => {
    const base = { recordingId: 'rec_1', userId: 'u1', streamId: 'st-1', startedAt: '2020-06-23T20:12:34.908Z' };
    expect(recordingItemKeys({ ...base, state: 'RECORDING' }).GSI2PK).toBeUndefined();
    expect(recordingItemKeys({ ...base, state: 'AVAILABLE' })).toMatchObject({
      PK: 'RECORDING#rec_1',
      GSI1PK: 'USER#u1#RECORDINGS',
      GSI2PK: 'RECORDINGS',
      GSI3PK: 'STREAM#st-1#RECORDING',
    });
  });
});

describe('recordingPrefixOfKey', () => {
  it('finds the recording prefix of a media key', () => {
    expect(
      recordingPrefixOfKey('ivs/v1/123456789012/AbCdef1G2hij/2020/6/23/20/12/j8Z9O91ndcVs/media/hls/720p60/0.ts'),
    ).toBe('ivs/v1/123456789012/AbCdef1G2hij/2020/6/23/20/12/j8Z9O91ndcVs');
    expect(recordingPrefixOfKey('other/file.txt')).toBeUndefined();
  });
});

describe('thumbnails', () => {
  it('takes the lowest-numbered thumbnail listed, whatever the first number is', () => {
    expect(
      firstThumbnail([
        'p/media/thumbnails/source/thumb1.jpg',
        'p/media/thumbnails/source/thumb10.jpg',
        'p/media/thumbnails/source/thumb2.jpg',
      ]),
    ).toBe('p/media/thumbnails/source/thumb1.jpg');
    expect(firstThumbnail(['p/t/thumb10.jpg', 'p/t/thumb0.jpg'])).toBe('p/t/thumb0.jpg');
    expect(firstThumbnail(['p/t/notes.txt'])).toBeUndefined();
    expect(firstThumbnail([])).toBeUndefined();
  });

  it("puts the latest thumbnail where IVS's LATEST storage writes it", () => {
    expect(latestThumbnailKey('/ivs/v1/1/c/2020/6/23/20/12/r/')).toBe(
      'ivs/v1/1/c/2020/6/23/20/12/r/media/latest_thumbnail/thumb.jpg',
    );
  });
});
