/**
 * Entity ids: `<kind>_` + 20 Crockford base32 characters (100 random bits), e.g.
 * `prd_7M2Q9XK4D1HZC0B8TNVWR3FY`. Fixed length, URL-safe, case-insensitive-unambiguous (no I, L,
 * O, U). 100 bits make a collision vanishingly rare; writes still use attribute_not_exists(PK) so
 * one would surface as an error (CONFLICT) instead of an overwrite.
 *
 * Two generators produce the same format: `newId` (Lambdas, crypto.getRandomValues) and
 * `idFromUuid` (APPSYNC_JS resolvers, which only have util.autoId(): 100 of the uuid-v4's 122
 * random bits, skipping its fixed version and variant nibbles).
 */
export const ID_KINDS = { product: 'prd', bid: 'bid', sale: 'sal', order: 'ord', moderation: 'mod' } as const;
export type IdKind = keyof typeof ID_KINDS;

export const CROCKFORD_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
export const ID_BODY_LENGTH = 20;

/** Random id of a kind, from crypto.getRandomValues. */
export function newId(kind: IdKind): string {
  const bytes = new Uint8Array(ID_BODY_LENGTH);
  crypto.getRandomValues(bytes);
  let body = '';
  for (const b of bytes) body += CROCKFORD_ALPHABET[b & 31];
  return `${ID_KINDS[kind]}_${body}`;
}

/** Same format from a uuid v4 (APPSYNC_JS: `idFromUuid('prd', util.autoId())`). */
export function idFromUuid(prefix: string, uuid: string): string {
  const hex = uuid.split('-').join('');
  // Drop the version nibble (index 12) and the variant nibble (index 16): both are fixed.
  const random = hex.slice(0, 12) + hex.slice(13, 16) + hex.slice(17);
  let body = '';
  for (const group of [0, 5, 10, 15, 20]) {
    const n = parseInt(random.slice(group, group + 5), 16);
    body +=
      CROCKFORD_ALPHABET.charAt(Math.floor(n / 32768) % 32) +
      CROCKFORD_ALPHABET.charAt(Math.floor(n / 1024) % 32) +
      CROCKFORD_ALPHABET.charAt(Math.floor(n / 32) % 32) +
      CROCKFORD_ALPHABET.charAt(n % 32);
  }
  return `${prefix}_${body}`;
}

/** Whether `id` has the format of `kind`. */
export function isId(kind: IdKind, id: string): boolean {
  const prefix = `${ID_KINDS[kind]}_`;
  if (!id.startsWith(prefix) || id.length !== prefix.length + ID_BODY_LENGTH) return false;
  return [...id.slice(prefix.length)].every((c) => CROCKFORD_ALPHABET.includes(c));
}
