import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseCodeDelivery, writeCodeDelivery } from '../../../../local/auth/cognito';

describe('code deliveries from cognito-local', () => {
  it("parse the side channel's lines and ignore anything else", () => {
    expect(
      parseCodeDelivery(
        '{"kind":"code-delivery","source":"ResendCode","username":"u1","destination":"a@b.co","code":"012345"}',
      ),
    ).toEqual({ source: 'ResendCode', destination: 'a@b.co', code: '012345', username: 'u1' });
    expect(parseCodeDelivery('not json')).toBeUndefined();
    expect(parseCodeDelivery('{"kind":"code-delivery","destination":"a@b.co"}')).toBeUndefined();
    expect(parseCodeDelivery('null')).toBeUndefined();
  });

  it('land in the outbox in delivery order, two in one millisecond included', () => {
    const dir = mkdtempSync(join(tmpdir(), 'outbox-'));
    try {
      writeCodeDelivery(dir, { source: 'SignUp', destination: 'a@b.co', code: '111111' }, 1);
      writeCodeDelivery(dir, { source: 'ResendCode', destination: 'a@b.co', code: '222222' }, 2);
      const codes = readdirSync(dir)
        .sort()
        .map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as { code: string; email: string; source: string });
      expect(codes.map((c) => [c.source, c.email, c.code])).toEqual([
        ['SignUp', 'a@b.co', '111111'],
        ['ResendCode', 'a@b.co', '222222'],
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
