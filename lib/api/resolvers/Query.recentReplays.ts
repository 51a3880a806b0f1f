/**
 * Query.recentReplays: finished recordings of every streamer, newest first (GSI2 `RECORDINGS`,
 * sparse: only recordings in state AVAILABLE carry it).
 */
import type { Context, DynamoDBQueryRequest } from '@aws-appsync/utils';
import { pageResponse, queryPage, type PageArgs } from './lib/page';

export function request(ctx: Context<PageArgs>): DynamoDBQueryRequest {
  return queryPage({ index: 'GSI2', expression: 'GSI2PK = :pk', values: { ':pk': 'RECORDINGS' } }, ctx.args, {
    max: 50,
  });
}

export function response(ctx: Context): unknown {
  return pageResponse(ctx);
}
