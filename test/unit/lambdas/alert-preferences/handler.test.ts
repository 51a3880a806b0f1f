import { SNSClient, SubscribeCommand, UnsubscribeCommand } from '@aws-sdk/client-sns';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { handler } from '../../../../lambdas/alert-preferences/handler';
import { fakeTable } from '../provision-streamer/fake-table';

const sns = mockClient(SNSClient);
const ddb = mockClient(DynamoDBDocumentClient);
const TOPIC = 'arn:aws:sns:us-west-2:123456789012:go-live';
const call = (email: boolean, claims: Record<string, string> = { email: 'fan@example.com' }) => handler({
  arguments: { streamerId: 's1', email }, identity: { sub: 'u1', claims }, source: null, info: { fieldName: 'setAlertPreference', parentTypeName: 'Mutation' },
});

describe('alert-preferences', () => {
  let table: ReturnType<typeof fakeTable>;
  beforeEach(() => {
    sns.reset();
    ddb.reset();
    table = fakeTable(ddb);
    Object.assign(process.env, { TABLE_NAME: 'Main', GO_LIVE_TOPIC_ARN: TOPIC });
    table.put({ PK: 'USER#s1', SK: 'PROFILE', userId: 's1', handle: 'ann' });
    sns.on(SubscribeCommand).resolves({ SubscriptionArn: `${TOPIC}:sub-1` });
    sns.on(UnsubscribeCommand).resolves({});
  });

  it('opt-in subscribes the email with a streamerId filter policy and stores the subscription', async () => {
    expect(await call(true)).toEqual({ data: { streamerId: 's1', handle: 'ann', email: true, emailStatus: 'pending' } });
    expect(sns).toReceiveCommandWith(SubscribeCommand, {
      TopicArn: TOPIC, Protocol: 'email', Endpoint: 'fan@example.com',
      Attributes: { FilterPolicy: '{"streamerId":["s1"]}', FilterPolicyScope: 'MessageAttributes' }, ReturnSubscriptionArn: true,
    });
    expect(table.get('USER#u1', 'ALERTPREF#s1')).toMatchObject({ subscriptionArn: `${TOPIC}:sub-1`, email: true });

    await call(true);
    expect(sns).toHaveReceivedCommandTimes(SubscribeCommand, 1);
  });

  it('opt-out unsubscribes the stored subscription', async () => {
    await call(true);
    expect(await call(false)).toMatchObject({ data: { email: false, emailStatus: null } });
    expect(sns).toReceiveCommandWith(UnsubscribeCommand, { SubscriptionArn: `${TOPIC}:sub-1` });
    expect(table.get('USER#u1', 'ALERTPREF#s1')).toMatchObject({ email: false });
  });

  it('refuses without an email address or for an unknown streamer', async () => {
    expect(await call(true, {})).toMatchObject({ error: { type: 'VALIDATION' } });
    table.items.delete('USER#s1|PROFILE');
    expect(await call(true)).toMatchObject({ error: { type: 'NOT_FOUND' } });
    expect(sns).not.toHaveReceivedCommand(SubscribeCommand);
  });
});
