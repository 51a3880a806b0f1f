/**
 * Local AWS Secrets Manager: the calls the platform makes (GetSecretValue; DescribeSecret,
 * CreateSecret and PutSecretValue for setting secrets up) on Secrets Manager's JSON protocol, so
 * `@aws-sdk/client-secrets-manager` works unchanged through AWS_ENDPOINT_URL_SECRETS_MANAGER.
 * Secrets live in memory, seeded at start; each gets an ARN with Secrets Manager's random
 * 6-character suffix, which is what IAM (and the stack's `<name>-??????` grant) matches.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { listen, readBody } from '../http';
import { callerOf } from '../iam/caller';
import { AccessDeniedError, type Authorizer } from '../iam/evaluator';
import { secretsManagerRequests } from '../iam/requests';

export interface LocalSecretsManagerOptions {
  /** Secrets present from the start: name → SecretString. */
  secrets?: Record<string, string>;
  /** 0 = a free port. */
  port?: number;
  /** When set, every call is authorized for its calling function (IAM in the local mode). */
  iam?: Authorizer;
  region?: string;
  account?: string;
}

export interface LocalSecretsManager {
  url: string;
  /** The ARN of a secret by name. */
  arnOf(name: string): string | undefined;
  stop(): Promise<void>;
}

interface StoredSecret {
  arn: string;
  name: string;
  value: string;
  versionId: string;
  createdAt: number;
}

class SecretsError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

const SUFFIX_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const suffix = () => [...randomBytes(6)].map((b) => SUFFIX_ALPHABET.charAt(b % SUFFIX_ALPHABET.length)).join('');

export async function startLocalSecretsManager(opts: LocalSecretsManagerOptions = {}): Promise<LocalSecretsManager> {
  const region = opts.region ?? 'us-east-1';
  const account = opts.account ?? '000000000000';
  const byName = new Map<string, StoredSecret>();
  const create = (name: string, value: string): StoredSecret => {
    const secret = {
      arn: `arn:aws:secretsmanager:${region}:${account}:secret:${name}-${suffix()}`,
      name,
      value,
      versionId: randomUUID(),
      createdAt: Date.now() / 1000,
    };
    byName.set(name, secret);
    return secret;
  };
  for (const [name, value] of Object.entries(opts.secrets ?? {})) create(name, value);
  // SecretId is a name or a full ARN (a partial ARN is not served).
  const find = (id: unknown): StoredSecret => {
    const secret =
      typeof id === 'string' ? (byName.get(id) ?? [...byName.values()].find((s) => s.arn === id)) : undefined;
    if (!secret)
      throw new SecretsError('ResourceNotFoundException', "Secrets Manager can't find the specified secret.");
    return secret;
  };

  const send = (res: ServerResponse, status: number, body: unknown) =>
    res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' }).end(JSON.stringify(body));

  const server = createServer(async (req, res) => {
    try {
      const target = String(req.headers['x-amz-target'] ?? '');
      const operation = target.replace(/^secretsmanager\./, '');
      const body = JSON.parse((await readBody(req)) || '{}') as Record<string, unknown>;
      const caller = callerOf(req);
      switch (operation) {
        case 'GetSecretValue':
        case 'DescribeSecret': {
          const secret = find(body.SecretId);
          await opts.iam?.enforce(caller, secretsManagerRequests(operation, secret.arn));
          send(
            res,
            200,
            operation === 'GetSecretValue'
              ? {
                  ARN: secret.arn,
                  Name: secret.name,
                  SecretString: secret.value,
                  VersionId: secret.versionId,
                  VersionStages: ['AWSCURRENT'],
                  CreatedDate: secret.createdAt,
                }
              : { ARN: secret.arn, Name: secret.name, CreatedDate: secret.createdAt },
          );
          return;
        }
        case 'CreateSecret': {
          const name = String(body.Name ?? '');
          if (!name) throw new SecretsError('InvalidParameterException', 'You must provide a Name.');
          if (byName.has(name))
            throw new SecretsError(
              'ResourceExistsException',
              `The operation failed because the secret ${name} already exists.`,
            );
          await opts.iam?.enforce(
            caller,
            secretsManagerRequests(operation, `arn:aws:secretsmanager:${region}:${account}:secret:${name}-${suffix()}`),
          );
          const secret = create(name, String(body.SecretString ?? ''));
          send(res, 200, { ARN: secret.arn, Name: secret.name, VersionId: secret.versionId });
          return;
        }
        case 'PutSecretValue': {
          const secret = find(body.SecretId);
          await opts.iam?.enforce(caller, secretsManagerRequests(operation, secret.arn));
          secret.value = String(body.SecretString ?? '');
          secret.versionId = randomUUID();
          send(res, 200, {
            ARN: secret.arn,
            Name: secret.name,
            VersionId: secret.versionId,
            VersionStages: ['AWSCURRENT'],
          });
          return;
        }
        default:
          throw new SecretsError(
            'UnknownOperationException',
            `The local Secrets Manager does not serve ${operation || 'this request'}.`,
          );
      }
    } catch (error) {
      const e =
        error instanceof SecretsError
          ? error
          : error instanceof AccessDeniedError
            ? new SecretsError('AccessDeniedException', error.message)
            : new SecretsError('InternalServiceError', (error as Error).message, 500);
      send(res, e.status, { __type: e.code, message: e.message });
    }
  });
  await listen(server, opts.port ?? 0, 'Local Secrets Manager');
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    arnOf: (name) => byName.get(name)?.arn,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
