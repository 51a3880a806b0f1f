/**
 * Query.liveStreams: live profiles newest first, from the sparse GSI1 `LIVE` (or GSI3
 * `CATEGORY#<c>` when a category is given); a tag filters the page.
 */
import { util, type Context, type DynamoDBQueryRequest } from '@aws-appsync/utils';
import { pageLimit } from './lib/page';
import { raiseDataSourceError } from './lib/errors';

type Args = { category?: string | null; tag?: string | null; limit?: number | null; nextToken?: string | null };

export function request(ctx: Context<Args>): DynamoDBQueryRequest {
  const byCategory = !!ctx.args.category;
  const req: DynamoDBQueryRequest = {
    operation: 'Query',
    index: byCategory ? 'GSI3' : 'GSI1',
    query: byCategory
      ? { expression: 'GSI3PK = :pk', expressionValues: util.dynamodb.toMapValues({ ':pk': `CATEGORY#${ctx.args.category}` }) }
      : { expression: 'GSI1PK = :pk', expressionValues: util.dynamodb.toMapValues({ ':pk': 'LIVE' }) },
    scanIndexForward: false,
    limit: pageLimit(ctx.args.limit, 50),
    nextToken: ctx.args.nextToken ?? undefined,
  };
  if (ctx.args.tag) {
    req.filter = { expression: 'contains(tags, :tag)', expressionValues: util.dynamodb.toMapValues({ ':tag': ctx.args.tag.toLowerCase() }) };
  }
  return req;
}

export function response(ctx: Context): unknown {
  if (ctx.error) {
    raiseDataSourceError(ctx.error);
  }
  return { items: ctx.result.items ?? [], nextToken: ctx.result.nextToken ?? null };
}
