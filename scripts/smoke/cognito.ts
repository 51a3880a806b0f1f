/**
 * The few Cognito user pool calls the smoke test makes, on Cognito's JSON wire protocol.
 *
 * `@aws-sdk/client-cognito-identity-provider` is not a dependency of this repository, so the calls
 * are plain HTTPS POSTs: the public ones (SignUp, InitiateAuth) unsigned, as the web app sends
 * them; the admin ones (AdminConfirmSignUp, AdminDeleteUser) SigV4-signed with the operator's
 * credentials through `@smithy/signature-v4`, the signer the SDK itself uses. cognito-local (the
 * local mode) speaks the same protocol, so the same code runs against both.
 */
import { Sha256 } from '@aws-crypto/sha256-js';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';

/** An error Cognito answered: `name` is its `__type` (e.g. `UsernameExistsException`). */
export class CognitoError extends Error {
  constructor(
    readonly operation: string,
    override readonly name: string,
    message: string,
    readonly status: number,
  ) {
    super(`${operation} failed: ${name}${message ? `: ${message}` : ''}`);
  }
}

export interface CognitoClientOptions {
  region: string;
  /** `https://cognito-idp.<region>.amazonaws.com/` unless given (the local mode's `userPoolEndpoint`). */
  endpoint?: string;
  /** For the Admin* calls; never needed by the public ones. */
  credentials?: AwsCredentialIdentity | AwsCredentialIdentityProvider;
  fetch?: typeof fetch;
}

/** Cognito user pool API client: public calls unsigned, admin calls signed with SigV4. */
export class CognitoClient {
  private readonly url: URL;
  private readonly signer?: SignatureV4;
  private readonly fetch: typeof fetch;

  constructor(private readonly opts: CognitoClientOptions) {
    this.url = new URL(opts.endpoint ?? `https://cognito-idp.${opts.region}.amazonaws.com/`);
    this.fetch = opts.fetch ?? fetch;
    if (opts.credentials) {
      this.signer = new SignatureV4({
        service: 'cognito-idp',
        region: opts.region,
        credentials: opts.credentials,
        sha256: Sha256,
      });
    }
  }

  /** Calls an operation that needs no AWS credentials (what a browser sends). */
  call<T = Record<string, unknown>>(operation: string, body: Record<string, unknown>): Promise<T> {
    return this.send<T>(operation, body, false);
  }

  /** Calls an Admin* operation, signed with the operator's credentials. */
  admin<T = Record<string, unknown>>(operation: string, body: Record<string, unknown>): Promise<T> {
    if (!this.signer) throw new Error(`${operation} needs AWS credentials, and none were given.`);
    return this.send<T>(operation, body, true);
  }

  private async send<T>(operation: string, body: Record<string, unknown>, signed: boolean): Promise<T> {
    const payload = JSON.stringify(body);
    let request = new HttpRequest({
      method: 'POST',
      protocol: this.url.protocol,
      hostname: this.url.hostname,
      port: this.url.port ? Number(this.url.port) : undefined,
      path: this.url.pathname,
      headers: {
        host: this.url.host,
        'content-type': 'application/x-amz-json-1.1',
        'x-amz-target': `AWSCognitoIdentityProviderService.${operation}`,
      },
      body: payload,
    });
    if (signed && this.signer) request = (await this.signer.sign(request)) as HttpRequest;
    const res = await this.fetch(this.url, { method: 'POST', headers: request.headers, body: payload });
    const text = await res.text();
    const json = (text ? JSON.parse(text) : {}) as Record<string, unknown>;
    if (!res.ok) {
      // `__type` may carry a namespace prefix (`com.amazonaws...#NotAuthorizedException`).
      const type = String(json.__type ?? `HTTP ${res.status}`)
        .split('#')
        .pop() as string;
      throw new CognitoError(operation, type, String(json.message ?? json.Message ?? ''), res.status);
    }
    return json as T;
  }
}
