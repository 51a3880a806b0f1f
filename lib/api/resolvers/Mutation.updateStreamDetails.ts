/**
 * Mutation.updateStreamDetails: the owner edits title, category, tags, language, going-live
 * message, thumbnail and display name. Validation mirrors `streamDetailsSchema`
 * (lambdas/shared/domain/streamers.ts) within what APPSYNC_JS allows (no regex). A category
 * change while live reaches the category list on the next go-live (GSI3 is written at Stream Start).
 */
import { util, type Context, type DynamoDBUpdateItemRequest } from '@aws-appsync/utils';
import { callerSub } from './lib/page';
import { failOnError } from './lib/errors';
import { profileKey } from '../../../lambdas/shared/domain/keys';

type Input = {
  title?: string | null;
  category?: string | null;
  tags?: string[] | null;
  language?: string | null;
  goingLiveMessage?: string | null;
  thumbnailUrl?: string | null;
  displayName?: string | null;
};

const LIMITS: Record<string, number> = {
  title: 140,
  category: 40,
  language: 5,
  goingLiveMessage: 280,
  thumbnailUrl: 2048,
  displayName: 50,
};

export function request(ctx: Context<{ input: Input }>): DynamoDBUpdateItemRequest {
  const input = ctx.args.input as Record<string, unknown>;
  const sets: string[] = ['updatedAt = :now'];
  const removes: string[] = [];
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = { ':now': util.time.nowISO8601() };
  Object.keys(LIMITS).forEach((field) => {
    const raw = input[field];
    if (raw === undefined) return;
    names[`#${field}`] = field;
    const value = raw === null ? '' : (raw as string).trim();
    const max = LIMITS[field] ?? 0;
    if (value.length > max) {
      util.error(`The ${field} can be at most ${max} characters.`, 'VALIDATION', null, { field });
    }
    if (field === 'thumbnailUrl' && value !== '' && !value.startsWith('https://') && !value.startsWith('http://')) {
      util.error('The thumbnail must be an http(s) URL.', 'VALIDATION', null, { field });
    }
    if (value === '') {
      removes.push(`#${field}`);
    } else {
      sets.push(`#${field} = :${field}`);
      values[`:${field}`] = value;
    }
  });
  if (input.tags !== undefined) {
    const tags = ((input.tags ?? []) as string[]).map((t) => t.trim().toLowerCase());
    if (tags.length > 10) {
      util.error('At most 10 tags', 'VALIDATION', null, { field: 'tags' });
    }
    tags.forEach((t) => {
      if (t.length < 1 || t.length > 25) {
        util.error('Each tag has 1 to 25 characters', 'VALIDATION', null, { field: 'tags' });
      }
    });
    sets.push('tags = :tags');
    values[':tags'] = tags.filter((t, i) => tags.indexOf(t) === i);
  }
  let expression = `SET ${sets.join(', ')}`;
  if (removes.length > 0) expression = `${expression} REMOVE ${removes.join(', ')}`;
  return {
    operation: 'UpdateItem',
    key: util.dynamodb.toMapValues(profileKey(callerSub(ctx))),
    update: {
      expression,
      expressionNames: Object.keys(names).length > 0 ? names : undefined,
      expressionValues: util.dynamodb.toMapValues(values),
    },
    condition: { expression: 'attribute_exists(PK)' },
  };
}

export function response(ctx: Context): unknown {
  if (ctx.error) {
    if (ctx.error.type === 'DynamoDB:ConditionalCheckFailedException') {
      util.error('Set up your channel first.', 'NOT_FOUND');
    }
    failOnError(ctx);
  }
  return ctx.result;
}
