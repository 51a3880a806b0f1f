/**
 * Local SNS deliveries of EventBridge rules whose target is a topic (the admins' safety alerts):
 * each message lands in the outbox as `sns-<topic>-<time>-<id>.json`, where an e-mail subscriber
 * would have received it. The message is what the CDK rule's target input sends.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** One message delivered to a local topic. */
export interface SnsOutboxEntry {
  topic: string;
  message: string;
  at: string;
}

/** A publisher writing `topic`'s messages into `outboxDir`. */
export function snsOutbox(outboxDir: string, topic: string): (message: string) => void {
  mkdirSync(outboxDir, { recursive: true });
  return (message) => {
    const at = new Date().toISOString();
    const entry: SnsOutboxEntry = { topic, message, at };
    writeFileSync(
      join(outboxDir, `sns-${topic}-${at.replace(/[:.]/g, '-')}-${randomUUID().slice(0, 8)}.json`),
      JSON.stringify(entry, null, 2),
    );
  };
}

/** The messages delivered to `topic` so far, oldest first. */
export function snsMessages(outboxDir: string, topic: string): SnsOutboxEntry[] {
  let files: string[];
  try {
    files = readdirSync(outboxDir)
      .filter((f) => f.startsWith(`sns-${topic}-`))
      .sort();
  } catch {
    return [];
  }
  return files.map((f) => JSON.parse(readFileSync(join(outboxDir, f), 'utf8')) as SnsOutboxEntry);
}
