/**
 * IAM for the IVS channels, stream keys and chat rooms the functions create at runtime: CDK has no
 * construct for them, so grants name ARN patterns of the account and region and are scoped by the
 * `platform` tag the platform sets on create (lambdas/shared/domain/streamers.ts reads it back).
 */
import { Stack } from 'aws-cdk-lib';
import { Grant, type IGrantable } from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';

/** Tag key whose value (the stage prefix) marks a runtime resource as this stage's. */
export const PLATFORM_TAG = 'platform';

/** Condition: the resource acted on carries this stage's tag. */
export const taggedBy = (prefix: string) => ({ StringEquals: { [`aws:ResourceTag/${PLATFORM_TAG}`]: prefix } });

/** Condition: the create (or TagResource) call sets this stage's tag. */
export const createdWithTag = (prefix: string) => ({ StringEquals: { [`aws:RequestTag/${PLATFORM_TAG}`]: prefix } });

/** `arn:<partition>:<service>:<region>:<account>:<type>/*` for runtime-created resources. */
export function runtimeArns(scope: Construct, service: 'ivs' | 'ivschat', type: string): string[] {
  const s = Stack.of(scope);
  return [`arn:${s.partition}:${service}:${s.region}:${s.account}:${type}/*`];
}

/** One statement on `grantee`'s policy; `conditions` omitted where the resource has nothing to check. */
export function grantOn(
  grantee: IGrantable,
  actions: string[],
  resourceArns: string[],
  conditions?: Record<string, Record<string, unknown>>,
): Grant {
  return Grant.addToPrincipal({ grantee, actions, resourceArns, ...(conditions ? { conditions } : {}) });
}
