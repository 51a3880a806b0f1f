/**
 * Money: integer minor units + ISO 4217 currency. Per-currency settings hold the minor-unit
 * exponent and the minimum starting bid (configurable here, shared by the web form and resolvers).
 */
export interface CurrencySettings {
  /** Digits after the decimal point (minor-unit exponent). */
  readonly exponent: number;
  /** Smallest starting bid, in minor units. */
  readonly minStartingBid: number;
}

export const CURRENCIES: Readonly<Record<string, CurrencySettings>> = {
  USD: { exponent: 2, minStartingBid: 100 },
  EUR: { exponent: 2, minStartingBid: 100 },
  GBP: { exponent: 2, minStartingBid: 100 },
  JPY: { exponent: 0, minStartingBid: 100 },
};

export interface Money {
  readonly amount: number;
  readonly currency: string;
}

/** The currency's entry; a user string is looked up among the table's own keys only (never `constructor`). */
function currencyOf(currency: string): (typeof CURRENCIES)[string] | undefined {
  return Object.hasOwn(CURRENCIES, currency) ? CURRENCIES[currency] : undefined;
}

export function isSupportedCurrency(currency: string): boolean {
  return currencyOf(currency) !== undefined;
}

/** Minimum starting bid of a currency (minor units); unknown currency = not allowed. */
export function minStartingBid(currency: string): number | null {
  const c = currencyOf(currency);
  return c ? c.minStartingBid : null;
}

/** Whether a value is a valid amount: a non-negative safe integer of minor units. */
export function isMinorUnits(amount: unknown): amount is number {
  return typeof amount === 'number' && Number.isSafeInteger(amount) && amount >= 0;
}

/** Human form, e.g. formatMoney({ amount: 1234, currency: 'USD' }) → "$12.34". */
export function formatMoney(money: Money, locale = 'en-US'): string {
  const exponent = exponentOf(money.currency);
  return new Intl.NumberFormat(locale, { style: 'currency', currency: money.currency, minimumFractionDigits: exponent, maximumFractionDigits: exponent }).format(
    money.amount / 10 ** exponent,
  );
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
