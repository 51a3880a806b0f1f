import { describe, expect, it } from 'vitest';
import { authErrorMessage, type AuthFormMode } from '../../../frontend/src/features/auth/auth';

/** An error as the Amplify auth client throws it: Cognito's exception type as the name, its raw message. */
const cognitoError = (name: string, message = 'raw service text') => Object.assign(new Error(message), { name });

describe('authErrorMessage', () => {
  it.each<[string, AuthFormMode, RegExp]>([
    ['UsernameExistsException', 'register', /already exists.*Log in/],
    ['CodeMismatchException', 'confirm', /code is not right/],
    ['ExpiredCodeException', 'confirm', /expired.*Resend code/],
    ['ExpiredCodeException', 'reset', /expired.*password reset again/],
    ['NotAuthorizedException', 'signin', /^The email or password is not right\.$/],
    ['UserNotFoundException', 'signin', /^The email or password is not right\.$/],
    ['UserNotFoundException', 'forgot', /No account uses this email/],
    ['InvalidPasswordException', 'register', /at least 12 characters/],
    ['LimitExceededException', 'confirm', /Too many attempts/],
    ['TooManyFailedAttemptsException', 'signin', /Too many attempts/],
    ['UserNotConfirmedException', 'signin', /Confirm your email first/],
    ['CodeDeliveryFailureException', 'register', /could not send the code/],
    ['NetworkError', 'signin', /cannot reach the sign-in service/],
    ['EmptyConfirmSignUpCode', 'confirm', /Enter the code/],
  ])('%s on the %s form reads as a sentence', (name, mode, expected) => {
    const text = authErrorMessage(cognitoError(name), mode);
    expect(text).toMatch(expected);
    expect(text).not.toContain('raw service text');
    expect(text).not.toContain('Exception');
  });

  it('tells the cases one Cognito name covers apart by their message', () => {
    expect(authErrorMessage(cognitoError('NotAuthorizedException', 'Password attempts exceeded'), 'signin')).toMatch(
      /Too many attempts/,
    );
    expect(authErrorMessage(cognitoError('NotAuthorizedException', 'User is disabled.'), 'signin')).toMatch(/disabled/);
    expect(
      authErrorMessage(
        cognitoError('NotAuthorizedException', 'User cannot be confirmed. Current status is CONFIRMED'),
        'confirm',
      ),
    ).toMatch(/already confirmed/);
    expect(
      authErrorMessage(cognitoError('InvalidParameterException', 'User is already confirmed.'), 'confirm'),
    ).toMatch(/already confirmed/);
    expect(
      authErrorMessage(
        cognitoError('InvalidParameterException', "1 validation error detected: Value at 'password' failed"),
        'register',
      ),
    ).toMatch(/at least 12/);
  });

  it("passes on the sentence of the platform's own trigger without Cognito's prefix", () => {
    expect(
      authErrorMessage(
        cognitoError('UserLambdaValidationException', 'PreSignUp failed with error That handle is taken.'),
        'register',
      ),
    ).toBe('That handle is taken.');
  });

  it("never shows an unknown error's raw text", () => {
    expect(authErrorMessage(new Error('ECONNRESET socket hang up'), 'signin')).toBe(
      'Something went wrong on our side. Please try again in a moment.',
    );
    expect(authErrorMessage('weird', 'signin')).not.toContain('weird');
    expect(authErrorMessage(undefined, 'signin')).toMatch(/try again/);
  });
});
