/** Query.myLedger: the caller's coin and earnings movements, newest first (`USER#<id>`, `LEDGER#<at>#<tx>`). */
import type { Context, DynamoDBQueryRequest } from '@aws-appsync/utils';
import { SK_PREFIX, userPartition } from '../../../lambdas/shared/domain/keys';
import { requireUser } from './lib/commerce';
import { ledgerView } from './lib/economy';
import { newestFirstPage, pageResponse, type PageArgs } from './lib/page';

export function request(ctx: Context<PageArgs>): DynamoDBQueryRequest {
  const me = requireUser(ctx);
  return newestFirstPage(userPartition(me.sub), SK_PREFIX.ledger, ctx.args, { max: 100 });
}

export function response(ctx: Context): unknown {
  return pageResponse(ctx, ledgerView);
}
