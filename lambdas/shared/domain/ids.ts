/**
 * Entity ids: `<kind>_` + 20 Crockford base32 characters (100 random bits), e.g.
 * `prd_7M2Q9XK4D1HZC0B8TNVWR3FY`. Fixed length, URL-safe, case-insensitive-unambiguous (no I, L,
 * O, U). 100 bits make a collision vanishingly rare; writes still use attribute_not_exists(PK) so
 * one would surface as an error (CONFLICT) instead of an overwrite.
 *
 * Two encoders produce the same format: `idFromBytes` (Lambdas: `newId` from crypto.getRandomValues,
 * and ids derived from a hash) and
 * `idFromUuid` (APPSYNC_JS resolvers, which only have util.autoId(): 100 of the uuid-v4's 122
 * random bits, skipping its fixed version and variant nibbles).
 */
export const ID_KINDS = {
  product: 'prd',
  bid: 'bid',
  sale: 'sal',
  order: 'ord',
  moderation: 'mod',
  battle: 'btl',
} as const;
export type IdKind = keyof typeof ID_KINDS;

export const CROCKFORD_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
export const ID_BODY_LENGTH = 20;

/**
 * `<prefix>_` + 20 Crockford base32 characters read from `bytes`, five bits at a time, most
 * significant first (13 bytes or more give all 100 bits). The one encoder for every id of this
 * format: random ids, and ids derived from a hash (recordings, notifications) that must stay stable.
 */
export function idFromBytes(prefix: string, bytes: Uint8Array): string {
  let body = '';
  let value = 0;
  let bits = 0;
  for (const byte of bytes) {
    if (body.length >= ID_BODY_LENGTH) break;
    value = (value << 8) | byte;
    bits += 8;
    // At most 12 bits are pending after a byte, so at most two characters come out of it.
    if (bits >= 5 && body.length < ID_BODY_LENGTH) {
      body += CROCKFORD_ALPHABET.charAt((value >>> (bits - 5)) & 31);
      bits -= 5;
    }
    if (bits >= 5 && body.length < ID_BODY_LENGTH) {
      body += CROCKFORD_ALPHABET.charAt((value >>> (bits - 5)) & 31);
      bits -= 5;
    }
    value &= (1 << bits) - 1;
  }
  return `${prefix}_${body}`;
}

/** Random id of a kind, from crypto.getRandomValues (13 bytes: 100 of their 104 bits are used). */
export function newId(kind: IdKind): string {
  return idFromBytes(ID_KINDS[kind], crypto.getRandomValues(new Uint8Array(13)));
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
