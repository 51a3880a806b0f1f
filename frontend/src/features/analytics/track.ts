/**
 * Starts the watch page's tracker for a live stream (tracker.ts) with what the browser holds: the
 * analytics endpoint from the runtime config, the anonymous id from localStorage and, for a signed-in
 * viewer, their ID token (sendBeacon cannot set headers, so the token rides in the body).
 */
import { hasStoredSession } from '../../lib/api';
import { loadConfig, runtimeConfig } from '../../lib/config';
import { anonymousId, browserEnv, createTracker, type Tracker } from './tracker';

/** The events URL under the configured analytics base URL. */
export function eventsUrl(analyticsUrl: string): string {
  return `${analyticsUrl.replace(/\/+$/, '')}/events`;
}

const storage = (): Storage | undefined => {
  try {
    return typeof localStorage === 'undefined' ? undefined : localStorage;
  } catch {
    return undefined;
  }
};

async function idToken(clientId: string): Promise<string | undefined> {
  if (!hasStoredSession(storage(), clientId)) return undefined;
  await loadConfig();
  const { fetchAuthSession } = await import('aws-amplify/auth');
  return (await fetchAuthSession()).tokens?.idToken?.toString();
}

/**
 * A tracker for one view of `streamId` on `channelId`'s page, or null where the deployment has no
 * analytics endpoint or the page cannot track (the page works the same either way).
 */
export async function startTracking(channelId: string, streamId: string): Promise<Tracker | null> {
  try {
    const cfg = await runtimeConfig();
    if (!cfg.analyticsUrl) return null;
    const env = browserEnv();
    return createTracker(
      {
        endpoint: eventsUrl(cfg.analyticsUrl),
        channelId,
        streamId,
        anonymousId: anonymousId(storage(), env.newId),
        idToken: () => idToken(cfg.userPoolClientId),
      },
      env,
    );
  } catch {
    return null;
  }
}
