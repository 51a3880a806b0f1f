/** Password rules of the user pool (8+ chars, upper, lower, digit, symbol), as live checklist items. */
export function passwordChecks(pw: string): { label: string; ok: boolean }[] {
  return [
    { label: 'At least 8 characters', ok: pw.length >= 8 },
    { label: 'An uppercase letter', ok: /[A-Z]/.test(pw) },
    { label: 'A lowercase letter', ok: /[a-z]/.test(pw) },
    { label: 'A number', ok: /\d/.test(pw) },
    { label: 'A symbol', ok: /[^A-Za-z0-9]/.test(pw) },
  ];
}

/** Handle rules (preferred_username): 3–24 lowercase letters, digits or underscores, starting with a letter. */
export function handleError(handle: string): string | null {
  if (!/^[a-z][a-z0-9_]{2,23}$/.test(handle)) return '3–24 characters: lowercase letters, digits, underscore; start with a letter';
  return null;
}

/** Basic email shape check (the pool is the authority). */
export function emailError(email: string): string | null {
  return /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email) ? null : 'Enter a valid email address';
}

/** Sign-in flow: local Cognito emulation lacks SRP, so it uses USER_PASSWORD_AUTH when an endpoint override is set. */
export function authFlowFor(userPoolEndpoint: string | undefined): 'USER_PASSWORD_AUTH' | 'USER_SRP_AUTH' {
  return userPoolEndpoint ? 'USER_PASSWORD_AUTH' : 'USER_SRP_AUTH';
}
