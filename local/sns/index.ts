/**
 * Local SNS: the actions the platform uses (CreateTopic, Publish, Subscribe with a FilterPolicy,
 * ConfirmSubscription, Unsubscribe, ListSubscriptionsByTopic, GetSubscriptionAttributes) on the
 * AWS Query protocol, so `@aws-sdk/client-sns` works unchanged through AWS_ENDPOINT_URL_SNS.
 * Deliveries that pass a subscription's filter policy are written as JSON files to `outboxDir`
 * (what a mail server would have received); email subscriptions start pending and the
 * confirmation "email" lands in the outbox with its token and confirm link.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync, existsSync, renameSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { callerOf } from '../iam/caller';
import { AccessDeniedError, type Authorizer } from '../iam/evaluator';
import { snsRequests } from '../iam/requests';
import { matchesFilterPolicy, type MessageAttribute } from './filter-policy';
import { entries, errorXml, successXml, xmlMap, type XmlValue } from './query-protocol';

export interface LocalSnsOptions {
  /** Directory receiving one JSON file per delivery (created if missing); subscriptions persist here too. */
  outboxDir: string;
  /** 0 = a free port. */
  port?: number;
  region?: string;
  accountId?: string;
  /** When set, every call is authorized for its calling function (IAM in the local mode). */
  iam?: Authorizer;
}

export interface LocalSns {
  url: string;
  port: number;
  stop(): Promise<void>;
}

/** One file in the outbox. */
export interface OutboxEntry {
  kind: 'Notification' | 'SubscriptionConfirmation';
  id: string;
  at: string;
  topicArn: string;
  subscriptionArn?: string;
  protocol: string;
  endpoint: string;
  subject?: string;
  message: string;
  messageAttributes?: Record<string, MessageAttribute>;
  token?: string;
  confirmUrl?: string;
}

interface Subscription {
  arn: string;
  topicArn: string;
  protocol: string;
  endpoint: string;
  filterPolicy?: Record<string, unknown>;
  confirmed: boolean;
  token: string;
}

interface State { topics: string[]; subscriptions: Subscription[] }

class SnsError extends Error {
  constructor(readonly code: string, message: string, readonly status = 400) { super(message); }
}

/** Starts the local SNS endpoint on 127.0.0.1. */
export async function startLocalSns(opts: LocalSnsOptions): Promise<LocalSns> {
  const region = opts.region ?? 'us-east-1';
  const account = opts.accountId ?? '000000000000';
  mkdirSync(opts.outboxDir, { recursive: true });
  const statePath = join(opts.outboxDir, '.subscriptions.json');
  const state: State = existsSync(statePath) ? (JSON.parse(readFileSync(statePath, 'utf8')) as State) : { topics: [], subscriptions: [] };
  const save = () => {
    writeFileSync(`${statePath}.tmp`, JSON.stringify(state, null, 2));
    renameSync(`${statePath}.tmp`, statePath);
  };
  let baseUrl = '';

  const writeOutbox = (entry: OutboxEntry) => {
    const file = join(opts.outboxDir, `${entry.at.replace(/[:.]/g, '-')}-${entry.id}.json`);
    writeFileSync(file, JSON.stringify(entry, null, 2));
  };

  const ensureTopic = (topicArn: string) => {
    if (!topicArn.startsWith('arn:')) throw new SnsError('InvalidParameter', 'Invalid parameter: TopicArn');
    if (!state.topics.includes(topicArn)) state.topics.push(topicArn);
  };

  const findSubscription = (arn: string) => {
    const sub = state.subscriptions.find((s) => s.arn === arn);
    if (!sub) throw new SnsError('NotFound', 'Subscription does not exist', 404);
    return sub;
  };

  const actions: Record<string, (p: URLSearchParams) => Record<string, XmlValue> | undefined> = {
    CreateTopic: (p) => {
      const name = p.get('Name');
      if (!name) throw new SnsError('InvalidParameter', 'Invalid parameter: Name');
      const arn = `arn:aws:sns:${region}:${account}:${name}`;
      ensureTopic(arn);
      save();
      return { TopicArn: arn };
    },
    Subscribe: (p) => {
      const topicArn = p.get('TopicArn') ?? '';
      const protocol = p.get('Protocol') ?? '';
      const endpoint = p.get('Endpoint') ?? '';
      ensureTopic(topicArn);
      if (!['email', 'email-json', 'http', 'https', 'sqs', 'lambda', 'application', 'sms', 'firehose'].includes(protocol)) {
        throw new SnsError('InvalidParameter', 'Invalid parameter: Protocol');
      }
      if (protocol.startsWith('email') && !/^[^@\s]+@[^@\s]+$/.test(endpoint)) throw new SnsError('InvalidParameter', 'Invalid parameter: Email address');
      const attrs = entries(p, 'Attributes', 'key', 'value');
      const rawPolicy = attrs.get('FilterPolicy')?.get('');
      let filterPolicy: Record<string, unknown> | undefined;
      if (rawPolicy) {
        try {
          filterPolicy = JSON.parse(rawPolicy) as Record<string, unknown>;
        } catch {
          throw new SnsError('InvalidParameter', 'Invalid parameter: FilterPolicy: failed to parse JSON');
        }
      }
      const existing = state.subscriptions.find((s) => s.topicArn === topicArn && s.protocol === protocol && s.endpoint === endpoint
        && JSON.stringify(s.filterPolicy) === JSON.stringify(filterPolicy));
      const sub: Subscription = existing ?? {
        arn: `${topicArn}:${randomUUID()}`, topicArn, protocol, endpoint, filterPolicy,
        // Only email and http(s) endpoints confirm; the others are confirmed on creation as in AWS.
        confirmed: !['email', 'email-json', 'http', 'https'].includes(protocol), token: randomUUID().replace(/-/g, ''),
      };
      if (!existing) state.subscriptions.push(sub);
      save();
      if (!sub.confirmed) {
        const confirmUrl = `${baseUrl}/?Action=ConfirmSubscription&TopicArn=${encodeURIComponent(topicArn)}&Token=${sub.token}`;
        writeOutbox({
          kind: 'SubscriptionConfirmation', id: randomUUID(), at: new Date().toISOString(), topicArn, protocol, endpoint,
          subscriptionArn: sub.arn, subject: 'AWS Notification - Subscription Confirmation',
          message: `You have chosen to subscribe to the topic: ${topicArn}\nTo confirm the subscription, visit: ${confirmUrl}`,
          token: sub.token, confirmUrl,
        });
      }
      const returnArn = p.get('ReturnSubscriptionArn') === 'true';
      return { SubscriptionArn: sub.confirmed || returnArn ? sub.arn : 'pending confirmation' };
    },
    ConfirmSubscription: (p) => {
      const sub = state.subscriptions.find((s) => s.topicArn === p.get('TopicArn') && s.token === p.get('Token'));
      if (!sub) throw new SnsError('InvalidParameter', 'Invalid token');
      sub.confirmed = true;
      save();
      return { SubscriptionArn: sub.arn };
    },
    Unsubscribe: (p) => {
      const sub = findSubscription(p.get('SubscriptionArn') ?? '');
      state.subscriptions = state.subscriptions.filter((s) => s !== sub);
      save();
      return undefined;
    },
    GetSubscriptionAttributes: (p) => {
      const sub = findSubscription(p.get('SubscriptionArn') ?? '');
      const attributes: Record<string, string> = {
        SubscriptionArn: sub.arn, TopicArn: sub.topicArn, Protocol: sub.protocol, Endpoint: sub.endpoint,
        Owner: account, PendingConfirmation: String(!sub.confirmed), ConfirmationWasAuthenticated: String(sub.confirmed),
      };
      if (sub.filterPolicy) attributes.FilterPolicy = JSON.stringify(sub.filterPolicy);
      return { Attributes: xmlMap(attributes) };
    },
    ListSubscriptionsByTopic: (p) => {
      const topicArn = p.get('TopicArn') ?? '';
      if (!state.topics.includes(topicArn)) throw new SnsError('NotFound', 'Topic does not exist', 404);
      return {
        Subscriptions: state.subscriptions.filter((s) => s.topicArn === topicArn).map((s) => ({
          TopicArn: s.topicArn, Protocol: s.protocol, Endpoint: s.endpoint, Owner: account,
          SubscriptionArn: s.confirmed ? s.arn : 'PendingConfirmation',
        })),
      };
    },
    Publish: (p) => {
      const topicArn = p.get('TopicArn') ?? p.get('TargetArn') ?? '';
      ensureTopic(topicArn);
      const message = p.get('Message');
      if (!message) throw new SnsError('InvalidParameter', 'Invalid parameter: Empty message');
      const subject = p.get('Subject') ?? undefined;
      const attributes: Record<string, MessageAttribute> = {};
      for (const [name, fields] of entries(p, 'MessageAttributes', 'Name', 'Value')) {
        attributes[name] = { DataType: fields.get('DataType') ?? 'String', StringValue: fields.get('StringValue') };
      }
      const messageId = randomUUID();
      const at = new Date().toISOString();
      for (const sub of state.subscriptions) {
        if (sub.topicArn !== topicArn || !sub.confirmed || !matchesFilterPolicy(sub.filterPolicy, attributes)) continue;
        writeOutbox({
          kind: 'Notification', id: `${messageId}-${sub.arn.split(':').pop()}`, at, topicArn, subscriptionArn: sub.arn,
          protocol: sub.protocol, endpoint: sub.endpoint, subject, message, messageAttributes: attributes,
        });
      }
      return { MessageId: messageId };
    },
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const requestId = randomUUID();
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const params = req.method === 'POST' ? new URLSearchParams(Buffer.concat(chunks).toString('utf8')) : url.searchParams;
    const action = params.get('Action') ?? '';
    res.setHeader('content-type', 'text/xml');
    res.setHeader('x-amzn-requestid', requestId);
    try {
      const run = actions[action];
      if (!run) throw new SnsError('InvalidAction', `The action ${action} is not valid for this endpoint.`);
      await opts.iam?.enforce(callerOf(req), snsRequests(params, { region, account }));
      const result = run(params);
      res.writeHead(200).end(successXml(action, result, requestId));
    } catch (error) {
      const e = error instanceof SnsError ? error
        : error instanceof AccessDeniedError ? new SnsError('AuthorizationError', error.message, 403)
          : new SnsError('InternalError', (error as Error).message, 500);
      res.writeHead(e.status).end(errorXml(e.code, e.message, requestId, e.status >= 500 ? 'Receiver' : 'Sender'));
    }
  };

  const server = createServer((req, res) => { void handle(req, res); });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  baseUrl = `http://127.0.0.1:${port}`;
  return {
    url: baseUrl,
    port,
    stop: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
