import { readFileSync } from 'node:fs';
import { IvsClient } from '@aws-sdk/client-ivs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { PostConfirmationTriggerEvent, PreTokenGenerationTriggerEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { handler } from '../../../../lambdas/account/handler';
import { fakeTable } from '../provision-streamer/fake-table';

const ddb = mockClient(DynamoDBDocumentClient);
const ivs = mockClient(IvsClient);
const confirmed = (): PostConfirmationTriggerEvent =>
  JSON.parse(readFileSync('test/fixtures/events/cognito-post-confirmation.json', 'utf8'));
const tokens = (sub: string): PreTokenGenerationTriggerEvent =>
  ({
    version: '1',
    region: 'us-west-2',
    userPoolId: 'us-west-2_EXAMPLE',
    userName: sub,
    triggerSource: 'TokenGeneration_Authentication',
    callerContext: { awsSdkVersion: 'x', clientId: 'c' },
    request: {
      userAttributes: { sub, preferred_username: 'Spoofed' },
      groupConfiguration: { groupsToOverride: [], iamRolesToOverride: [] },
    },
    response: { claimsOverrideDetails: {} },
  }) as unknown as PreTokenGenerationTriggerEvent;

describe('account (Cognito triggers)', () => {
  let table: ReturnType<typeof fakeTable>;
  beforeEach(() => {
    ddb.reset();
    ivs.reset();
    table = fakeTable(ddb);
    process.env.TABLE_NAME = 'Main';
  });

  it('post-confirmation claims the sign-up handle (account + handle items) and creates no channel', async () => {
    const event = confirmed();

    await expect(handler(event)).resolves.toEqual(event);

    expect(table.get('USER#user-1', 'ACCOUNT')).toMatchObject({ userId: 'user-1', handle: 'Ann_Sells' });
    expect(table.get('HANDLE#ann_sells', 'HANDLE')).toMatchObject({ userId: 'user-1' });
    expect(table.get('USER#user-1', 'PROFILE')).toBeUndefined();
    expect(ivs.calls()).toHaveLength(0);
  });

  it('a retried post-confirmation is harmless; a handle another user holds does not fail the sign-up and is not given', async () => {
    await handler(confirmed());
    await expect(handler(confirmed())).resolves.toEqual(confirmed());

    const other = confirmed();
    other.request.userAttributes.sub = 'user-2';
    other.request.userAttributes.preferred_username = 'ann_sells';
    await expect(handler(other)).resolves.toEqual(other);

    expect(table.get('USER#user-2', 'ACCOUNT')).toBeUndefined();
    expect(table.get('HANDLE#ann_sells', 'HANDLE')).toMatchObject({ userId: 'user-1' });
  });

  it('pre-token-generation stamps the owned handle, whatever preferred_username says', async () => {
    table.put({ PK: 'USER#user-1', SK: 'ACCOUNT', userId: 'user-1', handle: 'Ann_Sells' });

    const out = (await handler(tokens('user-1'))) as PreTokenGenerationTriggerEvent;

    expect(out.response.claimsOverrideDetails).toEqual({ claimsToAddOrOverride: { handle: 'Ann_Sells' } });
  });

  it('pre-token-generation suppresses any handle claim for a user who owns none', async () => {
    const out = (await handler(tokens('user-9'))) as PreTokenGenerationTriggerEvent;
    expect(out.response.claimsOverrideDetails).toEqual({ claimsToSuppress: ['handle'] });
  });
});
