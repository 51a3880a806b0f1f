/**
 * The stage's SES sending identity as ARNs and headers, shared by the alerts construct (SendBulkEmail
 * grants) and the user pool (Cognito's DEVELOPER email). The identity is verified by the operator;
 * the stack only references it.
 */
import { Stack } from 'aws-cdk-lib';
import { UserPoolEmail } from 'aws-cdk-lib/aws-cognito';
import type { Construct } from 'constructs';
import type { EmailConfig } from '../config';

export { fromHeader } from '../config';

/** `arn:<partition>:ses:<region>:<account>:identity/<identity>`: the resource SES authorizes sends on. */
export function sesIdentityArn(scope: Construct, email: EmailConfig): string {
  return Stack.of(scope).formatArn({ service: 'ses', resource: 'identity', resourceName: email.sesIdentity });
}

/** The configuration set's ARN, when the stage names one. */
export function sesConfigurationSetArn(scope: Construct, email: EmailConfig): string | undefined {
  return email.configurationSet
    ? Stack.of(scope).formatArn({ service: 'ses', resource: 'configuration-set', resourceName: email.configurationSet })
    : undefined;
}

/** Cognito sends through the stage's SES identity (EmailSendingAccount DEVELOPER, same region). */
export function userPoolSesEmail(scope: Construct, email: EmailConfig): UserPoolEmail {
  const domain = email.sesIdentity.includes('@') ? undefined : email.sesIdentity;
  return UserPoolEmail.withSES({
    fromEmail: email.fromAddress,
    fromName: email.fromName,
    configurationSetName: email.configurationSet,
    sesRegion: Stack.of(scope).region,
    sesVerifiedDomain: domain,
  });
}
