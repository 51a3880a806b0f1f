/** The Data construct in the platform stack: the tables, and each function's table grants as the catalog declares them. */
import { App, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { Code, Function as LambdaFunction, Runtime } from 'aws-cdk-lib/aws-lambda';
import { describe, expect, it } from 'vitest';
import { Data } from '../../../lib/constructs/data';
import { FUNCTIONS, readsOnly, TABLE_READ_ACTIONS } from '../../../lib/functions/catalog';
import { buildStack, actionsOf, type Loose, useDevStack } from './stack';

/** Reads (and the table stream's reads, which come with a stream trigger): everything else on DynamoDB changes data. */
const READS = new Set(
  [...TABLE_READ_ACTIONS, 'DescribeTable', 'DescribeStream', 'GetRecords', 'GetShardIterator', 'ListStreams'].map(
    (a) => `dynamodb:${a}`,
  ),
);
/** The DynamoDB actions in `statements` that may change data (wildcards included). */
const writesIn = (statements: Loose[]): string[] =>
  actionsOf(statements).filter((a) => a.startsWith('dynamodb:') && !READS.has(a));

const stack = useDevStack();
const resources = stack.resources;

describe('data', () => {
  it('creates the single table with its keys, three GSIs, PITR, TTL and a stream, on demand', () => {
    const tables = Object.values(resources('AWS::DynamoDB::GlobalTable'));
    const main = tables.find((x) => x.Properties.TableName === 'lvs-dev-Main');
    expect(main.Properties).toMatchObject({
      KeySchema: [
        { AttributeName: 'PK', KeyType: 'HASH' },
        { AttributeName: 'SK', KeyType: 'RANGE' },
      ],
      BillingMode: 'PAY_PER_REQUEST',
      StreamSpecification: { StreamViewType: 'NEW_AND_OLD_IMAGES' },
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
    });
    expect(main.Properties.GlobalSecondaryIndexes.map((g: Loose) => g.IndexName)).toEqual(['GSI1', 'GSI2', 'GSI3']);
    expect(main.Properties.Replicas[0].PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true });
    expect(main.Properties.Replicas[0].DeletionProtectionEnabled).toBe(false);
    const idem = tables.find((x) => x.Properties.TableName === 'lvs-dev-Idempotency');
    expect(idem.Properties.TimeToLiveSpecification).toEqual({ AttributeName: 'expiration', Enabled: true });
  });

  it('protects tables from deletion in prod', () => {
    const prod = buildStack('prod');
    const main = Object.values(prod.template.findResources('AWS::DynamoDB::GlobalTable')).find(
      (x: Loose) => x.Properties.TableName === 'lvs-prod-Main',
    ) as Loose;
    expect(main.Properties.Replicas[0].DeletionProtectionEnabled).toBe(true);
    expect(main.DeletionPolicy).toBe('Retain');
  });

  it('grants each function exactly the main-table actions its catalog entry declares: items on the table, Query and Scan also on its indexes', () => {
    const mainArn = {
      'Fn::GetAtt': [
        Object.keys(stack.resources('AWS::DynamoDB::GlobalTable')).find((id) => id.startsWith('DataMainTable')),
        'Arn',
      ],
    };
    const onMain = (name: string, resource: unknown) =>
      stack
        .policiesOf(name)
        .filter((st) => [st.Resource].flat().some((r) => JSON.stringify(r) === JSON.stringify(resource)))
        .flatMap((st) => actionsOf([st]))
        .sort();
    for (const f of FUNCTIONS) {
      const declared = (f.table ?? []).map((a) => `dynamodb:${a}`).sort();
      expect(onMain(f.name, mainArn), f.name).toEqual(declared);
      expect(onMain(f.name, { 'Fn::Join': ['', [mainArn, '/index/*']] }), f.name).toEqual(
        declared.filter((a) => a === 'dynamodb:Query' || a === 'dynamodb:Scan'),
      );
    }
    expect(
      stack.policiesOf('runtime-teardown').filter((st) => actionsOf([st]).some((a) => a.startsWith('dynamodb:'))),
    ).toEqual([]);
  });

  it('gives a function declared read-only no write action on any table', () => {
    const readOnly = FUNCTIONS.filter((f) => f.table && readsOnly(f.table));
    expect(readOnly.map((f) => f.name)).toContain('chat-token');
    for (const f of readOnly) expect(writesIn(stack.policiesOf(f.name)), f.name).toEqual([]);
  });

  it('the read-only check fails on a write grant (the one read-write grant every function had before)', () => {
    const stack = new Stack(new App(), 'S');
    const data = new Data(stack, 'Data', { prefix: 'lvs-test', removalPolicy: RemovalPolicy.DESTROY, protect: false });
    const reader = (id: string) =>
      new LambdaFunction(stack, id, {
        runtime: Runtime.NODEJS_22_X,
        handler: 'index.handler',
        code: Code.fromInline('export const handler = () => {};'),
      });
    data.grantTable(reader('Declared'), ['GetItem', 'Query']);
    data.main.grantReadWriteData(reader('OneGrantForAll'));
    const policies = Object.values(Template.fromStack(stack).findResources('AWS::IAM::Policy')) as Loose[];
    const statementsOf = (id: string) =>
      policies
        .filter((p) => p.Properties.Roles.some((r: Loose) => String(r.Ref).startsWith(`${id}ServiceRole`)))
        .flatMap((p) => p.Properties.PolicyDocument.Statement);
    expect(statementsOf('Declared')).not.toEqual([]);
    expect(writesIn(statementsOf('Declared'))).toEqual([]);
    expect(writesIn(statementsOf('OneGrantForAll'))).toEqual(
      expect.arrayContaining([
        'dynamodb:PutItem',
        'dynamodb:UpdateItem',
        'dynamodb:DeleteItem',
        'dynamodb:BatchWriteItem',
      ]),
    );
  });
});
