/**
 * `npm run stripe -- <command>`: the local Stripe's dashboard actions from a terminal, against the
 * running local mode (its endpoints.json). Refunds, disputes, expiry and settling a bank debit send signed events to the webhook,
 * as the dashboard's buttons do. Exits 1 when the local Stripe refuses, 2 on wrong arguments.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const USAGE = `Usage: npm run stripe -- <command> [--data-dir <dir>]

  list                          checkout sessions and their status
  refund <sessionId> [amount]   refund the rest of the payment, or amount (minor units); sends charge.refunded
  dispute <sessionId>           open a dispute for the whole payment; sends charge.dispute.created
  resend <sessionId>            send checkout.session.completed again (it must credit nothing twice)
  expire <sessionId>            expire an open (unpaid) session; sends checkout.session.expired
  settle <sessionId>            settle a processing bank debit now; sends checkout.session.async_payment_succeeded
                                (or _failed, as its test account says)

The local mode must be running (npm start); --data-dir is its data directory (default .local).`;

async function main(argv: string[]): Promise<number> {
  const dirAt = argv.indexOf('--data-dir');
  const dataDir = resolve(dirAt >= 0 ? (argv[dirAt + 1] ?? '') : join(import.meta.dirname, '..', '..', '.local'));
  const args = dirAt >= 0 ? argv.filter((_, i) => i !== dirAt && i !== dirAt + 1) : argv;
  const [command, sessionId, amount] = args;
  const file = join(dataDir, 'endpoints.json');
  if (!command || command === '--help' || command === '-h') {
    console.log(USAGE);
    return command ? 0 : 2;
  }
  if (!existsSync(file)) {
    console.error(`No running local mode found (${file} is missing): start it with npm start.`);
    return 1;
  }
  const { stripeUrl } = JSON.parse(readFileSync(file, 'utf8')) as { stripeUrl?: string };
  if (!stripeUrl) {
    console.error('This local mode has no local Stripe: restart it with a current npm start.');
    return 1;
  }
  if (command === 'list') {
    const res = await fetch(`${stripeUrl}/`).catch(() => undefined);
    if (!res?.ok) {
      console.error(`The local Stripe at ${stripeUrl} does not answer: is npm start still running?`);
      return 1;
    }
    console.log(`Open ${stripeUrl}/ for the sessions, their payments and the webhook deliveries.`);
    return 0;
  }
  if (
    !['refund', 'dispute', 'resend', 'expire', 'settle'].includes(command) ||
    !sessionId ||
    (amount !== undefined && !/^\d+$/.test(amount))
  ) {
    console.error(USAGE);
    return 2;
  }
  const res = await fetch(`${stripeUrl}/sessions/${encodeURIComponent(sessionId)}/${command}`, {
    method: 'POST',
    headers: { accept: 'application/json', 'content-type': 'application/x-www-form-urlencoded' },
    body: amount ? new URLSearchParams({ amount }).toString() : '',
  }).catch(() => undefined);
  if (!res) {
    console.error(`The local Stripe at ${stripeUrl} does not answer: is npm start still running?`);
    return 1;
  }
  const body = (await res.json()) as {
    error?: { message: string };
    deliveries?: { type: string; status: number | string }[];
  };
  if (!res.ok) {
    console.error(body.error?.message ?? `The local Stripe answered ${res.status}.`);
    return 1;
  }
  const delivery = body.deliveries?.[0];
  console.log(delivery ? `Sent ${delivery.type}; the webhook answered ${delivery.status}.` : 'Done.');
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
