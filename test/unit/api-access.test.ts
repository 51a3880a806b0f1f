import { describe, expect, it } from 'vitest';
import { iamAccess } from '../../lib/api/access';

describe('iamAccess', () => {
  const access = iamAccess();
  it('gives guests public reads and never a publish mutation', () => {
    expect(access.guest).toContain('Query.liveStreams');
    expect(access.guest).toContain('Mutation.createChatToken');
    expect(access.guest.some((f) => f.startsWith('Mutation.publish'))).toBe(false);
    expect(access.guest).not.toContain('Query.myStreamKey');
  });
  it('gives the backend exactly the publish mutations', () => {
    expect([...access.backend].sort()).toEqual([
      'Mutation.publishAuctionClosed',
      'Mutation.publishBattle',
      'Mutation.publishGift',
      'Mutation.publishNotification',
      'Mutation.publishStreamHealth',
      'Mutation.publishStreamStatus',
    ]);
  });
});
