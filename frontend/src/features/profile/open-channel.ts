/**
 * A watch page's first question to the API, asked as the page's first script runs rather than once
 * the channel island has hydrated: the channel and this viewer's playback access in one request
 * (Q.channel). It used to be two requests in a row (streamer, then playbackAccess), both after
 * hydration, and the player waited for them.
 */
import { gql } from '../../lib/api';
import { Q } from '../../lib/queries';
import type { QueryResults } from '../../lib/graphql/schema-types';

export type OpenedChannel = QueryResults['channel'];

let opened: { handle: string; answer: Promise<OpenedChannel> } | undefined;

/** Asks for `handle`'s channel and access now; a second call for the same handle shares the request. */
export function openChannel(
  handle: string,
  ask = (h: string) => gql(Q.channel, { handle: h }),
): Promise<OpenedChannel> {
  if (opened?.handle !== handle) {
    const answer = ask(handle);
    // Nobody may take it (the island failed to load): an early failure is not an unhandled rejection.
    answer.catch(() => undefined);
    opened = { handle, answer };
  }
  return opened.answer;
}

/**
 * The early answer for `handle`, once: later loads (polls, a stream that starts) ask afresh. Null when
 * none was asked for this handle.
 */
export function takeOpenedChannel(handle: string): Promise<OpenedChannel> | null {
  if (opened?.handle !== handle) return null;
  const { answer } = opened;
  opened = undefined;
  return answer;
}
