import { z } from 'zod';

// Mirrors the minimal product rules until COMMERCE's lambdas/shared/domain/product-schema.ts
// exists; the server stays the authority (its errors are shown as they come back).

const money = z.number().int('Whole minor units only').positive('Must be more than 0').max(100_000_000, 'Too large');

/** Type-specific parameters, validated per product type. */
export const paramsSchemas = {
  GENERIC: z.object({}).strict(),
  APPAREL: z.object({ size: z.enum(['XS', 'S', 'M', 'L', 'XL', 'XXL']), colour: z.string().trim().min(1, 'Colour is required').max(40) }),
  COLLECTIBLE: z.object({
    grade: z.string().trim().min(1, 'Grade is required').max(20),
    year: z.number().int().min(1800, 'Year looks wrong').max(new Date().getUTCFullYear() + 1, 'Year is in the future'),
  }),
} as const;

/** Create-product form rules (real-time validation in the studio modal). */
export const createProductSchema = z
  .object({
    channelId: z.string().min(1),
    title: z.string().trim().min(3, 'At least 3 characters').max(120, 'At most 120 characters'),
    description: z.string().max(2000, 'At most 2000 characters').optional(),
    imageUrl: z.url('Must be a URL').optional(),
    type: z.enum(['GENERIC', 'APPAREL', 'COLLECTIBLE']),
    params: z.record(z.string(), z.unknown()).default({}),
    saleMode: z.enum(['AUCTION', 'BUY_NOW', 'AUCTION_WITH_BUY_NOW']),
    currency: z.string().regex(/^[A-Z]{3}$/, 'ISO currency code'),
    startingBid: money.optional(),
    bidIncrement: money.optional(),
    buyNowPrice: money.optional(),
    durationSeconds: z.number().int().min(15, 'At least 15 s').max(3600, 'At most 1 hour').optional(),
    softCloseSeconds: z.number().int().min(0).max(120, 'At most 120 s').optional(),
  })
  .superRefine((p, ctx) => {
    const auction = p.saleMode !== 'BUY_NOW';
    if (auction && p.startingBid == null) ctx.addIssue({ code: 'custom', path: ['startingBid'], message: 'Starting bid is required for auctions' });
    if (auction && p.durationSeconds == null) ctx.addIssue({ code: 'custom', path: ['durationSeconds'], message: 'Duration is required for auctions' });
    if (p.saleMode !== 'AUCTION' && p.buyNowPrice == null) ctx.addIssue({ code: 'custom', path: ['buyNowPrice'], message: 'Buy-now price is required' });
    if (p.saleMode === 'AUCTION_WITH_BUY_NOW' && p.buyNowPrice != null && p.startingBid != null && p.buyNowPrice <= p.startingBid)
      ctx.addIssue({ code: 'custom', path: ['buyNowPrice'], message: 'Buy-now price must be above the starting bid' });
    const params = paramsSchemas[p.type].safeParse(p.params);
    if (!params.success) for (const i of params.error.issues) ctx.addIssue({ code: 'custom', path: ['params', ...i.path.map(String)], message: i.message });
  });

/** Form input accepted by createProductSchema. */
export type CreateProductForm = z.input<typeof createProductSchema>;

/** Validates the form and returns field → first message (keys like "title", "params.size"). */
export function validateProduct(form: CreateProductForm): { ok: true; value: z.output<typeof createProductSchema> } | { ok: false; errors: Record<string, string> } {
  const r = createProductSchema.safeParse(form);
  if (r.success) return { ok: true, value: r.data };
  const errors: Record<string, string> = {};
  for (const i of r.error.issues) {
    const key = i.path.join('.') || 'form';
    errors[key] ??= i.message;
  }
  // Refinements are skipped while a base field is invalid; check params anyway so the
  // form shows every problem at once.
  const ps = paramsSchemas[form.type]?.safeParse(form.params ?? {});
  if (ps && !ps.success) for (const i of ps.error.issues) errors[['params', ...i.path.map(String)].join('.')] ??= i.message;
  return { ok: false, errors };
}

