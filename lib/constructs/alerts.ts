import { Stack } from 'aws-cdk-lib';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { FunctionUrlAuthType, type Function as LambdaFunction, type FunctionUrl } from 'aws-cdk-lib/aws-lambda';
import { CfnTemplate } from 'aws-cdk-lib/aws-ses';
import { Construct } from 'constructs';
import type { EmailConfig } from '../config';
import { ENV } from '../../lambdas/shared/env';
import { GO_LIVE_EMAIL_TEMPLATE } from '../../lambdas/shared/domain/alerts';
import { fromHeader, sesConfigurationSetArn, sesIdentityArn } from './ses';

export interface AlertsProps {
  /** Stage prefix of physical names (the template is `<prefix>-go-live`). */
  readonly prefix: string;
  /** The stage's SES sending settings. */
  readonly email: EmailConfig;
  /** go-live-fanout: sends the emails page by page, continuing itself through the stack's jobs bus (lib/constructs/jobs.ts). */
  readonly fanout: LambdaFunction;
  /** alert-unsubscribe: served on a public function URL that every email links to. */
  readonly unsubscribe: LambdaFunction;
}

/**
 * Go-live email alerts through SES: the email template, SendBulkEmail rights on exactly the
 * identity, template and configuration set it uses, and the one-click unsubscribe URL. The
 * fan-out's page events, their retries and its dead-letter queue are the jobs bus's (the stack
 * routes its `platform-event` trigger there). Opt-ins are table items (see lambdas/alert-preferences), so nothing here grows
 * with subscribers.
 */
export class Alerts extends Construct {
  readonly template: CfnTemplate;
  readonly templateName: string;
  readonly unsubscribeUrl: FunctionUrl;

  constructor(scope: Construct, id: string, props: AlertsProps) {
    super(scope, id);
    const stack = Stack.of(this);
    this.templateName = `${props.prefix}-go-live`;
    this.template = new CfnTemplate(this, 'GoLiveTemplate', {
      template: {
        templateName: this.templateName,
        subjectPart: GO_LIVE_EMAIL_TEMPLATE.subject,
        textPart: GO_LIVE_EMAIL_TEMPLATE.text,
        htmlPart: GO_LIVE_EMAIL_TEMPLATE.html,
      },
    });
    // Mail clients POST here without credentials (RFC 8058); the link's token is the authorization.
    this.unsubscribeUrl = props.unsubscribe.addFunctionUrl({ authType: FunctionUrlAuthType.NONE });

    const fanout = props.fanout;
    const configurationSetArn = sesConfigurationSetArn(this, props.email);
    fanout.addEnvironment(ENV.ALERT_FROM_ADDRESS, fromHeader(props.email));
    fanout.addEnvironment(ENV.ALERT_EMAIL_TEMPLATE, this.templateName);
    fanout.addEnvironment(ENV.ALERT_EMAIL_RATE, String(props.email.alertSendRatePerSecond));
    fanout.addEnvironment(ENV.UNSUBSCRIBE_URL, this.unsubscribeUrl.url);
    if (props.email.configurationSet) fanout.addEnvironment(ENV.SES_CONFIGURATION_SET, props.email.configurationSet);
    // SendBulkEmail is authorized on the identity and the template (required) and the configuration set when used.
    fanout.addToRolePolicy(
      new PolicyStatement({
        actions: ['ses:SendBulkEmail'],
        resources: [
          sesIdentityArn(this, props.email),
          stack.formatArn({ service: 'ses', resource: 'template', resourceName: this.templateName }),
          ...(configurationSetArn ? [configurationSetArn] : []),
        ],
      }),
    );
  }
}
