/** Query.upcomingStreams: scheduled streams from now on, soonest first (GSI1 `SCHEDULED`). */
import { util, type Context, type DynamoDBQueryRequest } from '@aws-appsync/utils';
import { pageResponse, queryPage, type PageArgs } from './lib/page';

export function request(ctx: Context<PageArgs>): DynamoDBQueryRequest {
  const key = {
    index: 'GSI1',
    expression: 'GSI1PK = :pk AND GSI1SK >= :now',
    values: { ':pk': 'SCHEDULED', ':now': util.time.nowISO8601() },
  };
  return queryPage(key, ctx.args, { max: 50 }, true);
}

export function response(ctx: Context): unknown {
  return pageResponse(ctx);
}
