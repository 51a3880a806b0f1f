import { Duration, Stack } from 'aws-cdk-lib';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { FunctionUrlAuthType, type Function as LambdaFunction, type FunctionUrl } from 'aws-cdk-lib/aws-lambda';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import { CfnTemplate } from 'aws-cdk-lib/aws-ses';
import { Construct } from 'constructs';
import type { EmailConfig } from '../config';
import { ENV } from '../../lambdas/shared/env';
import { EMAIL_PAGE_EVENT, GO_LIVE_EMAIL_TEMPLATE } from '../../lambdas/shared/domain/alerts';
import type { DeadLetters } from './operations';
import { fromHeader, sesConfigurationSetArn, sesIdentityArn } from './ses';

export interface AlertsProps {
  /** Stage prefix of physical names (the template is `<prefix>-go-live`). */
  readonly prefix: string;
  /** The stage's SES sending settings. */
  readonly email: EmailConfig;
  /** go-live-fanout: sends the emails page by page and continues itself through the default event bus. */
  readonly fanout: LambdaFunction;
  /** alert-unsubscribe: served on a public function URL that every email links to. */
  readonly unsubscribe: LambdaFunction;
  /** go-live-fanout's dead-letter queue (Operations): fan-out invocations that failed every retry go there. */
  readonly deadLetters: DeadLetters;
}

/**
 * Go-live email alerts through SES: the email template, SendBulkEmail rights on exactly the
 * identity, template and configuration set it uses, the fan-out's continuation events, the
 * one-click unsubscribe URL; fan-out invocations that failed every retry go to the fan-out's
 * dead-letter queue. Opt-ins are table items (see lambdas/alert-preferences), so nothing here grows
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
    fanout.addToRolePolicy(new PolicyStatement({
      actions: ['ses:SendBulkEmail'],
      resources: [
        sesIdentityArn(this, props.email),
        stack.formatArn({ service: 'ses', resource: 'template', resourceName: this.templateName }),
        ...(configurationSetArn ? [configurationSetArn] : []),
      ],
    }));
    fanout.addToRolePolicy(new PolicyStatement({
      actions: ['events:PutEvents'],
      resources: [stack.formatArn({ service: 'events', resource: 'event-bus', resourceName: 'default' })],
      // events:source is multivalued (one value per entry of the call): every entry must be the fan-out's own.
      conditions: { 'ForAllValues:StringEquals': { 'events:source': [EMAIL_PAGE_EVENT.source] }, Null: { 'events:source': 'false' } },
    }));

    fanout.configureAsyncInvoke({ onFailure: new SqsDestination(props.deadLetters.queue), retryAttempts: 2, maxEventAge: Duration.hours(6) });
  }
}
