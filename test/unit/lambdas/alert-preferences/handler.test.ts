import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { handler } from '../../../../lambdas/alert-preferences/handler';
import { fakeTable } from '../provision-streamer/fake-table';

const ddb = mockClient(DynamoDBDocumentClient);
const call = (email: boolean, claims: Record<string, string> = { email: 'fan@example.com' }) =>
  handler({
    arguments: { streamerId: 's1', email },
    identity: { sub: 'u1', claims },
    source: null,
    info: { fieldName: 'setAlertPreference', parentTypeName: 'Mutation' },
  });

describe('alert-preferences', () => {
  let table: ReturnType<typeof fakeTable>;
  beforeEach(() => {
    ddb.reset();
    table = fakeTable(ddb);
    Object.assign(process.env, { TABLE_NAME: 'Main' });
    table.put({ PK: 'USER#s1', SK: 'PROFILE', userId: 's1', handle: 'ann' });
  });

  it("opt-in stores the address and a token on the preference, in the streamer's sparse opt-in partition", async () => {
    expect(await call(true)).toEqual({ data: { streamerId: 's1', handle: 'ann', email: true, emailStatus: null } });
    const pref = table.get('USER#u1', 'ALERTPREF#s1')!;
    expect(pref).toMatchObject({
      type: 'AlertPreference',
      userId: 'u1',
      streamerId: 's1',
      handle: 'ann',
      email: true,
      emailAddress: 'fan@example.com',
      GSI2PK: 'USER#s1#EMAIL_ALERTS',
      GSI2SK: 'u1',
    });
    expect(pref.unsubscribeToken).toMatch(/^[A-Za-z0-9_-]{43}$/);

    // Opting in again keeps the token, so links in emails already sent keep working.
    await call(true);
    expect(table.get('USER#u1', 'ALERTPREF#s1')!.unsubscribeToken).toBe(pref.unsubscribeToken);
  });

  it('opt-out takes the item out of the opt-in partition and drops the address', async () => {
    await call(true);
    const token = table.get('USER#u1', 'ALERTPREF#s1')!.unsubscribeToken;
    expect(await call(false)).toMatchObject({ data: { email: false, emailStatus: null } });
    const pref = table.get('USER#u1', 'ALERTPREF#s1')!;
    expect(pref).toMatchObject({ email: false, unsubscribeToken: token });
    expect(pref).not.toHaveProperty('GSI2PK');
    expect(pref).not.toHaveProperty('emailAddress');
  });

  it('refuses without an email address or for an unknown streamer', async () => {
    expect(await call(true, {})).toMatchObject({ error: { type: 'VALIDATION' } });
    table.items.delete('USER#s1|PROFILE');
    expect(await call(true)).toMatchObject({ error: { type: 'NOT_FOUND' } });
    expect(table.get('USER#u1', 'ALERTPREF#s1')).toBeUndefined();
  });
});
