/**
 * The safety function's hold on a banned account (lambdas/safety/account-access.ts): an admin's BAN
 * signs the Cognito user out everywhere and disables it, on the stage's pool; a suspension for a
 * period touches no Cognito user; lifting a ban enables the user before the ban is deleted, so a
 * failed call leaves the ban in place for the admin to lift again.
 */
import {
  AdminDisableUserCommand,
  AdminEnableUserCommand,
  AdminUserGlobalSignOutCommand,
  CognitoIdentityProviderClient,
  UserNotFoundException,
} from '@aws-sdk/client-cognito-identity-provider';
import {
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { handler } from '../../../../lambdas/safety/handler';
import { ADMINS_GROUP } from '../../../../lambdas/shared/domain/economy';

const ddb = mockClient(DynamoDBDocumentClient);
const cognito = mockClient(CognitoIdentityProviderClient);
const POOL = 'us-west-2_AbCdEf123';
const admin = { sub: 'u-admin', username: 'u-admin', claims: { handle: 'ada' }, groups: [ADMINS_GROUP] };
const invoke = (fieldName: string, args: Record<string, unknown>) => ({
  arguments: args,
  identity: admin,
  source: null,
  info: { fieldName, parentTypeName: 'Mutation' },
});
const decide = (action: string, extra: Record<string, unknown> = {}) =>
  handler(
    invoke('resolveReport', {
      input: { targetId: 'USER#u-bob', action, reason: 'Spam links in every chat.', ...extra },
    }) as never,
  );
const summary = {
  PK: 'REPORTS#USER#u-bob',
  SK: 'SUMMARY',
  targetId: 'USER#u-bob',
  kind: 'USER',
  targetUserId: 'u-bob',
};
const ban = {
  PK: 'USER#u-bob',
  SK: 'SUSPENSION',
  userId: 'u-bob',
  banned: true,
  reason: 'Spam links in every chat.',
  since: '2026-01-01T00:00:00.000Z',
};

beforeEach(() => {
  ddb.reset();
  cognito.reset();
  Object.assign(process.env, { TABLE_NAME: 'Main', USER_POOL_ID: POOL, RESOURCE_TAG: 'test' });
  ddb.on(GetCommand).resolves({});
  ddb.on(GetCommand, { Key: { PK: 'REPORTS#USER#u-bob', SK: 'SUMMARY' } }).resolves({ Item: summary });
  ddb.on(TransactWriteCommand).resolves({});
  ddb.on(PutCommand).resolves({});
  ddb.on(UpdateCommand).resolves({});
  cognito.on(AdminUserGlobalSignOutCommand).resolves({});
  cognito.on(AdminDisableUserCommand).resolves({});
  cognito.on(AdminEnableUserCommand).resolves({});
});

describe('a platform ban and Cognito', () => {
  it('BAN signs the user out everywhere, then disables them, on the stage pool', async () => {
    const order: string[] = [];
    cognito.on(AdminUserGlobalSignOutCommand).callsFake(() => order.push('signOut'));
    cognito.on(AdminDisableUserCommand).callsFake(() => order.push('disable'));
    const result = await decide('BAN');
    expect(result).toMatchObject({ data: { status: 'BANNED' } });
    expect(cognito).toHaveReceivedCommandWith(AdminUserGlobalSignOutCommand, { UserPoolId: POOL, Username: 'u-bob' });
    expect(cognito).toHaveReceivedCommandWith(AdminDisableUserCommand, { UserPoolId: POOL, Username: 'u-bob' });
    expect(order).toEqual(['signOut', 'disable']);
    // The ban is recorded (the account gate's item) before Cognito is called.
    const put = ddb.commandCalls(TransactWriteCommand)[0]?.args[0].input.TransactItems?.[0]?.Put?.Item;
    expect(put).toMatchObject({ PK: 'USER#u-bob', SK: 'SUSPENSION', banned: true });
  });

  it('answers the admin INTERNAL when Cognito fails, so the ban is retried (the record is idempotent)', async () => {
    cognito.on(AdminDisableUserCommand).rejects(new Error('throttled'));
    expect(await decide('BAN')).toMatchObject({ error: { type: 'INTERNAL' } });
    expect(ddb).not.toHaveReceivedCommand(UpdateCommand);
  });

  it('BAN of a user who already deleted their Cognito user still completes', async () => {
    cognito
      .on(AdminUserGlobalSignOutCommand)
      .rejects(new UserNotFoundException({ message: 'User does not exist.', $metadata: {} }));
    expect(await decide('BAN')).toMatchObject({ data: { status: 'BANNED' } });
  });

  it('a suspension for a period touches no Cognito user', async () => {
    expect(await decide('SUSPEND', { suspendHours: 24 })).toMatchObject({ data: { status: 'SUSPENDED' } });
    expect(cognito.calls()).toHaveLength(0);
  });

  it('lifting a ban enables the user before deleting the ban', async () => {
    ddb.on(GetCommand, { Key: { PK: 'USER#u-bob', SK: 'SUSPENSION' } }).resolves({ Item: ban });
    const result = await handler(invoke('liftSuspension', { userId: 'u-bob', reason: 'Appeal accepted.' }) as never);
    expect(result).toMatchObject({ data: { userId: 'u-bob', banned: true } });
    expect(cognito).toHaveReceivedCommandWith(AdminEnableUserCommand, { UserPoolId: POOL, Username: 'u-bob' });
    expect(ddb).toHaveReceivedCommand(TransactWriteCommand);
  });

  it('keeps the ban when enabling the user fails', async () => {
    ddb.on(GetCommand, { Key: { PK: 'USER#u-bob', SK: 'SUSPENSION' } }).resolves({ Item: ban });
    cognito.on(AdminEnableUserCommand).rejects(new Error('throttled'));
    const result = await handler(invoke('liftSuspension', { userId: 'u-bob', reason: 'Appeal accepted.' }) as never);
    expect(result).toMatchObject({ error: { type: 'INTERNAL' } });
    expect(ddb).not.toHaveReceivedCommand(TransactWriteCommand);
  });

  it('lifting a suspension that is not a ban calls no Cognito API', async () => {
    ddb.on(GetCommand, { Key: { PK: 'USER#u-bob', SK: 'SUSPENSION' } }).resolves({ Item: { ...ban, banned: false } });
    await handler(invoke('liftSuspension', { userId: 'u-bob', reason: 'Reviewed: no violation.' }) as never);
    expect(cognito.calls()).toHaveLength(0);
  });
});
