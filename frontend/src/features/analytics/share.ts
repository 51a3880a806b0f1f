/**
 * The watch page's Share button: the system share sheet (Web Share API) where the browser has one,
 * otherwise the link copied to the clipboard. Says which way the link left, for the `share` event.
 */
import type { ShareMethod } from './tracker';

/** How a share ended: shared one of two ways, dismissed by the viewer, or not possible at all. */
export type ShareOutcome = ShareMethod | 'cancelled' | 'failed';

/** The parts of `navigator` sharing uses. */
export interface ShareNavigator {
  share?: (data: ShareData) => Promise<void>;
  canShare?: (data: ShareData) => boolean;
  clipboard?: { writeText(text: string): Promise<void> };
}

/**
 * Shares `data.url`: the share sheet first; a viewer who closes it has shared nothing (no copy
 * behind their back). A share sheet the browser refuses (no user gesture, a policy) and browsers
 * without one copy the link instead: the Clipboard API, else `fallbackCopy` (execCommand for pages
 * the Clipboard API does not serve).
 */
export async function shareLink(
  data: { url: string; title: string },
  nav: ShareNavigator,
  fallbackCopy: (text: string) => boolean = () => false,
): Promise<ShareOutcome> {
  const payload: ShareData = { url: data.url, title: data.title };
  if (typeof nav.share === 'function' && (typeof nav.canShare !== 'function' || nav.canShare(payload))) {
    try {
      await nav.share(payload);
      return 'web_share';
    } catch (e) {
      if ((e as { name?: string } | null)?.name === 'AbortError') return 'cancelled';
    }
  }
  try {
    if (!nav.clipboard) throw new Error('no clipboard');
    await nav.clipboard.writeText(data.url);
    return 'copy_link';
  } catch {
    return fallbackCopy(data.url) ? 'copy_link' : 'failed';
  }
}

/** Copies text through a hidden textarea and execCommand('copy'): the way that works where the Clipboard API is missing or refused. */
export function execCommandCopy(text: string): boolean {
  if (typeof document === 'undefined') return false;
  const area = document.createElement('textarea');
  area.value = text;
  area.setAttribute('readonly', '');
  area.style.position = 'fixed';
  area.style.opacity = '0';
  document.body.append(area);
  try {
    area.select();
    return document.execCommand('copy');
  } catch {
    return false;
  } finally {
    area.remove();
  }
}
