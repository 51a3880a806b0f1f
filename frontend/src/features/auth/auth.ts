/** The user pool's minimum password length (lib/constructs/auth.ts, local/auth/cognito.ts). */
export const PASSWORD_MIN_LENGTH = 12;

/** Password rules of the user pool (12+ chars, upper, lower, digit, symbol), as live checklist items. */
export function passwordChecks(pw: string): { label: string; ok: boolean }[] {
  return [
    { label: `At least ${PASSWORD_MIN_LENGTH} characters`, ok: pw.length >= PASSWORD_MIN_LENGTH },
    { label: 'An uppercase letter', ok: /[A-Z]/.test(pw) },
    { label: 'A lowercase letter', ok: /[a-z]/.test(pw) },
    { label: 'A number', ok: /\d/.test(pw) },
    { label: 'A symbol', ok: /[^A-Za-z0-9]/.test(pw) },
  ];
}

/** Handle rules (preferred_username): 3–24 lowercase letters, digits or underscores, starting with a letter. */
export function handleError(handle: string): string | null {
  if (!/^[a-z][a-z0-9_]{2,23}$/.test(handle))
    return '3–24 characters: lowercase letters, digits, underscore; start with a letter';
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

/** The auth form a message is for: the same error means different next steps on each. */
export type AuthFormMode = 'signin' | 'register' | 'confirm' | 'forgot' | 'reset';

const TRY_LATER = 'Too many attempts. Wait a few minutes, then try again.';

/**
 * A sentence a person understands for an error from Cognito or the Amplify auth client, chosen by the
 * error's name (Cognito's exception type, or Amplify's validation and network names) and, where one
 * name covers several cases, its message. Unknown errors get a generic sentence, never the raw text.
 */
export function authErrorMessage(error: unknown, mode: AuthFormMode): string {
  const name =
    typeof error === 'object' && error !== null && 'name' in error ? String((error as { name: unknown }).name) : '';
  const message = error instanceof Error ? error.message : typeof error === 'string' ? error : '';
  switch (name) {
    case 'UsernameExistsException':
    case 'AliasExistsException':
      return 'An account with this email already exists. Log in, or use "Forgot password?" if you do not remember the password.';
    case 'CodeMismatchException':
      return 'That code is not right. Check the latest email we sent you and try again.';
    case 'ExpiredCodeException':
      return mode === 'reset'
        ? 'That code has expired. Start the password reset again to get a new one.'
        : 'That code has expired. Use "Resend code" to get a new one.';
    case 'NotAuthorizedException':
      if (/already confirmed|current status is confirmed/i.test(message))
        return 'This account is already confirmed. Log in to continue.';
      if (/attempts exceeded/i.test(message)) return TRY_LATER;
      if (/disabled/i.test(message)) return 'This account is disabled. Contact support if you think this is a mistake.';
      return mode === 'signin'
        ? 'The email or password is not right.'
        : 'You are not allowed to do that. Log in again and retry.';
    case 'UserNotFoundException':
      return mode === 'signin'
        ? 'The email or password is not right.'
        : 'No account uses this email. Check it, or sign up.';
    case 'UserNotConfirmedException':
      return 'Confirm your email first: enter the code we sent you.';
    case 'InvalidPasswordException':
      return `This password does not meet the rules: at least ${PASSWORD_MIN_LENGTH} characters, with an uppercase and a lowercase letter, a number and a symbol.`;
    case 'InvalidParameterException':
      if (/already confirmed/i.test(message)) return 'This account is already confirmed. Log in to continue.';
      if (/password/i.test(message))
        return `This password does not meet the rules: at least ${PASSWORD_MIN_LENGTH} characters, with an uppercase and a lowercase letter, a number and a symbol.`;
      return 'Some of the details are not valid. Check them and try again.';
    case 'LimitExceededException':
    case 'TooManyRequestsException':
    case 'TooManyFailedAttemptsException':
      return TRY_LATER;
    case 'CodeDeliveryFailureException':
      return 'We could not send the code. Check the email address and try again.';
    case 'UserLambdaValidationException': {
      // The platform's own trigger refused: its message (after Cognito's prefix) is already a sentence for people.
      const reason = /failed with error (.+?)\.?$/.exec(message)?.[1];
      return reason ? `${reason}.` : 'This sign-up was refused. Check the details and try again.';
    }
    case 'EmptySignInUsername':
    case 'EmptySignUpUsername':
    case 'EmptyConfirmSignUpUsername':
    case 'EmptyResendSignUpCodeUsername':
    case 'EmptyResetPasswordUsername':
    case 'EmptyConfirmResetPasswordUsername':
      return 'Enter your email address.';
    case 'EmptySignInPassword':
    case 'EmptySignUpPassword':
    case 'EmptyConfirmResetPasswordNewPassword':
      return 'Enter a password.';
    case 'EmptyConfirmSignUpCode':
    case 'EmptyConfirmResetPasswordConfirmationCode':
      return 'Enter the code from the email we sent you.';
    case 'NetworkError':
      return 'We cannot reach the sign-in service. Check your connection and try again.';
    case 'UnsupportedSignInStep':
      return 'This account needs a sign-in step this app does not offer yet. Contact support.';
    case 'UserAlreadyAuthenticatedException':
      return 'You are already logged in.';
    default:
      return 'Something went wrong on our side. Please try again in a moment.';
  }
}
