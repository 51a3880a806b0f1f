import type { StreamStatusEvent } from '../../lib/graphql/schema-types';

export type { Streamer } from '../../lib/types';
/** The fields of onStreamStatus the browse list uses (`at` only to match a replay to a stream without id). */
export type StreamStatusLike = Pick<StreamStatusEvent, 'channelId' | 'status' | 'title' | 'handle' | 'streamId'> & { at?: string | null };
