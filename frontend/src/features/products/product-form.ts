/**
 * Studio "Add a product" form. Validity is decided by the server's own schema
 * (lambdas/shared/domain/product-schema.ts, the one createProduct enforces), so the form can never
 * accept what the server refuses or refuse what it accepts. Only form concerns live here: turning
 * the typed text into CreateProductInput, and wording each field's message for a seller (the
 * schema's messages are terse and count money in minor units).
 */
import type { z } from 'zod';
import { minStartingBid, toDecimalString } from '../../../../lambdas/shared/domain/money';
import { PARAM_SCHEMAS, productInputSchema, type ProductInput } from '../../../../lambdas/shared/domain/product-schema';
import { formatMoney, parseMoney } from '../../lib/format';

/** The modal's fields, as typed. */
export interface ProductFormFields {
  channelId: string;
  title: string;
  description: string;
  imageUrl: string;
  type: ProductInput['type'];
  saleMode: ProductInput['saleMode'];
  currency: string;
  startingBid: string;
  bidIncrement: string;
  buyNowPrice: string;
  /** Auction duration in seconds. */
  duration: string;
  size: string;
  colour: string;
  grade: string;
  year: string;
}

/** The input to send to createProduct, or field → message (keys like "title", "params.size"). */
export type ProductFormResult = { ok: true; value: ProductInput } | { ok: false; errors: Record<string, string> };

type Input = z.input<typeof productInputSchema>;
type Issue = z.core.$ZodIssue;
type MoneyField = 'startingBid' | 'bidIncrement' | 'buyNowPrice';

const characters = (i: Issue, fallback: string) =>
  i.code === 'too_big' ? `At most ${i.maximum} characters` : fallback;

function duration(seconds: number | bigint): string {
  const s = Number(seconds);
  if (s % 86_400 === 0) return `${s / 86_400} day${s === 86_400 ? '' : 's'}`;
  if (s % 3600 === 0) return `${s / 3600} hour${s === 3600 ? '' : 's'}`;
  return `${s} seconds`;
}

/** Seller-facing wording per field; the schema has already decided that the field is invalid. */
const MESSAGES: Record<string, (i: Issue, input: Input) => string> = {
  title: (i) => characters(i, 'Title is required'),
  description: (i) => characters(i, i.message),
  imageUrl: () => 'Must be an http(s) URL',
  currency: () => 'Unsupported currency',
  startingBid: (i, p) => {
    if (p.startingBid == null) return 'Starting bid is required for auctions';
    const min = minStartingBid(p.currency) ?? undefined;
    return min !== undefined && p.startingBid < min ? `At least ${formatMoney(min, p.currency)}` : i.message;
  },
  bidIncrement: () => 'Must be more than 0',
  buyNowPrice: (i, p) => {
    if (p.buyNowPrice == null) return 'Buy-now price is required';
    if (i.code === 'too_small') return 'Must be more than 0';
    return p.startingBid != null && p.buyNowPrice <= p.startingBid
      ? 'Buy-now price must be above the starting bid'
      : i.message;
  },
  durationSeconds: (i) =>
    i.code === 'too_small'
      ? `At least ${duration(i.minimum)}`
      : i.code === 'too_big'
        ? `At most ${duration(i.maximum)}`
        : 'Whole seconds, e.g. 60',
  'params.size': () => 'Pick a size',
  'params.colour': (i) => characters(i, 'Colour is required'),
  'params.grade': (i) => characters(i, 'Grade is required'),
  'params.year': (i) =>
    i.code === 'too_small'
      ? `Year must be ${i.minimum} or later`
      : i.code === 'too_big'
        ? `Year must be ${i.maximum} or earlier`
        : 'Enter a year, e.g. 1999',
};

/** Type-specific parameters as the schema expects them; an empty year is left out so it reads as missing. */
function params(f: ProductFormFields): Record<string, unknown> {
  if (f.type === 'APPAREL') return { size: f.size, colour: f.colour };
  if (f.type === 'COLLECTIBLE') return { grade: f.grade, ...(f.year.trim() ? { year: Number(f.year) } : {}) };
  return {};
}

/** Converts the typed text to CreateProductInput; amounts that do not parse become messages instead. */
function toInput(f: ProductFormFields): { input: Input; errors: Record<string, string> } {
  const errors: Record<string, string> = {};
  const amount = (field: MoneyField, applies: boolean) => {
    const text = f[field].trim();
    if (!applies || !text) return {};
    const minor = parseMoney(text, f.currency);
    if (minor !== null) return { [field]: minor };
    errors[field] = `Enter an amount like ${toDecimalString({ amount: 1000, currency: f.currency })}`;
    return {};
  };
  const auction = f.saleMode !== 'BUY_NOW';
  const input: Input = {
    channelId: f.channelId,
    title: f.title,
    ...(f.description.trim() ? { description: f.description } : {}),
    ...(f.imageUrl.trim() ? { imageUrl: f.imageUrl.trim() } : {}),
    type: f.type,
    params: params(f),
    saleMode: f.saleMode,
    currency: f.currency,
    ...amount('startingBid', auction),
    ...amount('bidIncrement', auction),
    ...amount('buyNowPrice', f.saleMode !== 'AUCTION'),
    ...(auction && f.duration.trim() ? { durationSeconds: Number(f.duration) } : {}),
  };
  return { input, errors };
}

/** Validates the form with the server's schema and returns the input to send, or a message per field. */
export function validateProduct(f: ProductFormFields): ProductFormResult {
  const { input, errors } = toInput(f);
  const r = productInputSchema.safeParse(input);
  if (r.success && !Object.keys(errors).length) return { ok: true, value: r.data };
  // Parameter issues come straight from the type's schema: the copies the product schema re-raises
  // have lost their code and bounds, which the messages need.
  const paramIssues = PARAM_SCHEMAS[f.type].safeParse(input.params).error?.issues ?? [];
  const issues = [
    ...(r.error?.issues ?? []).filter((i) => i.path[0] !== 'params'),
    ...paramIssues.map((i) => ({ ...i, path: ['params', ...i.path] })),
  ];
  for (const i of issues) {
    const key = i.path.map(String).join('.') || 'form';
    errors[key] ??= MESSAGES[key]?.(i, input) ?? i.message;
  }
  return { ok: false, errors };
}
