import { RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, Billing, StreamViewType, TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { Grant, type IGrantable } from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { IDEMPOTENCY_TABLE, MAIN_TABLE, type KeyAttribute, type TableDefinition } from '../data/tables';
import type { TableAction } from '../functions/catalog';

export interface DataProps {
  /** Prefix of the physical table names (`<prefix>-Main`, `<prefix>-Idempotency`). */
  readonly prefix: string;
  /** What deleting the stack does to the tables (and their data). */
  readonly removalPolicy: RemovalPolicy;
  /** Deletion protection (prod). */
  readonly protect: boolean;
}

/** What Powertools' DynamoDB persistence layer sends: it reads, writes, updates and deletes records by key. */
const IDEMPOTENCY_ACTIONS = ['GetItem', 'PutItem', 'UpdateItem', 'DeleteItem'] as const;

const attr = (k: KeyAttribute) => ({
  name: k.name,
  type: k.type === 'S' ? AttributeType.STRING : AttributeType.NUMBER,
});

/**
 * The platform's tables, built from lib/data/tables.ts (the same definitions the local mode uses):
 * on-demand, point-in-time recovery, TTL, a NEW_AND_OLD_IMAGES stream where a function consumes it.
 */
export class Data extends Construct {
  readonly main: TableV2;
  readonly idempotency: TableV2;

  constructor(scope: Construct, id: string, props: DataProps) {
    super(scope, id);
    this.main = this.table(MAIN_TABLE, props);
    this.idempotency = this.table(IDEMPOTENCY_TABLE, props);
  }

  /**
   * Lets `grantee` send exactly `actions` to the main table (a function's `table` declaration in
   * lib/functions/catalog.ts); Query and Scan also to its indexes, the only actions that read one.
   * Nothing when `actions` is empty.
   */
  grantTable(grantee: IGrantable, actions: readonly TableAction[]): void {
    const onIndexes = actions.filter((a) => a === 'Query' || a === 'Scan');
    if (actions.length)
      Grant.addToPrincipal({
        grantee,
        actions: actions.map((a) => `dynamodb:${a}`),
        resourceArns: [this.main.tableArn],
      });
    if (onIndexes.length)
      Grant.addToPrincipal({
        grantee,
        actions: onIndexes.map((a) => `dynamodb:${a}`),
        resourceArns: [`${this.main.tableArn}/index/*`],
      });
  }

  /** Lets `grantee` keep Powertools idempotency records in the idempotency table. */
  grantIdempotency(grantee: IGrantable): Grant {
    return this.idempotency.grant(grantee, ...IDEMPOTENCY_ACTIONS.map((a) => `dynamodb:${a}`));
  }

  private table(def: TableDefinition, props: DataProps): TableV2 {
    return new TableV2(this, `${def.id}Table`, {
      tableName: `${props.prefix}-${def.id}`,
      partitionKey: attr(def.partitionKey),
      sortKey: def.sortKey ? attr(def.sortKey) : undefined,
      globalSecondaryIndexes: def.globalSecondaryIndexes.map((g) => ({
        indexName: g.indexName,
        partitionKey: attr(g.partitionKey),
        sortKey: attr(g.sortKey),
      })),
      billing: Billing.onDemand(),
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      timeToLiveAttribute: def.timeToLiveAttribute,
      dynamoStream: def.stream ? StreamViewType.NEW_AND_OLD_IMAGES : undefined,
      deletionProtection: props.protect,
      removalPolicy: props.removalPolicy,
    });
  }
}
