/**
 * Stripe's test US bank accounts (ACH Direct Debit), as the local checkout page answers them: the
 * test routing number, the account numbers from Stripe's testing docs, and what each one does. A
 * bank debit is a delayed payment method: the checkout completes unpaid at once, and the payment
 * succeeds or fails later (up to 4 business days with a real bank; seconds on the local page).
 */

/** How a test bank debit settles. */
export type BankDebitOutcome = { succeeds: true } | { succeeds: false; code: string; message: string };

/** A bank account the page accepted (and how its debit will settle), or the sentence why not. */
export type BankAccountCheck =
  { ok: true; last4: string; outcome: BankDebitOutcome } | { ok: false; code: string; message: string };

/** Stripe's test routing number. */
export const TEST_ROUTING_NUMBER = '110000000';

/** Test account numbers and how their debit settles. */
const ACCOUNTS: Record<string, BankDebitOutcome> = {
  '000123456789': { succeeds: true },
  '000111111113': { succeeds: false, code: 'account_closed', message: 'The bank account has been closed.' },
  '000111111116': { succeeds: false, code: 'no_account', message: 'The bank account could not be located.' },
  '000222222227': {
    succeeds: false,
    code: 'insufficient_funds',
    message: 'The bank account has insufficient funds to complete the purchase.',
  },
  '000333333335': {
    succeeds: false,
    code: 'debit_not_authorized',
    message: 'The customer notified their bank that this payment was unauthorized.',
  },
};

/** What Stripe answers for a US bank account: routing number, account number, the holder's name. */
export function checkBankAccount(routing: string, account: string, holder: string): BankAccountCheck {
  const r = routing.replace(/[\s-]/g, '');
  const a = account.replace(/[\s-]/g, '');
  if (!/^\d{9}$/.test(r))
    return { ok: false, code: 'invalid_routing_number', message: 'Your routing number must be 9 digits.' };
  if (!/^\d{4,17}$/.test(a))
    return { ok: false, code: 'invalid_account_number', message: 'Your account number is incorrect.' };
  if (!holder.trim()) return { ok: false, code: 'missing_name', message: "Enter the account holder's name." };
  const outcome = r === TEST_ROUTING_NUMBER ? ACCOUNTS[a] : undefined;
  if (!outcome) {
    return {
      ok: false,
      code: 'bank_account_unusable',
      message: `Your request was in test mode, but used a non test bank account. Use routing number ${TEST_ROUTING_NUMBER} with a test account number, such as 000123456789.`,
    };
  }
  return { ok: true, last4: a.slice(-4), outcome };
}
