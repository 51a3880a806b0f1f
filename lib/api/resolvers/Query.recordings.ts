/**
 * Query.recordings: a streamer's recordings, newest first (GSI1 `USER#<id>#RECORDINGS`). Items
 * carry thumbnailUrl, durationMs and saleCount as the recording-state and sale-markers functions
 * wrote them.
 */
import type { Context, DynamoDBQueryRequest } from '@aws-appsync/utils';
import { pageResponse, queryPage, type PageArgs } from './lib/page';
import { userRecordingsPk } from '../../../lambdas/shared/domain/keys';

export function request(ctx: Context<{ userId: string } & PageArgs>): DynamoDBQueryRequest {
  return queryPage(
    { index: 'GSI1', expression: 'GSI1PK = :pk', values: { ':pk': userRecordingsPk(ctx.args.userId) } },
    ctx.args,
    { max: 50 },
  );
}

export function response(ctx: Context): unknown {
  return pageResponse(ctx);
}
