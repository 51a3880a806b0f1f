import { ArnFormat, Stack, type RemovalPolicy } from 'aws-cdk-lib';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { CfnLoggingConfiguration, CfnWebACL, CfnWebACLAssociation } from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';
import { RATE_LIMITED_BODY, type RateLimit } from '../../lambdas/shared/domain/safety';

const RATE_LIMITED_BODY_KEY = 'rate-limited';

export interface FirewallProps {
  /** Prefix of every physical name, e.g. `lvs-dev`. */
  readonly prefix: string;
  /** ARNs of the regional resources the web ACL protects (the AppSync API). */
  readonly protect: readonly string[];
  /** Requests one IP may send per window before WAF blocks it (stage config safety.rateLimit). */
  readonly rateLimit: RateLimit;
  /** How long the WAF log keeps entries. */
  readonly logRetention: RetentionDays;
  /** What deleting the stack does to the log group. */
  readonly removalPolicy: RemovalPolicy;
}

/** The managed rule groups the web ACL runs, in order after the rate rule. */
export const MANAGED_RULE_GROUPS = ['AWSManagedRulesCommonRuleSet', 'AWSManagedRulesKnownBadInputsRuleSet'] as const;

/**
 * AWS WAF in front of the API (docs/safety.md): a regional web ACL with a per-IP rate-based rule
 * (a blocked caller gets HTTP 429 and a GraphQL error from WAF before AppSync runs anything) and AWS's managed rule
 * groups for common exploits and known-bad inputs, with its requests logged (blocked ones in full)
 * to a CloudWatch log group whose name WAF requires to start with `aws-waf-logs-`.
 * Lambda function URLs (the Stripe webhook, one-click unsubscribe) are not a resource type WAF can
 * protect; they verify what they receive themselves (Stripe signature, unsubscribe token).
 */
export class Firewall extends Construct {
  readonly webAcl: CfnWebACL;
  readonly logGroup: LogGroup;

  constructor(scope: Construct, id: string, props: FirewallProps) {
    super(scope, id);
    if (props.protect.length === 0) throw new Error('Firewall: give at least one resource ARN to protect.');
    const metric = (name: string) => ({
      cloudWatchMetricsEnabled: true,
      sampledRequestsEnabled: true,
      metricName: `${props.prefix}-${name}`,
    });
    this.webAcl = new CfnWebACL(this, 'WebAcl', {
      name: `${props.prefix}-api`,
      description: `${props.prefix}: per-IP rate limit and AWS managed rules in front of the GraphQL API`,
      scope: 'REGIONAL',
      defaultAction: { allow: {} },
      visibilityConfig: metric('api'),
      // A blocked burst reads as the API's own errors do: HTTP 429 with a GraphQL error (the local server answers the same).
      customResponseBodies: {
        [RATE_LIMITED_BODY_KEY]: { contentType: 'APPLICATION_JSON', content: RATE_LIMITED_BODY },
      },
      rules: [
        {
          name: 'PerIpRate',
          priority: 0,
          action: { block: { customResponse: { responseCode: 429, customResponseBodyKey: RATE_LIMITED_BODY_KEY } } },
          statement: {
            rateBasedStatement: {
              aggregateKeyType: 'IP',
              limit: props.rateLimit.requestsPerWindow,
              evaluationWindowSec: props.rateLimit.windowSeconds,
            },
          },
          visibilityConfig: metric('per-ip-rate'),
        },
        ...MANAGED_RULE_GROUPS.map((name, i) => ({
          name,
          priority: i + 1,
          overrideAction: { none: {} },
          statement: { managedRuleGroupStatement: { vendorName: 'AWS', name } },
          visibilityConfig: metric(name),
        })),
      ],
    });
    props.protect.forEach((arn, i) => {
      new CfnWebACLAssociation(this, i === 0 ? 'Association' : `Association${i + 1}`, {
        resourceArn: arn,
        webAclArn: this.webAcl.attrArn,
      });
    });
    const logGroupName = `aws-waf-logs-${props.prefix}-api`;
    this.logGroup = new LogGroup(this, 'Logs', {
      logGroupName,
      retention: props.logRetention,
      removalPolicy: props.removalPolicy,
    });
    // WAF takes the log group's ARN without the `:*` that logGroupArn ends with.
    const logGroupArn = Stack.of(this).formatArn({
      service: 'logs',
      resource: 'log-group',
      resourceName: logGroupName,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    const logging = new CfnLoggingConfiguration(this, 'Logging', {
      resourceArn: this.webAcl.attrArn,
      logDestinationConfigs: [logGroupArn],
      // Allowed requests would log every viewer's calls; blocked and counted ones are what an operator reads.
      // CloudFormation's own casing: the L1 passes this JSON through as it is.
      loggingFilter: {
        DefaultBehavior: 'DROP',
        Filters: [
          {
            Behavior: 'KEEP',
            Requirement: 'MEETS_ANY',
            Conditions: [{ ActionCondition: { Action: 'BLOCK' } }, { ActionCondition: { Action: 'COUNT' } }],
          },
        ],
      },
      // Authorization carries Cognito tokens: WAF logs must not hold them.
      redactedFields: [{ singleHeader: { Name: 'authorization' } }],
    });
    logging.node.addDependency(this.logGroup);
  }
}
