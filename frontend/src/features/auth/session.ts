import { hasStoredSession } from '../../lib/api';

/** The signed-in user as the UI needs it. */
export interface SessionUser {
  userId: string;
  handle: string;
  email: string;
  /** Platform admin (Cognito group `admins`): shows the admin page; the API checks the group itself. */
  admin?: boolean;
}

/**
 * Reads the current user from the ID token claims, or null for guests. The handle is the
 * platform-owned `handle` claim; `preferred_username` (what the user typed at sign-up) only until
 * the platform has stamped one.
 */
export async function currentUser(): Promise<SessionUser | null> {
  const { loadConfig, runtimeConfig } = await import('../../lib/config');
  const cfg = await runtimeConfig();
  if (!hasStoredSession(typeof localStorage === 'undefined' ? undefined : localStorage, cfg.userPoolClientId)) {
    // A guest: no need to wait for Amplify to say so. An IAM guest's first API call needs credentials
    // from the identity pool: start fetching them now, while the page loads.
    if (cfg.guestAuthMode === 'iam') void warmGuestCredentials(loadConfig);
    return null;
  }
  await loadConfig();
  const { fetchAuthSession } = await import('aws-amplify/auth');
  try {
    const s = await fetchAuthSession();
    const p = s.tokens?.idToken?.payload;
    if (!p?.sub) return null;
    return {
      userId: String(p.sub),
      handle: String(p['handle'] ?? p['preferred_username'] ?? ''),
      email: String(p['email'] ?? ''),
      admin: isAdmin(p['cognito:groups']),
    };
  } catch {
    return null;
  }
}

async function warmGuestCredentials(loadConfig: () => Promise<unknown>): Promise<void> {
  try {
    await loadConfig();
    await (await import('aws-amplify/auth')).fetchAuthSession();
  } catch {
    // the API call that needs them retries and reports
  }
}

/** Whether the ID token's `cognito:groups` claim (array, or one string) holds the platform admins group. */
export function isAdmin(groups: unknown): boolean {
  const list = Array.isArray(groups) ? groups : typeof groups === 'string' ? [groups] : [];
  return list.includes('admins');
}
