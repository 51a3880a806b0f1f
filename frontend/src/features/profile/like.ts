/**
 * One tap of the like button: a fresh `clientLikeId` for the tap, reused by every retry, so a like
 * whose answer got lost (network, a likeStream that lost a race on a busy stream: CONFLICT) is sent
 * again without counting twice (Mutation.likeStream counts an id once).
 */
import { backoffDelay } from '../../lib/backoff';

/** Sends one like with the tap's id; resolves to the stream's total likes. */
export type SendLike = (clientLikeId: string) => Promise<number>;

export interface LikeOptions {
  /** Tries in all, the first included. @default 4 */
  attempts?: number;
  /** Backoff base between tries, in ms. @default 300 */
  baseMs?: number;
  /** The tap's id. @default crypto.randomUUID() */
  newId?: () => string;
  /** Waits between tries (tests pass a fake). @default setTimeout */
  wait?: (ms: number) => Promise<void>;
}

/** Refusals a repeat can get past: a lost race, a moment of unavailability, no answer at all (no errorType). */
export function isRetryableLikeError(e: unknown): boolean {
  const type = (e as { errorType?: string } | null)?.errorType;
  return type === undefined || type === 'CONFLICT' || type === 'Unavailable';
}

/** Sends the tap, retrying what may be retried with the same id; rejects with the last error otherwise. */
export async function likeOnce(send: SendLike, opts: LikeOptions = {}): Promise<number> {
  const id = (opts.newId ?? (() => crypto.randomUUID()))();
  const attempts = opts.attempts ?? 4;
  const wait = opts.wait ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  for (let attempt = 0; ; attempt++) {
    try {
      return await send(id);
    } catch (e) {
      if (attempt + 1 >= attempts || !isRetryableLikeError(e)) throw e;
      await wait(backoffDelay(attempt, opts.baseMs ?? 300, 5_000));
    }
  }
}
