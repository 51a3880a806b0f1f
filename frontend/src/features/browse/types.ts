import type { SubscriptionResults } from '../../lib/graphql/schema-types';

type StreamStatusEvent = NonNullable<SubscriptionResults['streamStatus']['onStreamStatus']>;

export type { Streamer } from '../../lib/types';
/** The fields of onStreamStatus the browse list uses (`at` only to match a replay to a stream without id). */
export type StreamStatusLike = Pick<StreamStatusEvent, 'channelId' | 'status' | 'handle'> &
  Partial<Pick<StreamStatusEvent, 'title' | 'streamId'>> & { at?: string | null };
