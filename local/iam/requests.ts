/**
 * What IAM authorizes for each API call the local stand-ins serve: the action, the resource ARNs
 * (one per resource type the Service Authorization Reference lists for it) and the request context
 * keys the call carries. The stand-ins and the per-function template test share these mappings.
 */
import { randomUUID } from 'node:crypto';
import type { AuthzRequest, AuthzResource } from './evaluator';

/** Region and account of the local ARNs. */
export interface Scope {
  region: string;
  account: string;
}

type Tags = Record<string, string>;

/** `aws:RequestTag/<k>` and `aws:TagKeys` for a call that sets tags. */
export function requestTagContext(tags: Tags | undefined): Record<string, string | string[]> {
  if (!tags || !Object.keys(tags).length) return {};
  return {
    ...Object.fromEntries(Object.entries(tags).map(([k, v]) => [`aws:RequestTag/${k}`, v])),
    'aws:TagKeys': Object.keys(tags),
  };
}

/** An id for a resource the call is about to create (IAM evaluates creates against the new resource's ARN). */
const newId = () => randomUUID().replace(/-/g, '').slice(0, 12);

/** What the IVS stand-in knows about its resources. */
export interface IvsLookup {
  tagsOf(arn: string): Tags | undefined;
  /** ARNs of a channel's stream keys. */
  keysOf(channelArn: string): string[];
}

/** IAM requests of one IVS control-plane call (REST path `/<Operation>`, JSON body; `/tags/<arn>` for tagging). */
export function ivsRequests(op: string, body: Record<string, unknown>, lookup: IvsLookup, s: Scope): AuthzRequest[] {
  const base = `arn:aws:ivs:${s.region}:${s.account}`;
  const at = (arn: unknown): AuthzResource => ({ arn: String(arn), tags: lookup.tagsOf(String(arn)) });
  const tags = body.tags as Tags | undefined;
  const tagOnCreate = (arn: string): AuthzRequest[] =>
    tags && Object.keys(tags).length
      ? [{ action: 'ivs:TagResource', resources: [{ arn }], context: requestTagContext(tags) }]
      : [];
  const keysOrAny = (channelArn: unknown): AuthzResource[] => {
    const keys = lookup.keysOf(String(channelArn));
    return keys.length ? keys.map(at) : [{ arn: `${base}:stream-key/*` }];
  };
  switch (op) {
    case 'CreateChannel': {
      const channel = `${base}:channel/${newId()}`;
      return [
        {
          action: 'ivs:CreateChannel',
          resources: [{ arn: channel }, { arn: `${base}:stream-key/${newId()}` }],
          context: requestTagContext(tags),
        },
        ...tagOnCreate(channel),
      ];
    }
    case 'CreateStreamKey': {
      const key = `${base}:stream-key/${newId()}`;
      return [
        { action: 'ivs:CreateStreamKey', resources: [{ arn: key }], context: requestTagContext(tags) },
        ...tagOnCreate(key),
      ];
    }
    case 'GetChannel':
    case 'DeleteChannel':
    case 'UpdateChannel':
      return [
        { action: `ivs:${op}`, resources: [at(body.arn), ...(op === 'DeleteChannel' ? keysOrAny(body.arn) : [])] },
      ];
    case 'ListChannels':
    case 'ListStreams':
      return [{ action: `ivs:${op}`, resources: [{ arn: `${base}:channel/*` }] }];
    case 'ListStreamKeys':
      return [{ action: 'ivs:ListStreamKeys', resources: [at(body.channelArn), { arn: `${base}:stream-key/*` }] }];
    case 'GetStreamKey':
    case 'DeleteStreamKey':
      return [{ action: `ivs:${op}`, resources: [at(body.arn)] }];
    case 'GetStream':
    case 'GetStreamSession':
    case 'StopStream':
    case 'PutMetadata':
      return [{ action: `ivs:${op}`, resources: [at(body.channelArn)] }];
    case 'ImportPlaybackKeyPair': {
      const key = `${base}:playback-key/${newId()}`;
      return [
        { action: 'ivs:ImportPlaybackKeyPair', resources: [{ arn: key }], context: requestTagContext(tags) },
        ...tagOnCreate(key),
      ];
    }
    case 'GetPlaybackKeyPair':
    case 'DeletePlaybackKeyPair':
      return [{ action: `ivs:${op}`, resources: [at(body.arn)] }];
    case 'ListPlaybackKeyPairs':
      return [{ action: 'ivs:ListPlaybackKeyPairs', resources: [{ arn: `${base}:playback-key/*` }] }];
    case 'TagResource':
      return [{ action: 'ivs:TagResource', resources: [at(body.resourceArn)], context: requestTagContext(tags) }];
    case 'ListTagsForResource':
      return [{ action: 'ivs:ListTagsForResource', resources: [at(body.resourceArn)] }];
    default:
      return [{ action: `ivs:${op}`, resources: [] }];
  }
}

/** What the IVS Chat stand-in knows about its rooms. */
export interface IvschatLookup {
  /** A room's ARN and tags from an identifier (ARN or id); undefined when there is no such room. */
  room(identifier: string): { arn: string; tags: Tags } | undefined;
}

/** IAM requests of one IVS Chat control-plane call. */
export function ivschatRequests(
  op: string,
  body: Record<string, unknown>,
  lookup: IvschatLookup,
  s: Scope,
): AuthzRequest[] {
  const base = `arn:aws:ivschat:${s.region}:${s.account}`;
  const room = (identifier: unknown): AuthzResource => {
    const r = lookup.room(String(identifier));
    return r
      ? { arn: r.arn, tags: r.tags }
      : { arn: String(identifier).startsWith('arn:') ? String(identifier) : `${base}:room/${String(identifier)}` };
  };
  const tags = body.tags as Tags | undefined;
  switch (op) {
    case 'CreateRoom': {
      const arn = `${base}:room/${newId()}`;
      return [
        { action: 'ivschat:CreateRoom', resources: [{ arn }], context: requestTagContext(tags) },
        ...(tags && Object.keys(tags).length
          ? [{ action: 'ivschat:TagResource', resources: [{ arn }], context: requestTagContext(tags) }]
          : []),
      ];
    }
    case 'CreateLoggingConfiguration':
      return [
        {
          action: 'ivschat:CreateLoggingConfiguration',
          resources: [{ arn: `${base}:logging-configuration/${newId()}` }],
          context: requestTagContext(tags),
        },
      ];
    case 'ListRooms':
      return [{ action: 'ivschat:ListRooms', resources: [{ arn: `${base}:room/*` }] }];
    case 'GetRoom':
    case 'UpdateRoom':
    case 'DeleteRoom':
      return [{ action: `ivschat:${op}`, resources: [room(body.identifier)] }];
    case 'CreateChatToken':
    case 'DeleteMessage':
    case 'DisconnectUser':
    case 'SendEvent':
      return [{ action: `ivschat:${op}`, resources: [room(body.roomIdentifier)] }];
    case 'TagResource':
      return [{ action: 'ivschat:TagResource', resources: [room(body.resourceArn)], context: requestTagContext(tags) }];
    case 'ListTagsForResource':
      return [{ action: 'ivschat:ListTagsForResource', resources: [room(body.resourceArn)] }];
    default:
      return [{ action: `ivschat:${op}`, resources: [] }];
  }
}

/** IAM requests of one path-style S3 call (`/<bucket>/<key>?<query>`). */
export function s3Requests(method: string, bucket: string, key: string, query: URLSearchParams): AuthzRequest[] {
  const object = [{ arn: `arn:aws:s3:::${bucket}/${key}` }];
  const bucketArn = [{ arn: `arn:aws:s3:::${bucket}` }];
  if (!key) {
    if (method === 'GET' || method === 'HEAD') return [{ action: 's3:ListBucket', resources: bucketArn }];
    if (method === 'PUT') return [{ action: 's3:CreateBucket', resources: bucketArn }];
    // DeleteObjects is authorized as DeleteObject on each key; the keys are in the body, the bucket's objects cover them.
    if (method === 'POST' && query.has('delete'))
      return [{ action: 's3:DeleteObject', resources: [{ arn: `arn:aws:s3:::${bucket}/*` }] }];
    return [{ action: 's3:ListBucket', resources: bucketArn }];
  }
  if (query.has('tagging')) {
    const action =
      method === 'PUT' ? 's3:PutObjectTagging' : method === 'DELETE' ? 's3:DeleteObjectTagging' : 's3:GetObjectTagging';
    return [{ action, resources: object }];
  }
  if (method === 'POST' && query.has('restore')) return [{ action: 's3:RestoreObject', resources: object }];
  if (method === 'PUT') return [{ action: 's3:PutObject', resources: object }];
  if (method === 'DELETE') return [{ action: 's3:DeleteObject', resources: object }];
  return [{ action: 's3:GetObject', resources: object }];
}

/** IAM requests of one SNS query-protocol call. */
export function snsRequests(params: URLSearchParams, s: Scope): AuthzRequest[] {
  const action = params.get('Action') ?? '';
  const topic = (arn: string | null) => [{ arn: arn ?? '' }];
  switch (action) {
    case 'CreateTopic':
      return [
        {
          action: 'sns:CreateTopic',
          resources: [{ arn: `arn:aws:sns:${s.region}:${s.account}:${params.get('Name') ?? ''}` }],
        },
      ];
    case 'Publish':
      return [{ action: 'sns:Publish', resources: topic(params.get('TopicArn') ?? params.get('TargetArn')) }];
    case 'Subscribe':
      return [
        {
          action: 'sns:Subscribe',
          resources: topic(params.get('TopicArn')),
          context: { 'sns:Protocol': params.get('Protocol') ?? '', 'sns:Endpoint': params.get('Endpoint') ?? '' },
        },
      ];
    case 'ConfirmSubscription':
    case 'ListSubscriptionsByTopic':
      return [{ action: `sns:${action}`, resources: topic(params.get('TopicArn')) }];
    case 'Unsubscribe':
    case 'GetSubscriptionAttributes':
    case 'SetSubscriptionAttributes':
      // Authorized on the subscription, whose ARN is the topic's ARN plus `:<id>`.
      return [{ action: `sns:${action}`, resources: topic(params.get('SubscriptionArn')) }];
    default:
      return [{ action: `sns:${action}`, resources: [] }];
  }
}

/** IAM requests of one EventBridge PutEvents call (one per event bus its entries name). */
export function eventsRequests(
  entries: { EventBusName?: string; Source?: string; DetailType?: string }[],
  s: Scope,
): AuthzRequest[] {
  return entries.map((e) => {
    const bus = e.EventBusName ?? 'default';
    return {
      action: 'events:PutEvents',
      resources: [{ arn: bus.startsWith('arn:') ? bus : `arn:aws:events:${s.region}:${s.account}:event-bus/${bus}` }],
      context: { 'events:source': e.Source ?? '', 'events:detail-type': e.DetailType ?? '' },
    };
  });
}

type DynamoBody = Record<string, unknown>;

/** IAM requests of one DynamoDB JSON call (`X-Amz-Target: DynamoDB_20120810.<Operation>`). */
export function dynamodbRequests(op: string, body: DynamoBody, s: Scope): AuthzRequest[] {
  const table = (name: unknown, index?: unknown) => ({
    arn: `arn:aws:dynamodb:${s.region}:${s.account}:table/${String(name)}${index ? `/index/${String(index)}` : ''}`,
  });
  switch (op) {
    case 'BatchGetItem':
    case 'BatchWriteItem':
      return Object.keys((body.RequestItems as Record<string, unknown>) ?? {}).map((t) => ({
        action: `dynamodb:${op}`,
        resources: [table(t)],
      }));
    case 'TransactWriteItems':
      // IAM authorizes each item with its own action; there is no TransactWriteItems permission.
      return ((body.TransactItems as Record<string, { TableName: string }>[]) ?? []).map((item) => {
        const [kind, spec] = Object.entries(item)[0] as [string, { TableName: string }];
        const action =
          { Put: 'PutItem', Update: 'UpdateItem', Delete: 'DeleteItem', ConditionCheck: 'ConditionCheckItem' }[kind] ??
          kind;
        return { action: `dynamodb:${action}`, resources: [table(spec.TableName)] };
      });
    case 'TransactGetItems':
      return ((body.TransactItems as { Get: { TableName: string } }[]) ?? []).map((item) => ({
        action: 'dynamodb:GetItem',
        resources: [table(item.Get.TableName)],
      }));
    case 'Query':
    case 'Scan':
      return [{ action: `dynamodb:${op}`, resources: [table(body.TableName, body.IndexName)] }];
    default:
      return [{ action: `dynamodb:${op}`, resources: [table(body.TableName)] }];
  }
}

/** `arn:aws:sqs:<region>:<account>:<name>` from a queue URL (`<endpoint>/<account>/<name>`) or ARN. */
export function queueArn(queue: string, s: Scope): string {
  if (queue.startsWith('arn:')) return queue;
  const [account, name] = new URL(queue).pathname.split('/').filter(Boolean) as [string, string];
  return `arn:aws:sqs:${s.region}:${account ?? s.account}:${name}`;
}

/** IAM requests of one SQS call on a queue (the batch calls are authorized as their single-message actions). */
export function sqsRequests(operation: string, queue: string, s: Scope): AuthzRequest[] {
  const action = operation.replace(/Batch$/, '');
  return [{ action: `sqs:${action}`, resources: [{ arn: queueArn(queue, s) }] }];
}

/**
 * IAM requests of one SES v2 SendEmail/SendBulkEmail call: the sending identity (the verified
 * identity the From address belongs to: the address itself when verified as an address, otherwise
 * its domain), the configuration set and template when the call names them.
 */
export function sesRequests(
  operation: string,
  call: { fromAddress: string; identity?: string; configurationSet?: string; template?: string; recipients?: string[] },
  s: Scope,
): AuthzRequest[] {
  const base = `arn:aws:ses:${s.region}:${s.account}`;
  const identity = call.identity ?? call.fromAddress.split('@').pop() ?? call.fromAddress;
  const resources: AuthzResource[] = [{ arn: `${base}:identity/${identity}` }];
  if (call.configurationSet) resources.push({ arn: `${base}:configuration-set/${call.configurationSet}` });
  if (call.template) resources.push({ arn: `${base}:template/${call.template}` });
  const context: Record<string, string | string[]> =
    operation === 'SendEmail'
      ? { 'ses:FromAddress': call.fromAddress, ...(call.recipients ? { 'ses:Recipients': call.recipients } : {}) }
      : {};
  return [{ action: `ses:${operation}`, resources, context }];
}

/** IAM requests of one Lambda Invoke (`/2015-03-31/functions/<name or ARN>/invocations`). */
export function lambdaRequests(functionNameOrArn: string, s: Scope): AuthzRequest[] {
  const arn = functionNameOrArn.startsWith('arn:')
    ? functionNameOrArn.replace(/:(\$LATEST|\d+)$/, '')
    : `arn:aws:lambda:${s.region}:${s.account}:function:${functionNameOrArn}`;
  return [{ action: 'lambda:InvokeFunction', resources: [{ arn }] }];
}

/**
 * IAM requests of one Secrets Manager call (JSON protocol, `X-Amz-Target: secretsmanager.<Operation>`):
 * the secret's ARN, which carries the random 6-character suffix Secrets Manager adds to the name.
 */
export function secretsManagerRequests(operation: string, secretArn: string): AuthzRequest[] {
  return [{ action: `secretsmanager:${operation}`, resources: [{ arn: secretArn }] }];
}

/** IAM requests of one Firehose call (JSON protocol, `X-Amz-Target: Firehose_20150804.<Operation>`): the delivery stream by name. */
export function firehoseRequests(operation: string, deliveryStreamName: string, s: Scope): AuthzRequest[] {
  return [
    {
      action: `firehose:${operation}`,
      resources: [{ arn: `arn:aws:firehose:${s.region}:${s.account}:deliverystream/${deliveryStreamName}` }],
    },
  ];
}

/** IAM requests of one Cognito user pool admin call (JSON protocol, `X-Amz-Target: AWSCognitoIdentityProviderService.<Operation>`): the pool by id. */
export function cognitoIdpRequests(operation: string, userPoolId: string, s: Scope): AuthzRequest[] {
  return [
    {
      action: `cognito-idp:${operation}`,
      resources: [{ arn: `arn:aws:cognito-idp:${s.region}:${s.account}:userpool/${userPoolId}` }],
    },
  ];
}

/** IAM requests of one Athena call (JSON protocol, `X-Amz-Target: AmazonAthena.<Operation>`): the workgroup the query runs in. */
export function athenaRequests(operation: string, workGroup: string, s: Scope): AuthzRequest[] {
  return [
    {
      action: `athena:${operation}`,
      resources: [{ arn: `arn:aws:athena:${s.region}:${s.account}:workgroup/${workGroup}` }],
    },
  ];
}

/**
 * IAM requests of one EventBridge Scheduler schedule call (REST `/schedules/{Name}`): the schedule's
 * ARN (`schedule/<group>/<name>`); a create also passes its target's role to the Scheduler.
 */
export function schedulerRequests(operation: string, scheduleArn: string, roleArn?: string): AuthzRequest[] {
  const requests: AuthzRequest[] = [{ action: `scheduler:${operation}`, resources: [{ arn: scheduleArn }] }];
  if ((operation === 'CreateSchedule' || operation === 'UpdateSchedule') && roleArn) {
    requests.push({
      action: 'iam:PassRole',
      resources: [{ arn: roleArn }],
      context: { 'iam:PassedToService': 'scheduler.amazonaws.com' },
    });
  }
  return requests;
}
