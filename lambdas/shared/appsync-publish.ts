/**
 * Publishes subscription events from Lambdas: a SigV4-signed POST of an IAM-only `publish*`
 * mutation to the AppSync endpoint in env GRAPHQL_URL. AppSync delivers a mutation's result to the
 * subscriptions listening on it, so this is how back-end work reaches connected clients.
 */
import { Sha256 } from '@aws-crypto/sha256-js';
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import { ENV, requireEnv } from './env';

/** A GraphQL error entry as AppSync returns it. */
export interface GraphQLErrorEntry {
  message: string;
  errorType?: string;
  path?: readonly (string | number)[];
}

/** The endpoint answered with GraphQL errors or a non-2xx status. */
export class AppSyncPublishError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly errors: readonly GraphQLErrorEntry[],
  ) {
    super(message);
    this.name = 'AppSyncPublishError';
  }
}

// One credential chain per module: it caches credentials and refreshes them before expiry.
const credentials = defaultProvider();

function region(url: URL): string {
  const fromEnv = process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION;
  if (fromEnv) return fromEnv;
  // https://<id>.appsync-api.<region>.amazonaws.com/graphql
  const parts = url.hostname.split('.');
  const i = parts.indexOf('appsync-api');
  return i >= 0 && parts[i + 1] ? parts[i + 1]! : 'us-east-1';
}

/**
 * Sends `mutation` with `variables` to GRAPHQL_URL, signed for service `appsync`, and returns the
 * response's `data`. Throws `AppSyncPublishError` on a non-2xx answer or any GraphQL error.
 */
export async function publish(mutation: string, variables: Record<string, unknown>): Promise<unknown> {
  const url = new URL(requireEnv(ENV.GRAPHQL_URL));
  const body = JSON.stringify({ query: mutation, variables });
  const request = new HttpRequest({
    method: 'POST',
    protocol: url.protocol,
    hostname: url.hostname,
    port: url.port ? Number(url.port) : undefined,
    path: url.pathname,
    headers: {
      'content-type': 'application/json',
      // SigV4 signs the host header; include the port when it is not the default.
      host: url.host,
    },
    body,
  });
  const signer = new SignatureV4({ credentials, region: region(url), service: 'appsync', sha256: Sha256 });
  const signed = await signer.sign(request);

  const response = await fetch(url, { method: 'POST', headers: signed.headers, body });
  const text = await response.text();
  let payload: { data?: unknown; errors?: GraphQLErrorEntry[] } = {};
  try {
    payload = text ? (JSON.parse(text) as typeof payload) : {};
  } catch {
    throw new AppSyncPublishError(`AppSync answered ${response.status} with a non-JSON body`, response.status, []);
  }
  if (!response.ok || (payload.errors && payload.errors.length > 0)) {
    const errors = payload.errors ?? [];
    const first = errors[0];
    const message = first
      ? `${first.errorType ?? 'GraphQLError'}: ${first.message}`
      : `AppSync answered ${response.status}`;
    throw new AppSyncPublishError(message, response.status, errors);
  }
  return payload.data ?? null;
}
