/**
 * Handles: the public name of a user (chosen as Cognito `preferred_username` at sign-up), unique
 * across the platform through a `HANDLE#<lowercased>` claim item written with a condition; the
 * platform-owned copy lives in the account item (lambdas/shared/accounts.ts).
 */
import { z } from 'zod';

/** 3-30 characters: letters, digits, underscore, dot; no leading/trailing dot. */
export const handleSchema = z
  .string()
  .trim()
  .min(3, 'A handle has at least 3 characters')
  .max(30, 'A handle has at most 30 characters')
  .regex(/^[A-Za-z0-9_](?:[A-Za-z0-9_.]*[A-Za-z0-9_])?$/, 'Use letters, digits, underscore or dot');
