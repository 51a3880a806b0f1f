/**
 * The local mode's dead-letter destination: what the table-stream mappings' on-failure queues and
 * the EventBridge targets' DLQs hold on AWS, as one JSON file per failed record or event under
 * `<dir>/<consumer>/<timestamp>-<id>.json` (the record or event itself, and the last error), so a
 * failure is kept and visible rather than blocking or silently dropped.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** One record or event that failed all its retries. */
export interface DeadLetter {
  /** The function it was delivered to. */
  readonly consumer: string;
  /** Where it came from: the table stream or the event bus. */
  readonly source: 'table-stream' | 'eventbridge';
  /** Stream sequence number or event id. */
  readonly id: string;
  /** Deliveries tried (the first one plus its retries). */
  readonly attempts: number;
  /** The last error: a thrown message, or that the handler reported the record in batchItemFailures. */
  readonly error: string;
  /** The stream record or event, as the function received it. */
  readonly payload: unknown;
}

export interface DeadLetterSink {
  readonly dir: string;
  /** Writes the letter and returns its file's path. */
  write(letter: DeadLetter): string;
}

/** File-name safe: sequence numbers and UUIDs already are; anything else is reduced to them. */
const safe = (s: string): string => s.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 80) || 'unknown';

/** A sink writing under `dir`; `onWrite` hears of every letter (npm start prints a line). */
export function deadLetterSink(dir: string, onWrite?: (letter: DeadLetter, path: string) => void): DeadLetterSink {
  return {
    dir,
    write(letter) {
      const folder = join(dir, safe(letter.consumer));
      mkdirSync(folder, { recursive: true });
      const at = new Date().toISOString();
      const path = join(folder, `${at.replace(/[:.]/g, '-')}-${safe(letter.id)}.json`);
      writeFileSync(path, `${JSON.stringify({ ...letter, deadLetteredAt: at }, null, 2)}\n`);
      onWrite?.(letter, path);
      return path;
    },
  };
}
