/**
 * The direct-invoke payload AppSync sends to Lambda data sources (see lib/api/resolvers/lib/invoke.ts)
 * and the Cognito caller it carries.
 */
import { z } from 'zod';
import { DomainError } from './errors';
import { HANDLE_CLAIM } from './domain/claims';

export interface AppSyncInvokeEvent<A = Record<string, unknown>> {
  arguments: A;
  identity: unknown;
  source: Record<string, unknown> | null;
  info: { fieldName: string; parentTypeName: string };
}

const cognitoIdentitySchema = z.object({
  sub: z.string().min(1),
  username: z.string().optional(),
  claims: z.record(z.string(), z.unknown()).default({}),
});

/** The signed-in Cognito caller, or UNAUTHORIZED for guests and IAM callers. */
export interface Caller {
  userId: string;
  /** The platform-owned handle (the `handle` claim lambdas/account stamps), never `preferred_username`. */
  handle?: string;
  email?: string;
}

export function cognitoCaller(identity: unknown): Caller {
  const parsed = cognitoIdentitySchema.safeParse(identity);
  if (!parsed.success) throw new DomainError('UNAUTHORIZED', 'Sign in first.');
  const claims = parsed.data.claims;
  const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);
  return { userId: parsed.data.sub, handle: str(claims[HANDLE_CLAIM]), email: str(claims.email) };
}

/** Longest id argument accepted: ids are 24-40 characters; DynamoDB refuses keys past 2,048 bytes. */
export const MAX_ID_LENGTH = 256;

/**
 * An id argument (channel, user, recording, ...) checked before it goes into a key: present, not
 * blank, at most MAX_ID_LENGTH characters. VALIDATION naming the field otherwise, instead of the
 * DynamoDB ValidationException an over-long key would end in.
 */
export function idArgument(value: unknown, field: string): string {
  if (typeof value !== 'string' || !value.trim())
    throw new DomainError('VALIDATION', `Say which one: ${field} is required.`, { field });
  if (value.length > MAX_ID_LENGTH)
    throw new DomainError(
      'VALIDATION',
      `That ${field} is not one of ours: ids are at most ${MAX_ID_LENGTH} characters.`,
      { field },
    );
  return value;
}
