/** EventBridge pattern matching for the patterns the platform uses (exact values, `exists`, nested detail). */
export function matchesPattern(pattern: Record<string, unknown>, event: Record<string, unknown>): boolean {
  for (const [key, expected] of Object.entries(pattern)) {
    const actual = event[key];
    if (Array.isArray(expected)) {
      const values = Array.isArray(actual) ? actual : [actual];
      // `{ exists: true|false }` as Lambda's event filters and EventBridge write it; any other element is an exact value.
      const matches = (e: unknown) =>
        e && typeof e === 'object' && 'exists' in e
          ? (e as { exists: unknown }).exists === (actual !== undefined)
          : values.some((v) => v === e);
      if (!expected.some(matches)) return false;
    } else if (expected && typeof expected === 'object') {
      if (
        !actual ||
        typeof actual !== 'object' ||
        !matchesPattern(expected as Record<string, unknown>, actual as Record<string, unknown>)
      )
        return false;
    } else if (actual !== expected) {
      return false;
    }
  }
  return true;
}
