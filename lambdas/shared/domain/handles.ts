/**
 * Handles: the public name of a user (Cognito `preferred_username`), unique across the platform
 * through a `HANDLE#<lowercased>` claim item written with a condition.
 */
import { z } from 'zod';

/** 3-30 characters: letters, digits, underscore, dot; no leading/trailing dot. */
export const handleSchema = z
  .string()
  .trim()
  .min(3, 'A handle has at least 3 characters')
  .max(30, 'A handle has at most 30 characters')
  .regex(/^[A-Za-z0-9_](?:[A-Za-z0-9_.]*[A-Za-z0-9_])?$/, 'Use letters, digits, underscore or dot');

/** Key of a handle's claim item: case-insensitive uniqueness. */
export function handleKey(handle: string): { PK: string; SK: 'HANDLE' } {
  return { PK: `HANDLE#${handle.toLowerCase()}`, SK: 'HANDLE' };
}
