/**
 * SNS subscription filter policies (scope MessageAttributes), the subset the platform and common
 * use need: exact strings/numbers, `prefix`, `suffix`, `anything-but`, `exists`, `numeric` ranges,
 * OR within a key, AND across keys, `$or` at the top level.
 */

export interface MessageAttribute { DataType: string; StringValue?: string }

type Condition = string | number | boolean | null | Record<string, unknown>;

function numericMatch(value: number, spec: unknown[]): boolean {
  for (let i = 0; i + 1 < spec.length; i += 2) {
    const op = spec[i];
    const bound = Number(spec[i + 1]);
    const ok = op === '=' ? value === bound : op === '<' ? value < bound : op === '<=' ? value <= bound
      : op === '>' ? value > bound : op === '>=' ? value >= bound : false;
    if (!ok) return false;
  }
  return true;
}

function valuesOf(attr: MessageAttribute): (string | number)[] {
  if (attr.DataType === 'String.Array' && attr.StringValue) {
    try {
      const parsed: unknown = JSON.parse(attr.StringValue);
      if (Array.isArray(parsed)) return parsed.filter((v): v is string | number => typeof v === 'string' || typeof v === 'number');
    } catch {
      return [];
    }
  }
  if (attr.DataType.startsWith('Number')) return [Number(attr.StringValue)];
  return [attr.StringValue ?? ''];
}

function conditionMatches(condition: Condition, attr: MessageAttribute | undefined): boolean {
  if (condition !== null && typeof condition === 'object') {
    if ('exists' in condition) return (attr !== undefined) === (condition.exists === true);
    if (!attr) return false;
    const values = valuesOf(attr);
    if ('prefix' in condition) return values.some((v) => typeof v === 'string' && v.startsWith(String(condition.prefix)));
    if ('suffix' in condition) return values.some((v) => typeof v === 'string' && v.endsWith(String(condition.suffix)));
    if ('anything-but' in condition) {
      const raw = condition['anything-but'];
      const excluded = Array.isArray(raw) ? raw : [raw];
      return values.every((v) => !excluded.includes(v));
    }
    if ('numeric' in condition && Array.isArray(condition.numeric)) {
      return values.some((v) => typeof v === 'number' && numericMatch(v, condition.numeric as unknown[]));
    }
    return false;
  }
  if (!attr) return false;
  return valuesOf(attr).some((v) => v === condition || (typeof condition === 'number' && Number(v) === condition));
}

/** Whether a message with `attributes` passes `policy` (no policy: everything passes). */
export function matchesFilterPolicy(policy: Record<string, unknown> | undefined, attributes: Record<string, MessageAttribute>): boolean {
  if (!policy) return true;
  return Object.entries(policy).every(([key, spec]) => {
    if (key === '$or' && Array.isArray(spec)) {
      return spec.some((alt) => matchesFilterPolicy(alt as Record<string, unknown>, attributes));
    }
    const conditions = (Array.isArray(spec) ? spec : [spec]) as Condition[];
    return conditions.some((c) => conditionMatches(c, attributes[key]));
  });
}
