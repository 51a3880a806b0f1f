import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { LambdaFunctionURLEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { handler } from '../../../../lambdas/alert-unsubscribe/handler';

const ddb = mockClient(DynamoDBDocumentClient);
const TOKEN = 'A'.repeat(43);
const KEY = { PK: 'USER#u1', SK: 'ALERTPREF#s1' };
const request = (method: string, query: Record<string, string> = { u: 'u1', s: 's1', t: TOKEN }) =>
  handler({
    version: '2.0',
    rawPath: '/',
    rawQueryString: new URLSearchParams(query).toString(),
    queryStringParameters: query,
    headers: {},
    requestContext: { http: { method, path: '/', protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'test' } },
    isBase64Encoded: false,
    body: method === 'POST' ? 'List-Unsubscribe=One-Click' : undefined,
  } as unknown as LambdaFunctionURLEvent);

describe('alert-unsubscribe', () => {
  beforeEach(() => {
    ddb.reset();
    process.env.TABLE_NAME = 'Main';
    ddb.on(GetCommand).resolves({});
    ddb.on(GetCommand, { Key: KEY }).resolves({
      Item: { ...KEY, handle: 'ann<3', email: true, unsubscribeToken: TOKEN, GSI2PK: 'USER#s1#EMAIL_ALERTS' },
    });
    ddb.on(UpdateCommand).resolves({});
  });

  it("one-click POST turns the opt-in off: out of the streamer's opt-in partition, only if the token still matches", async () => {
    const res = await request('POST');

    expect(res).toMatchObject({
      statusCode: 200,
      headers: { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' },
    });
    expect(res.body).toContain('You will no longer get an email when ann&#60;3 goes live.');
    expect(ddb).toReceiveCommandWith(UpdateCommand, {
      TableName: 'Main',
      Key: KEY,
      UpdateExpression: 'SET email = :off, updatedAt = :now REMOVE GSI2PK, GSI2SK, emailAddress',
      ConditionExpression: 'unsubscribeToken = :token',
      ExpressionAttributeValues: expect.objectContaining({ ':off': false, ':token': TOKEN }),
    });
  });

  it('GET only asks (link scanners fetch mail links): a form that POSTs the same link, nothing written', async () => {
    const res = await request('GET');

    expect(res.statusCode).toBe(200);
    expect(res.body).toContain(`<form method="post" action="?u=u1&#38;s=s1&#38;t=${TOKEN}">`);
    expect(ddb).not.toHaveReceivedCommand(UpdateCommand);
  });

  it('refuses a wrong or malformed token and an unknown opt-in without writing', async () => {
    expect((await request('POST', { u: 'u1', s: 's1', t: 'B'.repeat(43) })).statusCode).toBe(404);
    expect((await request('POST', { u: 'u1', s: 's1', t: 'short' })).statusCode).toBe(404);
    expect((await request('POST', { u: 'u2', s: 's1', t: TOKEN })).statusCode).toBe(404);
    expect((await request('DELETE')).statusCode).toBe(405);
    expect(ddb).not.toHaveReceivedCommand(UpdateCommand);
  });

  it('answers "not valid" when the opt-in vanished between read and write', async () => {
    ddb
      .on(UpdateCommand)
      .rejects(new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} }));
    expect((await request('POST')).statusCode).toBe(404);
  });
});
