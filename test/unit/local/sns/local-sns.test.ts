import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ConfirmSubscriptionCommand, GetSubscriptionAttributesCommand, ListSubscriptionsByTopicCommand, PublishCommand,
  SNSClient, SubscribeCommand, UnsubscribeCommand,
} from '@aws-sdk/client-sns';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalSns, type LocalSns, type OutboxEntry } from '../../../../local/sns/index';
import { matchesFilterPolicy } from '../../../../local/sns/filter-policy';

const TOPIC = 'arn:aws:sns:us-east-1:000000000000:go-live';

describe('local SNS through the real SDK client', () => {
  let sns: LocalSns;
  let client: SNSClient;
  let outbox: string;
  const read = (): OutboxEntry[] => readdirSync(outbox).filter((f) => f.endsWith('.json') && !f.startsWith('.'))
    .map((f) => JSON.parse(readFileSync(join(outbox, f), 'utf8')) as OutboxEntry);

  beforeAll(async () => {
    outbox = mkdtempSync(join(tmpdir(), 'sns-outbox-'));
    sns = await startLocalSns({ outboxDir: outbox, port: 0 });
    client = new SNSClient({ endpoint: sns.url, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' } });
  });
  afterAll(async () => {
    client.destroy();
    await sns.stop();
    rmSync(outbox, { recursive: true, force: true });
  });

  it('email subscription is pending until confirmed, then receives only messages its filter policy matches', async () => {
    const sub = await client.send(new SubscribeCommand({
      TopicArn: TOPIC, Protocol: 'email', Endpoint: 'fan@example.com',
      Attributes: { FilterPolicy: JSON.stringify({ streamerId: ['s1'] }) }, ReturnSubscriptionArn: true,
    }));
    expect(sub.SubscriptionArn).toMatch(/^arn:aws:sns:us-east-1:000000000000:go-live:/);
    const listed = await client.send(new ListSubscriptionsByTopicCommand({ TopicArn: TOPIC }));
    expect(listed.Subscriptions).toEqual([expect.objectContaining({ Endpoint: 'fan@example.com', Protocol: 'email', SubscriptionArn: 'PendingConfirmation' })]);

    await client.send(new PublishCommand({ TopicArn: TOPIC, Message: 'before confirm', MessageAttributes: { streamerId: { DataType: 'String', StringValue: 's1' } } }));
    const confirmation = read().find((e) => e.kind === 'SubscriptionConfirmation');
    expect(confirmation?.token).toBeTruthy();
    expect(read().filter((e) => e.kind === 'Notification')).toHaveLength(0);

    const confirmed = await client.send(new ConfirmSubscriptionCommand({ TopicArn: TOPIC, Token: confirmation!.token! }));
    expect(confirmed.SubscriptionArn).toBe(sub.SubscriptionArn);
    const attrs = await client.send(new GetSubscriptionAttributesCommand({ SubscriptionArn: sub.SubscriptionArn! }));
    expect(attrs.Attributes?.PendingConfirmation).toBe('false');
    expect(attrs.Attributes?.FilterPolicy).toBe('{"streamerId":["s1"]}');

    await client.send(new PublishCommand({ TopicArn: TOPIC, Subject: 'Ann is live', Message: 'go s1', MessageAttributes: { streamerId: { DataType: 'String', StringValue: 's1' } } }));
    await client.send(new PublishCommand({ TopicArn: TOPIC, Message: 'go s2', MessageAttributes: { streamerId: { DataType: 'String', StringValue: 's2' } } }));
    const delivered = read().filter((e) => e.kind === 'Notification');
    expect(delivered).toHaveLength(1);
    expect(delivered[0]).toMatchObject({ endpoint: 'fan@example.com', subject: 'Ann is live', message: 'go s1', messageAttributes: { streamerId: { DataType: 'String', StringValue: 's1' } } });

    await client.send(new UnsubscribeCommand({ SubscriptionArn: sub.SubscriptionArn! }));
    await client.send(new PublishCommand({ TopicArn: TOPIC, Message: 'after', MessageAttributes: { streamerId: { DataType: 'String', StringValue: 's1' } } }));
    expect(read().filter((e) => e.kind === 'Notification')).toHaveLength(1);
    expect((await client.send(new ListSubscriptionsByTopicCommand({ TopicArn: TOPIC }))).Subscriptions ?? []).toEqual([]);
  });

  it('answers SDK-typed errors', async () => {
    await expect(client.send(new UnsubscribeCommand({ SubscriptionArn: `${TOPIC}:nope` }))).rejects.toMatchObject({ name: 'NotFoundException' });
    await expect(client.send(new PublishCommand({ TopicArn: TOPIC, Message: '' }))).rejects.toMatchObject({ name: 'InvalidParameterException' });
  });
});

describe('filter policies', () => {
  const attr = (v: string) => ({ DataType: 'String', StringValue: v });
  it('matches exact values, prefix, anything-but, exists and numeric', () => {
    expect(matchesFilterPolicy({ streamerId: ['a', 'b'] }, { streamerId: attr('b') })).toBe(true);
    expect(matchesFilterPolicy({ streamerId: ['a'] }, { streamerId: attr('b') })).toBe(false);
    expect(matchesFilterPolicy({ streamerId: ['a'] }, {})).toBe(false);
    expect(matchesFilterPolicy({ h: [{ prefix: 'an' }] }, { h: attr('ann') })).toBe(true);
    expect(matchesFilterPolicy({ h: [{ 'anything-but': ['ann'] }] }, { h: attr('ann') })).toBe(false);
    expect(matchesFilterPolicy({ h: [{ exists: false }] }, {})).toBe(true);
    expect(matchesFilterPolicy({ n: [{ numeric: ['>=', 100, '<', 200] }] }, { n: { DataType: 'Number', StringValue: '150' } })).toBe(true);
    expect(matchesFilterPolicy({ a: ['x'], b: ['y'] }, { a: attr('x'), b: attr('z') })).toBe(false);
  });
});
