/**
 * Mutation.setRecordingKeep: the owner flags a recording to keep (classification KEEP: lifecycle
 * never expires it) or unflags it. Unflagging removes the classification; the sale-markers stream
 * consumer recomputes it from saleCount and retags the objects, since one UpdateItem cannot read
 * saleCount to choose HAS_SALES or NO_SALES.
 */
import { util, type AppSyncIdentityCognito, type Context, type DynamoDBUpdateItemRequest } from '@aws-appsync/utils';
import { failOnError } from './lib/errors';
import { recordingKey } from '../../../lambdas/shared/domain/keys';

export function request(ctx: Context<{ recordingId: string; keep: boolean }>): DynamoDBUpdateItemRequest {
  const keep = ctx.args.keep === true;
  // The field is Cognito-only (schema default), so the caller is a signed-in user.
  const identity = ctx.identity as AppSyncIdentityCognito;
  const values: Record<string, unknown> = { ':keep': keep, ':now': util.time.nowISO8601(), ':one': 1 };
  let expression = 'SET keep = :keep, updatedAt = :now REMOVE classification ADD version :one';
  if (keep) {
    expression = 'SET keep = :keep, classification = :c, updatedAt = :now ADD version :one';
    values[':c'] = 'KEEP';
  }
  return {
    operation: 'UpdateItem',
    key: util.dynamodb.toMapValues(recordingKey(ctx.args.recordingId)),
    update: { expression, expressionValues: util.dynamodb.toMapValues(values) },
    condition: {
      expression: 'attribute_exists(#state) AND userId = :owner',
      expressionNames: { '#state': 'state' },
      expressionValues: util.dynamodb.toMapValues({ ':owner': identity && identity.sub ? identity.sub : '' }),
    },
  };
}

export function response(ctx: Context): unknown {
  if (ctx.error) {
    if (ctx.error.type === 'DynamoDB:ConditionalCheckFailedException') {
      util.error('Only the streamer who owns this recording can change it.', 'NOT_OWNER');
    }
    failOnError(ctx);
  }
  return ctx.result;
}
