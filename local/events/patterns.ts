/** EventBridge pattern matching for the patterns the platform uses (exact values, nested detail). */
export function matchesPattern(pattern: Record<string, unknown>, event: Record<string, unknown>): boolean {
  for (const [key, expected] of Object.entries(pattern)) {
    const actual = event[key];
    if (Array.isArray(expected)) {
      const values = Array.isArray(actual) ? actual : [actual];
      if (!expected.some((e) => values.some((v) => v === e))) return false;
    } else if (expected && typeof expected === 'object') {
      if (!actual || typeof actual !== 'object' || !matchesPattern(expected as Record<string, unknown>, actual as Record<string, unknown>)) return false;
    } else if (actual !== expected) {
      return false;
    }
  }
  return true;
}
