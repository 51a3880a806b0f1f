/**
 * Product input schema, shared by the web form (real-time validation) and the server. Depends
 * only on zod so the frontend can import it.
 */
import { z } from 'zod';
import { isSupportedCurrency, minStartingBid } from './currencies';

export const SALE_MODES = ['AUCTION', 'BUY_NOW', 'AUCTION_WITH_BUY_NOW'] as const;
export const PRODUCT_TYPES = ['GENERIC', 'APPAREL', 'COLLECTIBLE'] as const;

/** Allowed auction durations, seconds. */
export const DURATION_LIMITS = { min: 30, max: 7 * 24 * 3600, default: 300 } as const;
export const SOFT_CLOSE_LIMITS = { min: 0, max: 120 } as const;

/** Type-specific parameters. */
export const PARAM_SCHEMAS = {
  GENERIC: z.object({}).strict(),
  APPAREL: z
    .object({ size: z.enum(['XS', 'S', 'M', 'L', 'XL', 'XXL']), colour: z.string().trim().min(1).max(40) })
    .strict(),
  COLLECTIBLE: z
    .object({ grade: z.string().trim().min(1).max(20), year: z.number().int().min(1800).max(2100) })
    .strict(),
} as const;

const minor = z.number().int().nonnegative();

/** CreateProductInput as the form and the server accept it. */
export const productInputSchema = z
  .object({
    channelId: z.string().min(1),
    title: z.string().trim().min(1).max(120),
    description: z.string().max(2000).nullish(),
    imageUrl: z.url({ protocol: /^https?$/ }).nullish(),
    type: z.enum(PRODUCT_TYPES),
    params: z.record(z.string(), z.unknown()).nullish(),
    saleMode: z.enum(SALE_MODES),
    currency: z.string().refine(isSupportedCurrency, 'Unsupported currency'),
    startingBid: minor.nullish(),
    bidIncrement: z.number().int().positive().nullish(),
    buyNowPrice: z.number().int().positive().nullish(),
    durationSeconds: z.number().int().min(DURATION_LIMITS.min).max(DURATION_LIMITS.max).nullish(),
    softCloseSeconds: z.number().int().min(SOFT_CLOSE_LIMITS.min).max(SOFT_CLOSE_LIMITS.max).nullish(),
    shippingProfileId: z.string().max(64).nullish(),
  })
  .superRefine((p, ctx) => {
    const auction = p.saleMode !== 'BUY_NOW';
    const min = minStartingBid(p.currency) ?? 0;
    if (auction && (p.startingBid === null || p.startingBid === undefined))
      ctx.addIssue({ code: 'custom', path: ['startingBid'], message: 'Required for auctions' });
    if (auction && p.startingBid !== null && p.startingBid !== undefined && p.startingBid < min)
      ctx.addIssue({ code: 'custom', path: ['startingBid'], message: `At least ${min}` });
    if (p.saleMode !== 'AUCTION' && !p.buyNowPrice)
      ctx.addIssue({ code: 'custom', path: ['buyNowPrice'], message: 'Required for buy-now' });
    if (p.saleMode === 'AUCTION' && p.buyNowPrice)
      ctx.addIssue({ code: 'custom', path: ['buyNowPrice'], message: 'Not allowed for auction-only' });
    if (p.buyNowPrice && p.startingBid !== null && p.startingBid !== undefined && p.buyNowPrice <= p.startingBid)
      ctx.addIssue({ code: 'custom', path: ['buyNowPrice'], message: 'Must exceed the starting bid' });
    const params = PARAM_SCHEMAS[p.type].safeParse(p.params ?? {});
    if (!params.success)
      for (const issue of params.error.issues)
        ctx.addIssue({ code: 'custom', path: ['params', ...issue.path.map(String)], message: issue.message });
  });

export type ProductInput = z.infer<typeof productInputSchema>;

/** First failing field and message, or null (what VALIDATION errors carry). */
export function firstProductInputError(input: unknown): { field: string; message: string } | null {
  const r = productInputSchema.safeParse(input);
  if (r.success) return null;
  const issue = r.error.issues[0];
  return {
    field: issue ? issue.path.map(String).join('.') : 'input',
    message: issue ? issue.message : 'Invalid input',
  };
}
