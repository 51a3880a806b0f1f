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

let opened: { handle: string; answer: Promise<OpenedChannel>; taken: boolean } | undefined;

const askChannel = (h: string) => gql(Q.channel, { handle: h });

/** Asks for `handle`'s channel and access now; a second call for the same handle shares the request. */
export function openChannel(handle: string, ask = askChannel): Promise<OpenedChannel> {
  if (opened?.handle !== handle) {
    const answer = ask(handle);
    // Nobody may take it (the island failed to load): an early failure is not an unhandled rejection.
    answer.catch(() => undefined);
    opened = { handle, answer, taken: false };
  }
  return opened.answer;
}

/**
 * The channel island's first answer about `handle`: the page script's request if it asked already,
 * handed over once. If the island runs first (its modules can be ready before the page's script, which
 * runs after parsing), it asks itself, and the page script's `openChannel` then shares that request
 * instead of sending a second. Later loads (polls, a stream that starts) ask afresh: null for a handle
 * already taken.
 */
export function takeOpenedChannel(handle: string, ask = askChannel): Promise<OpenedChannel> | null {
  if (opened?.handle === handle) {
    if (opened.taken) return null;
    opened.taken = true;
    return opened.answer;
  }
  openChannel(handle, ask);
  if (opened) opened.taken = true;
  return opened?.answer ?? null;
}
