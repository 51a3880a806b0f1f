/**
 * IAM in the local mode: the synthesized template's role policies, evaluated by the local AWS
 * stand-ins for every call a Lambda makes (see docs/local-mode.md, "IAM"). Calls that name no
 * caller (test setup, the local AppSync's own DynamoDB data source, the stream poller, browsers
 * reading the bucket) are left unchecked.
 */
import { stampOutgoingRequests } from './caller';
import { createAuthorizer, type Authorizer } from './evaluator';
import {
  principalsFromTemplate,
  synthesizeTemplate,
  type CfnTemplate,
  type LocalNames,
  type Principal,
} from './template';

export { AccessDeniedError, type Authorizer, type AuthzRequest, type Denial } from './evaluator';
export { callerOf, runAs, CALLER_HEADER } from './caller';

export interface LocalIam {
  authorizer: Authorizer;
  /** Principals by caller name; tests may edit a principal's policies to prove a refusal. */
  principals: Map<string, Principal>;
}

let synthesized: CfnTemplate | undefined;

/**
 * Synthesizes the platform (once per process), reads every function's role policies with the
 * local names, and installs the hook that stamps each Lambda's outgoing requests with its name.
 */
export function createLocalIam(names: LocalNames): LocalIam {
  synthesized ??= synthesizeTemplate();
  const principals = principalsFromTemplate(synthesized, names);
  stampOutgoingRequests();
  return { principals, authorizer: createAuthorizer({ principals, account: names.account }) };
}
