/**
 * Table definitions: the one source of truth used by the CDK data construct and by the local
 * mode (which creates the same tables in DynamoDB Local). Access patterns: docs/data-model.md.
 */
export interface KeyAttribute {
  readonly name: string;
  readonly type: 'S' | 'N';
}

export interface IndexDefinition {
  readonly indexName: string;
  readonly partitionKey: KeyAttribute;
  readonly sortKey: KeyAttribute;
}

export interface TableDefinition {
  /** Logical id, also the suffix of the physical name (`<prefix>-<id>`). */
  readonly id: string;
  readonly partitionKey: KeyAttribute;
  readonly sortKey?: KeyAttribute;
  readonly globalSecondaryIndexes: readonly IndexDefinition[];
  /** Attribute holding an epoch-seconds expiry, when items of this table expire. */
  readonly timeToLiveAttribute?: string;
  /** Whether a DynamoDB stream (NEW_AND_OLD_IMAGES) feeds Lambdas. */
  readonly stream: boolean;
}

const s = (name: string): KeyAttribute => ({ name, type: 'S' });

/** Single-table design for every entity of the product. */
export const MAIN_TABLE: TableDefinition = {
  id: 'Main',
  partitionKey: s('PK'),
  sortKey: s('SK'),
  globalSecondaryIndexes: [
    { indexName: 'GSI1', partitionKey: s('GSI1PK'), sortKey: s('GSI1SK') },
    { indexName: 'GSI2', partitionKey: s('GSI2PK'), sortKey: s('GSI2SK') },
    { indexName: 'GSI3', partitionKey: s('GSI3PK'), sortKey: s('GSI3SK') },
  ],
  timeToLiveAttribute: 'expiresAt',
  stream: true,
};

/** Powertools idempotency records (its default key attribute is `id`). */
export const IDEMPOTENCY_TABLE: TableDefinition = {
  id: 'Idempotency',
  partitionKey: s('id'),
  globalSecondaryIndexes: [],
  timeToLiveAttribute: 'expiration',
  stream: false,
};

export const TABLES: readonly TableDefinition[] = [MAIN_TABLE, IDEMPOTENCY_TABLE];
