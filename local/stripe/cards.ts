/**
 * Stripe's test cards, as the local checkout page answers them: the numbers from Stripe's testing
 * docs and the sentences Stripe Checkout shows for each refusal.
 */

/** A card the page accepted, or Stripe's sentence for why not. */
export type CardOutcome = { ok: true; brand: string; last4: string } | { ok: false; code: string; message: string };

/** Numbers that pay (Visa, Mastercard, Amex). */
const SUCCEEDS: Record<string, string> = {
  '4242424242424242': 'visa',
  '4000056655665556': 'visa',
  '5555555555554444': 'mastercard',
  '378282246310005': 'amex',
};

/** Numbers that are declined, with Stripe's decline code and sentence. */
const DECLINES: Record<string, { code: string; message: string }> = {
  '4000000000000002': { code: 'card_declined', message: 'Your card was declined.' },
  '4000000000009995': { code: 'insufficient_funds', message: 'Your card has insufficient funds.' },
  '4000000000009987': { code: 'lost_card', message: 'Your card was declined.' },
  '4000000000000069': { code: 'expired_card', message: 'Your card has expired.' },
  '4000000000000127': { code: 'incorrect_cvc', message: "Your card's security code is incorrect." },
  '4000000000000119': {
    code: 'processing_error',
    message: 'An error occurred while processing your card. Try again in a little bit.',
  },
};

function luhn(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

/** What Stripe answers for a card: number (spaces allowed), expiry `MM / YY`, CVC. */
export function checkCard(number: string, expiry: string, cvc: string, now = new Date()): CardOutcome {
  const digits = number.replace(/[\s-]/g, '');
  if (!/^\d{13,19}$/.test(digits) || !luhn(digits))
    return { ok: false, code: 'incorrect_number', message: 'Your card number is incorrect.' };
  const exp = /^\s*(\d{1,2})\s*\/\s*(\d{2}|\d{4})\s*$/.exec(expiry);
  const month = exp ? Number(exp[1]) : 0;
  if (!exp || month < 1 || month > 12)
    return { ok: false, code: 'invalid_expiry_month', message: "Your card's expiration date is incomplete." };
  const year = (exp[2] as string).length === 2 ? 2000 + Number(exp[2]) : Number(exp[2]);
  if (year < now.getUTCFullYear() || (year === now.getUTCFullYear() && month < now.getUTCMonth() + 1)) {
    return { ok: false, code: 'invalid_expiry_year', message: "Your card's expiration year is in the past." };
  }
  if (!/^\d{3,4}$/.test(cvc.trim()))
    return { ok: false, code: 'incomplete_cvc', message: "Your card's security code is incomplete." };
  const decline = DECLINES[digits];
  if (decline) return { ok: false, ...decline };
  const brand = SUCCEEDS[digits];
  if (!brand) {
    return {
      ok: false,
      code: 'card_declined',
      message:
        'Your card was declined. Your request was in test mode, but used a non test card. For a list of valid test cards, visit: https://stripe.com/docs/testing.',
    };
  }
  return { ok: true, brand, last4: digits.slice(-4) };
}
