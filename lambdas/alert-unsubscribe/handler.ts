/**
 * One-click unsubscribe from go-live emails (RFC 8058), behind a Lambda function URL. Every email
 * links here and names this URL in `List-Unsubscribe`; mail clients POST to it
 * (`List-Unsubscribe=One-Click`). GET only shows a confirm button, because link scanners fetch
 * URLs in mail and must not unsubscribe anyone. The link carries the opt-in's own random token,
 * checked against the stored one, so a link works for exactly one (follower, streamer) pair.
 */
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { LambdaFunctionURLEvent, LambdaFunctionURLResult } from 'aws-lambda';
import { z } from 'zod';
import { ddb } from '../shared/clients';
import { ENV, requireEnv } from '../shared/env';
import { observability } from '../shared/logger';
import { unsubscribeTokenMatches } from '../shared/domain/alerts';
import { alertPreferenceKey } from '../shared/domain/keys';

const { logger } = observability('alert-unsubscribe');

const linkSchema = z.object({
  u: z.string().min(1).max(128),
  s: z.string().min(1).max(128),
  t: z.string().min(16).max(128),
});

interface PreferenceItem {
  handle?: string;
  unsubscribeToken?: string;
  email?: boolean;
}

/** INVALID for an unknown opt-in or a token that does not match; VALID = checked only (GET). */
export type UnsubscribeOutcome = { status: 'UNSUBSCRIBED' | 'VALID'; handle: string } | { status: 'INVALID' };

/** A structured function URL answer (never the bare-string shorthand). */
export type UrlResponse = Exclude<LambdaFunctionURLResult, string>;

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function page(status: number, title: string, body: string): UrlResponse {
  return {
    statusCode: status,
    headers: {
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-store',
      'content-security-policy':
        "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'",
      'referrer-policy': 'no-referrer',
    },
    body:
      `<!doctype html><html lang="en"><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>${escapeHtml(title)}</title>` +
      `<body style="font-family:system-ui,sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem"><h1>${escapeHtml(title)}</h1>${body}</body></html>`,
  };
}

/** Checks the link; with `apply`, turns the opt-in off (idempotent: an old link answers again). */
export async function unsubscribe(
  userId: string,
  streamerId: string,
  token: string,
  apply: boolean,
): Promise<UnsubscribeOutcome> {
  const table = requireEnv(ENV.TABLE_NAME);
  const { Item } = await ddb.send(
    new GetCommand({ TableName: table, Key: alertPreferenceKey(userId, streamerId), ConsistentRead: true }),
  );
  const pref = Item as PreferenceItem | undefined;
  if (!pref || !unsubscribeTokenMatches(pref.unsubscribeToken, token)) return { status: 'INVALID' };
  const handle = pref.handle ?? 'this streamer';
  if (!apply) return { status: 'VALID', handle };
  // Leaving the sparse GSI2 partition is what stops the emails: no later fan-out page reads the item.
  try {
    await ddb.send(
      new UpdateCommand({
        TableName: table,
        Key: alertPreferenceKey(userId, streamerId),
        UpdateExpression: 'SET email = :off, updatedAt = :now REMOVE GSI2PK, GSI2SK, emailAddress',
        // The item may have gone since the read (account deleted): never recreate it as a stub.
        ConditionExpression: 'unsubscribeToken = :token',
        ExpressionAttributeValues: { ':off': false, ':now': new Date().toISOString(), ':token': pref.unsubscribeToken },
      }),
    );
  } catch (error) {
    if ((error as { name?: string }).name === 'ConditionalCheckFailedException') return { status: 'INVALID' };
    throw error;
  }
  logger.info('unsubscribed from go-live emails', { userId, streamerId });
  return { status: 'UNSUBSCRIBED', handle };
}

/** Function URL target. */
export async function handler(event: LambdaFunctionURLEvent): Promise<UrlResponse> {
  const method = event.requestContext.http.method;
  if (method !== 'GET' && method !== 'POST') return { statusCode: 405, headers: { allow: 'GET, POST' }, body: '' };
  const link = linkSchema.safeParse(event.queryStringParameters ?? {});
  const invalid = () =>
    page(404, 'This unsubscribe link is not valid', '<p>Turn email alerts off on your account page instead.</p>');
  if (!link.success) return invalid();
  const { u, s, t } = link.data;
  const outcome = await unsubscribe(u, s, t, method === 'POST');
  if (outcome.status === 'INVALID') return invalid();
  const who = escapeHtml(outcome.handle);
  if (outcome.status === 'UNSUBSCRIBED') {
    return page(200, 'Unsubscribed', `<p>You will no longer get an email when ${who} goes live.</p>`);
  }
  const action = `?${new URLSearchParams({ u, s, t }).toString()}`;
  return page(
    200,
    `Stop emails from ${outcome.handle}?`,
    `<form method="post" action="${escapeHtml(action)}"><button type="submit">Unsubscribe from ${who}'s go-live emails</button></form>`,
  );
}
