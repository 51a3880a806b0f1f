/**
 * `npm run smoke -- --web-url <url>` or `npm run smoke -- --outputs cdk-outputs.json`: checks a
 * deployment the way a first user meets it (docs/deploy.md, "Verify a deployment in 5 minutes").
 * Prints one line per step and exits 1 when a step failed, 2 when the arguments are wrong.
 * The steps live in scripts/smoke/smoke.ts.
 */
import { parseArgs } from 'node:util';
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { formatStep, runSmoke, webUrlFromOutputs } from './smoke/smoke';

const USAGE = `Usage: npm run smoke -- (--web-url <url> | --outputs <cdk-outputs.json> [--stack <name>]) [--email <address>] [--provision-timeout <seconds>]

  --web-url            the web app's URL (stack output WebUrl)
  --outputs            the file written by \`npm run deploy -- --outputs-file cdk-outputs.json\`
  --stack              which stack of that file, when it holds several
  --email              address of the throwaway user (default: the SES mailbox simulator)
  --provision-timeout  seconds to wait for the channel (default 120)

AWS credentials come from the usual places (AWS_PROFILE, environment, SSO); they need
cognito-idp:AdminConfirmSignUp and AdminDeleteUser on the user pool, and ivs:ListChannels,
ListStreamKeys, DeleteStreamKey, DeleteChannel and ivschat:ListRooms, DeleteRoom for the clean-up.`;

async function main(): Promise<number> {
  let values: {
    'web-url'?: string;
    outputs?: string;
    stack?: string;
    email?: string;
    'provision-timeout'?: string;
    help?: boolean;
  };
  try {
    ({ values } = parseArgs({
      options: {
        'web-url': { type: 'string' },
        outputs: { type: 'string' },
        stack: { type: 'string' },
        email: { type: 'string' },
        'provision-timeout': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }));
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n\n${USAGE}\n`);
    return 2;
  }
  if (values.help || (!values['web-url'] && !values.outputs)) {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  let webUrl: string;
  try {
    webUrl = values['web-url'] ?? webUrlFromOutputs(values.outputs!, values.stack);
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
    return 2;
  }
  const timeout = values['provision-timeout'] ? Number(values['provision-timeout']) : undefined;
  if (timeout !== undefined && !(timeout > 0)) {
    process.stderr.write(`--provision-timeout must be a number of seconds, not "${values['provision-timeout']}".\n`);
    return 2;
  }

  process.stdout.write(`Smoke test of ${webUrl}\n`);
  const started = performance.now();
  const report = await runSmoke({
    webUrl,
    credentials: defaultProvider(),
    email: values.email,
    provisionTimeoutMs: timeout === undefined ? undefined : timeout * 1000,
    onStep: (s) => process.stdout.write(`${formatStep(s)}\n`),
  });
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  const failed = report.steps.filter((s) => s.status === 'failed').map((s) => s.name);
  process.stdout.write(
    report.ok
      ? `All checks passed in ${seconds} s.\n`
      : `${failed.length} check${failed.length === 1 ? '' : 's'} failed (${failed.join(', ')}) in ${seconds} s; see docs/deploy.md.\n`,
  );
  return report.ok ? 0 : 1;
}

process.exitCode = await main();
