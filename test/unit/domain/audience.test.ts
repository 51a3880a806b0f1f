/** Who may watch: audience × viewer, Preview, and when the channel must require tokens. */
import { describe, expect, it } from 'vitest';
import {
  needsAuthorization,
  normalizeAllowList,
  watchVerdict,
  type AudienceFields,
  type Viewer,
} from '../../../lambdas/shared/domain/audience';
import { audienceSettingsSchema } from '../../../lambdas/shared/domain/audience-settings';

const OWNER = 'u-owner';
const viewers: Record<string, Viewer> = {
  guest: {},
  viewer: { userId: 'u-v', handle: 'Vera' },
  follower: { userId: 'u-f', handle: 'fay', follows: true },
  allowListed: { userId: 'u-a', handle: 'Al.Lee' },
  owner: { userId: OWNER, handle: 'own' },
  admin: { userId: 'u-adm', handle: 'adm', isAdmin: true },
};

const allowed = (fields: AudienceFields) =>
  Object.fromEntries(Object.entries(viewers).map(([who, v]) => [who, watchVerdict(OWNER, fields, v).allowed]));

describe('watchVerdict', () => {
  it('public: everyone', () => {
    expect(allowed({})).toEqual({
      guest: true,
      viewer: true,
      follower: true,
      allowListed: true,
      owner: true,
      admin: true,
    });
  });
  it('followers only: followers, the owner and admins', () => {
    expect(allowed({ audience: 'FOLLOWERS' })).toEqual({
      guest: false,
      viewer: false,
      follower: true,
      allowListed: false,
      owner: true,
      admin: true,
    });
    expect(watchVerdict(OWNER, { audience: 'FOLLOWERS' }, viewers.guest as Viewer)).toEqual({
      allowed: false,
      reason: 'FOLLOW_REQUIRED',
    });
  });
  it('private: the allow-list (handles case-insensitive), the owner and admins; following is not enough', () => {
    const fields: AudienceFields = { audience: 'PRIVATE', allowList: normalizeAllowList(['@al.lee', 'AL.LEE', ' ']) };
    expect(fields.allowList).toEqual(['al.lee']);
    expect(allowed(fields)).toEqual({
      guest: false,
      viewer: false,
      follower: false,
      allowListed: true,
      owner: true,
      admin: true,
    });
    expect(watchVerdict(OWNER, fields, viewers.follower as Viewer)).toEqual({ allowed: false, reason: 'PRIVATE' });
  });
  it('Preview: only the owner and admins, whatever the audience', () => {
    expect(allowed({ inPreview: true })).toEqual({
      guest: false,
      viewer: false,
      follower: false,
      allowListed: false,
      owner: true,
      admin: true,
    });
    expect(watchVerdict(OWNER, { inPreview: true }, viewers.follower as Viewer)).toEqual({
      allowed: false,
      reason: 'PREVIEW',
    });
  });
});

describe('settings', () => {
  it('a channel needs playback authorization unless it is public without Preview', () => {
    expect(needsAuthorization({ audience: 'PUBLIC', startInPreview: false })).toBe(false);
    expect(needsAuthorization({ audience: 'PUBLIC', startInPreview: true })).toBe(true);
    expect(needsAuthorization({ audience: 'FOLLOWERS', startInPreview: false })).toBe(true);
    expect(needsAuthorization({ audience: 'PRIVATE', startInPreview: false })).toBe(true);
  });
  it('the input schema defaults the flags and bounds the allow-list', () => {
    expect(audienceSettingsSchema.parse({ audience: 'PUBLIC' })).toEqual({
      audience: 'PUBLIC',
      allowList: [],
      ageRestricted: false,
      startInPreview: false,
    });
    expect(
      audienceSettingsSchema.safeParse({
        audience: 'PRIVATE',
        allowList: Array.from({ length: 201 }, (_, i) => `h${i}`),
      }).success,
    ).toBe(false);
    expect(audienceSettingsSchema.safeParse({ audience: 'SECRET' }).success).toBe(false);
  });
});
