/**
 * The currencies the platform sells in: minor-unit exponent and minimum starting bid, defined here
 * once for the web form, the Lambdas and the APPSYNC_JS resolvers (this file keeps to that subset).
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

/** The currency's entry; a user string is looked up among the table's own keys only (never `constructor`). */
export function currencyOf(currency: string): (typeof CURRENCIES)[string] | undefined {
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
