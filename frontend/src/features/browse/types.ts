export type { Streamer } from '../../lib/types';
/** The fields of onStreamStatus the browse list uses. */
export interface StreamStatusLike { channelId: string; status: 'LIVE' | 'OFFLINE'; title?: string | null; handle: string; streamId?: string | null; at?: string | null }
