/** The local IAM evaluator: identity policies against the resource types the Service Authorization Reference requires. */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { CALLER_HEADER, runAs, stampOutgoingRequests } from '../../../../local/iam/caller';
import { AccessDeniedError, AuthzMappingError, createAuthorizer } from '../../../../local/iam/evaluator';
import { ivsRequests } from '../../../../local/iam/requests';
import {
  createResolver,
  principalsFromTemplate,
  type CfnTemplate,
  type Principal,
} from '../../../../local/iam/template';

const ACCOUNT = '000000000000';
const IVS = `arn:aws:ivs:us-east-1:${ACCOUNT}`;
const principal = (statements: Record<string, unknown>[]): Map<string, Principal> =>
  new Map([
    [
      'fn',
      {
        name: 'fn',
        roleArn: `arn:aws:iam::${ACCOUNT}:role/fn-role`,
        policies: [{ name: 'p', policy: { Version: '2012-10-17', Statement: statements } }],
      },
    ],
  ]);
const lookup = {
  tagsOf: (arn: string) => (arn.includes(':channel/') ? { platform: 'local' } : undefined),
  keysOf: () => [],
};
const createChannel = ivsRequests('CreateChannel', { tags: { platform: 'local' } }, lookup, {
  region: 'us-east-1',
  account: ACCOUNT,
});
const fixed = [
  {
    Effect: 'Allow',
    Action: ['ivs:CreateChannel', 'ivs:TagResource'],
    Resource: [`${IVS}:channel/*`, `${IVS}:stream-key/*`],
    Condition: { StringEquals: { 'aws:RequestTag/platform': 'local' } },
  },
  {
    Effect: 'Allow',
    Action: 'ivs:GetChannel',
    Resource: `${IVS}:channel/*`,
    Condition: { StringEquals: { 'aws:ResourceTag/platform': 'local' } },
  },
];

describe('createAuthorizer', () => {
  it('allows a call every required resource type of which the policy grants', async () => {
    const authz = createAuthorizer({ principals: principal(fixed), account: ACCOUNT });
    expect(await authz.authorize('fn', createChannel)).toEqual({ allowed: true });
    expect(authz.evaluated.map((e) => [e.action, e.resource.replace(/\/\w+$/, '/id')])).toEqual([
      ['ivs:CreateChannel', `${IVS}:channel/id`],
      ['ivs:CreateChannel', `${IVS}:stream-key/id`],
      ['ivs:TagResource', `${IVS}:channel/id`],
    ]);
  });

  it('denies an action the policy does not grant, naming action and resource', async () => {
    const authz = createAuthorizer({ principals: principal(fixed), account: ACCOUNT });
    const d = await authz.authorize('fn', [
      {
        action: 'ivs:DeleteChannel',
        resources: [{ arn: `${IVS}:channel/AbC`, tags: { platform: 'local' } }, { arn: `${IVS}:stream-key/*` }],
      },
    ]);
    expect(d).toMatchObject({
      allowed: false,
      denial: { caller: 'fn', action: 'ivs:DeleteChannel', resource: `${IVS}:channel/AbC` },
    });
    expect(authz.denials[0]?.message).toBe(
      `User: arn:aws:sts::${ACCOUNT}:assumed-role/fn-role/fn is not authorized to perform: ivs:DeleteChannel on resource: ${IVS}:channel/AbC because no identity-based policy allows the ivs:DeleteChannel action`,
    );
  });

  it('denies CreateChannel when the policy grants channel/* but not stream-key/* (IVS checks both)', async () => {
    const channelOnly = [{ ...fixed[0], Resource: [`${IVS}:channel/*`] }];
    const authz = createAuthorizer({ principals: principal(channelOnly), account: ACCOUNT });
    const d = await authz.authorize('fn', createChannel);
    expect(d.allowed).toBe(false);
    expect(!d.allowed && d.denial.resource).toMatch(/:stream-key\//);
  });

  it('denies when a condition does not hold: a request tag of another platform, a resource tagged otherwise', async () => {
    const authz = createAuthorizer({ principals: principal(fixed), account: ACCOUNT });
    const other = ivsRequests('CreateChannel', { tags: { platform: 'other' } }, lookup, {
      region: 'us-east-1',
      account: ACCOUNT,
    });
    expect((await authz.authorize('fn', other)).allowed).toBe(false);
    expect(
      (
        await authz.authorize('fn', [
          { action: 'ivs:GetChannel', resources: [{ arn: `${IVS}:channel/AbC`, tags: { platform: 'other' } }] },
        ])
      ).allowed,
    ).toBe(false);
    expect(
      (
        await authz.authorize('fn', [
          { action: 'ivs:GetChannel', resources: [{ arn: `${IVS}:channel/AbC`, tags: { platform: 'local' } }] },
        ])
      ).allowed,
    ).toBe(true);
  });

  it('refuses to evaluate a request that misses a resource type the action requires (a mapping bug, not a denial)', async () => {
    const authz = createAuthorizer({ principals: principal(fixed), account: ACCOUNT });
    await expect(
      authz.authorize('fn', [{ action: 'ivs:CreateChannel', resources: [{ arn: `${IVS}:channel/AbC` }] }]),
    ).rejects.toThrow(AuthzMappingError);
    await expect(
      authz.authorize('fn', [{ action: 'ivs:CreateChannel', resources: [{ arn: `${IVS}:channel/AbC` }] }]),
    ).rejects.toThrow(/requires a Stream-Key resource/);
  });

  it('enforce throws AccessDeniedError for a refused or unknown caller and leaves unsigned calls unchecked', async () => {
    const authz = createAuthorizer({ principals: principal(fixed), account: ACCOUNT });
    const get = [{ action: 'ivs:GetChannel', resources: [{ arn: `${IVS}:channel/AbC`, tags: { platform: 'other' } }] }];
    await expect(authz.enforce('fn', get)).rejects.toThrow(AccessDeniedError);
    await expect(authz.enforce('stranger', get)).rejects.toThrow(/stranger has no role in the synthesized template/);
    await expect(authz.enforce(undefined, get)).resolves.toBeUndefined();
  });
});

describe('template policies', () => {
  it('resolves Ref, Fn::GetAtt, Fn::Join, Fn::Sub and pseudo parameters to local names', () => {
    const template: CfnTemplate = {
      Resources: {
        T: { Type: 'AWS::DynamoDB::GlobalTable', Properties: { TableName: 'local-Main' } },
        Topic: { Type: 'AWS::SNS::Topic', Properties: { TopicName: 'local-go-live' } },
        Role: { Type: 'AWS::IAM::Role', Properties: {} },
        Fn: {
          Type: 'AWS::Lambda::Function',
          Properties: { FunctionName: 'local-social', Role: { 'Fn::GetAtt': ['Role', 'Arn'] } },
        },
        Pol: {
          Type: 'AWS::IAM::Policy',
          Properties: {
            Roles: [{ Ref: 'Role' }],
            PolicyDocument: {
              Statement: [
                {
                  Effect: 'Allow',
                  Action: 'dynamodb:GetItem',
                  Resource: [
                    { 'Fn::GetAtt': ['T', 'Arn'] },
                    { 'Fn::Join': ['', [{ 'Fn::GetAtt': ['T', 'Arn'] }, '/index/*']] },
                  ],
                },
                { Effect: 'Allow', Action: 'sns:Publish', Resource: { Ref: 'Topic' } },
                {
                  Effect: 'Allow',
                  Action: 'ivs:GetChannel',
                  Resource: { 'Fn::Sub': 'arn:${AWS::Partition}:ivs:${AWS::Region}:${AWS::AccountId}:channel/*' },
                },
              ],
            },
          },
        },
      },
    };
    const names = { region: 'us-east-1', account: ACCOUNT };
    const p = principalsFromTemplate(template, names).get('social');
    expect(p?.roleArn).toBe(`arn:aws:iam::${ACCOUNT}:role/Role`);
    expect(p?.policies[0]?.policy.Statement.map((s) => s.Resource)).toEqual([
      [
        `arn:aws:dynamodb:us-east-1:${ACCOUNT}:table/local-Main`,
        `arn:aws:dynamodb:us-east-1:${ACCOUNT}:table/local-Main/index/*`,
      ],
      `arn:aws:sns:us-east-1:${ACCOUNT}:local-go-live`,
      `arn:aws:ivs:us-east-1:${ACCOUNT}:channel/*`,
    ]);
    expect(
      createResolver(template, { ...names, override: (id) => (id === 'T' ? 'renamed' : undefined) })({ Ref: 'T' }),
    ).toBe('renamed');
  });
});

describe('caller identity', () => {
  it('stamps the HTTP requests made inside runAs with the caller, and only those', async () => {
    stampOutgoingRequests();
    const seen: (string | undefined)[] = [];
    const server = createServer((req, res) => {
      seen.push(req.headers[CALLER_HEADER] as string | undefined);
      res.end('ok');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    const { request } = await import('node:http');
    const get = () =>
      new Promise<void>((resolve) =>
        request(url, (res) => {
          res.resume();
          res.on('end', resolve);
        }).end(),
      );
    await runAs('provision-streamer', async () => {
      await new Promise((r) => setTimeout(r, 1));
      await get();
    });
    await get();
    server.close();
    expect(seen).toEqual(['provision-streamer', undefined]);
  });
});

describe('request mappings for services other branches add', () => {
  it('SQS: queue URL to queue ARN, batch calls as their single-message action', async () => {
    const { sqsRequests } = await import('../../../../local/iam/requests');
    expect(
      sqsRequests('SendMessageBatch', `https://sqs.us-east-1.amazonaws.com/${ACCOUNT}/local-s3-work`, {
        region: 'us-east-1',
        account: ACCOUNT,
      }),
    ).toEqual([{ action: 'sqs:SendMessage', resources: [{ arn: `arn:aws:sqs:us-east-1:${ACCOUNT}:local-s3-work` }] }]);
  });

  it('SES: SendEmail on the sending identity with the From address as context, allowed only by a grant on that identity', async () => {
    const { sesRequests } = await import('../../../../local/iam/requests');
    const requests = sesRequests(
      'SendEmail',
      { fromAddress: 'alerts@example.com' },
      { region: 'us-east-1', account: ACCOUNT },
    );
    const grant = (arn: string) =>
      createAuthorizer({
        principals: principal([{ Effect: 'Allow', Action: 'ses:SendEmail', Resource: arn }]),
        account: ACCOUNT,
      });
    expect(
      (await grant(`arn:aws:ses:us-east-1:${ACCOUNT}:identity/example.com`).authorize('fn', requests)).allowed,
    ).toBe(true);
    expect(
      (await grant(`arn:aws:ses:us-east-1:${ACCOUNT}:configuration-set/*`).authorize('fn', requests)).allowed,
    ).toBe(false);
  });
});
