/**
 * The demo's clients hold nothing but what a visitor's browser holds: the web app's public runtime
 * config (`/runtime-config.json`), an account signed up through Cognito (the confirmation code read
 * from the outbox, where a person reads theirs), and the same GraphQL documents the web app sends
 * (frontend/src/lib/queries.ts) with the user's ID token, as the web app sends them.
 */
import { gql, GraphqlError, signIn, signUpAndIn } from '../client';
import { runtimeConfigSchema, type RuntimeConfig } from '../../frontend/src/lib/config';
import type { Document } from '../../frontend/src/lib/graphql/document';
import type { DemoAccount } from './accounts';

/** Reads the web app's runtime config as the browser does. */
export async function loadRuntimeConfig(webUrl: string): Promise<RuntimeConfig> {
  const res = await fetch(`${webUrl.replace(/\/$/, '')}/runtime-config.json`);
  if (!res.ok) throw new Error(`${webUrl}/runtime-config.json answered ${res.status}`);
  return runtimeConfigSchema.parse(await res.json());
}

/** Where a signed-out visitor's calls go. */
export class Guest {
  constructor(readonly config: RuntimeConfig) {}

  /** One GraphQL operation without sign-in (the local mode's guest access). */
  call<R, V>(doc: Document<R, V>, variables: V): Promise<R> {
    return gql<R>(this.config.graphqlUrl, doc, variables as Record<string, unknown>);
  }
}

/** Seconds before its expiry an ID token is replaced by a new sign-in. */
const RENEW_BEFORE_S = 300;

const expiryOf = (jwt: string): number =>
  ((JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString('utf8')) as { exp?: number }).exp ?? 0) *
  1000;

/** A signed-in user: their id and handle, and calls made with their ID token, renewed before it expires. */
export class UserSession extends Guest {
  private idToken: string;
  private expiresAt: number;

  private constructor(
    config: RuntimeConfig,
    readonly account: DemoAccount,
    readonly userId: string,
    idToken: string,
  ) {
    super(config);
    this.idToken = idToken;
    this.expiresAt = expiryOf(idToken);
  }

  get handle(): string {
    return this.account.handle;
  }

  /** Signs `account` up (confirming it with the code from `outboxDir`) or, when it exists, in. */
  static async open(config: RuntimeConfig, account: DemoAccount, outboxDir: string): Promise<UserSession> {
    if (!config.userPoolEndpoint)
      throw new Error('The runtime config names no Cognito endpoint: the demo audience needs the local mode.');
    const s = await signUpAndIn({
      cognitoUrl: config.userPoolEndpoint,
      clientId: config.userPoolClientId,
      outboxDir,
      ...account,
    });
    return new UserSession(config, account, s.sub, s.idToken);
  }

  private async renew(): Promise<void> {
    const s = await signIn({
      cognitoUrl: this.config.userPoolEndpoint ?? '',
      clientId: this.config.userPoolClientId,
      email: this.account.email,
      password: this.account.password,
    });
    this.idToken = s.idToken;
    this.expiresAt = expiryOf(s.idToken);
  }

  /** The current ID token (for the chat's token provider). */
  async token(): Promise<string> {
    if (this.expiresAt - Date.now() < RENEW_BEFORE_S * 1000) await this.renew();
    return this.idToken;
  }

  /** One GraphQL operation as this user; a token refused as expired is renewed once. */
  override async call<R, V>(doc: Document<R, V>, variables: V): Promise<R> {
    try {
      return await gql<R>(this.config.graphqlUrl, doc, variables as Record<string, unknown>, await this.token());
    } catch (error) {
      if (!(error instanceof GraphqlError && error.types.includes('UnauthorizedException'))) throw error;
      await this.renew();
      return gql<R>(this.config.graphqlUrl, doc, variables as Record<string, unknown>, this.idToken);
    }
  }
}

/** The GraphQL error type of a refusal (BID_TOO_LOW, STREAM_NOT_LIVE, ...), or undefined for other failures. */
export function refusalOf(error: unknown): string | undefined {
  return error instanceof GraphqlError ? error.types[0] : undefined;
}
