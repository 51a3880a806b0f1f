/**
 * Money: integer minor units + ISO 4217 currency. The currencies themselves (exponent, minimum
 * starting bid) are in currencies.ts, which resolvers bundle too.
 */
import { currencyOf } from './currencies';

export { CURRENCIES, isSupportedCurrency, minStartingBid, type CurrencySettings } from './currencies';

export interface Money {
  readonly amount: number;
  readonly currency: string;
}

/** Whether a value is a valid amount: a non-negative safe integer of minor units. */
export function isMinorUnits(amount: unknown): amount is number {
  return typeof amount === 'number' && Number.isSafeInteger(amount) && amount >= 0;
}

/** Human form, e.g. formatMoney({ amount: 1234, currency: 'USD' }) → "$12.34". */
export function formatMoney(money: Money, locale = 'en-US'): string {
  const exponent = exponentOf(money.currency);
  return new Intl.NumberFormat(locale, {
    style: 'currency',
    currency: money.currency,
    minimumFractionDigits: exponent,
    maximumFractionDigits: exponent,
  }).format(money.amount / 10 ** exponent);
}

/**
 * Plain major-unit text for an input field, no symbol or grouping: { amount: 43000, currency: 'USD' }
 * → "430.00", { amount: 430, currency: 'JPY' } → "430".
 */
export function toDecimalString(money: Money): string {
  const exponent = exponentOf(money.currency);
  // On the digits, not amount / 10^exponent: that division rounds once amounts pass ~2^53 / 100.
  const digits = String(Math.trunc(Math.abs(money.amount))).padStart(exponent + 1, '0');
  const sign = money.amount < 0 ? '-' : '';
  return exponent ? `${sign}${digits.slice(0, -exponent)}.${digits.slice(-exponent)}` : `${sign}${digits}`;
}

function exponentOf(currency: string): number {
  return currencyOf(currency)?.exponent ?? 2;
}
