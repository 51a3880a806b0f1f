/**
 * Query.liveStreams: live profiles newest first, from the sparse GSI1 `LIVE` (or GSI3
 * `CATEGORY#<c>` when a category is given); a tag filters the page, and so does the audience:
 * only public streams are listed (a stream in Preview is not in the index until Go public).
 */
import { util, type Context, type DynamoDBQueryRequest } from '@aws-appsync/utils';
import { pageResponse, queryPage, type PageArgs } from './lib/page';
import { categoryPk } from '../../../lambdas/shared/domain/keys';

type Args = { category?: string | null; tag?: string | null } & PageArgs;

export function request(ctx: Context<Args>): DynamoDBQueryRequest {
  const key = ctx.args.category
    ? { index: 'GSI3', expression: 'GSI3PK = :pk', values: { ':pk': categoryPk(ctx.args.category) } }
    : { index: 'GSI1', expression: 'GSI1PK = :pk', values: { ':pk': 'LIVE' } };
  const req = queryPage(key, ctx.args, { max: 50 });
  // Followers-only and private streams are listed to those who may watch them (Query.followedLiveStreams), not here.
  const publicOnly = '(attribute_not_exists(audience) OR audience = :public)';
  req.filter = ctx.args.tag
    ? {
        expression: `${publicOnly} AND contains(tags, :tag)`,
        expressionValues: util.dynamodb.toMapValues({ ':public': 'PUBLIC', ':tag': ctx.args.tag.toLowerCase() }),
      }
    : { expression: publicOnly, expressionValues: util.dynamodb.toMapValues({ ':public': 'PUBLIC' }) };
  return req;
}

export function response(ctx: Context): unknown {
  return pageResponse(ctx);
}
