import { gql } from '../../lib/api';
import { Q } from '../../lib/queries';
import type { LedgerEntry, Page } from '../../lib/types';
import { mergeLedger } from './wallet';

/**
 * The caller's ledger as the wallet page and Studio's earnings list it, newest first: a refresh
 * brings the newest page and keeps the entries "Show more" loaded below it; {@link more} reads the
 * next page. Each entry once (mergeLedger).
 */
export class LedgerPages {
  entries = $state<LedgerEntry[]>([]);
  /** The next page's token, null once the last page is in. */
  next = $state<string | null>(null);
  busy = $state(false);

  /** Takes a freshly read first page (the next-page token only while nothing older is loaded). */
  refresh(page: Page<LedgerEntry>): void {
    if (!this.entries.length) this.next = page.nextToken ?? null;
    this.entries = mergeLedger(page.items, this.entries);
  }

  /** Reads the next page below the entries; answers why it could not, or '' when it did (or there is none). */
  async more(): Promise<string> {
    if (!this.next) return '';
    this.busy = true;
    try {
      const d = await gql<{ myLedger: Page<LedgerEntry> }>(
        Q.myLedger,
        { limit: 50, nextToken: this.next },
        { requireUser: true },
      );
      this.entries = mergeLedger(this.entries, d.myLedger.items);
      this.next = d.myLedger.nextToken ?? null;
      return '';
    } catch (e) {
      return e instanceof Error ? e.message : 'Could not load more';
    } finally {
      this.busy = false;
    }
  }
}
