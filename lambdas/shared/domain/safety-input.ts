/**
 * The safety API's inputs, validated at the edge (the safety Lambda) with zod; the web app's report
 * form reuses the same limits. Rules themselves are in safety.ts.
 */
import { z } from 'zod';
import {
  MAX_ACTION_REASON,
  MAX_REPORT_DETAILS,
  MAX_SUSPEND_HOURS,
  REPORT_ACTIONS,
  REPORT_REASONS,
  REPORT_TARGET_KINDS,
} from './safety';

/** The report input as the API takes it; one schema for the Lambda and the web app's form. */
export const reportInputSchema = z
  .object({
    kind: z.enum(REPORT_TARGET_KINDS),
    channelId: z.string().min(1).max(256).nullish(),
    userId: z.string().min(1).max(256).nullish(),
    messageId: z.string().min(1).max(256).nullish(),
    reason: z.enum(REPORT_REASONS),
    details: z.string().max(MAX_REPORT_DETAILS, `Say it in at most ${MAX_REPORT_DETAILS} characters.`).nullish(),
  })
  .superRefine((r, ctx) => {
    if ((r.kind === 'STREAM' || r.kind === 'MESSAGE') && !r.channelId)
      ctx.addIssue({ code: 'custom', path: ['channelId'], message: 'Say which channel.' });
    if (r.kind === 'MESSAGE' && !r.messageId)
      ctx.addIssue({ code: 'custom', path: ['messageId'], message: 'Say which message.' });
    if (r.kind === 'USER' && !r.userId) ctx.addIssue({ code: 'custom', path: ['userId'], message: 'Say which user.' });
    if (r.reason === 'OTHER' && !r.details?.trim())
      ctx.addIssue({ code: 'custom', path: ['details'], message: 'Tell us what is wrong in a few words.' });
  });
export type ReportInput = z.infer<typeof reportInputSchema>;

/** An admin's decision as the API takes it. */
export const resolveReportInputSchema = z
  .object({
    targetId: z.string().min(1).max(600),
    action: z.enum(REPORT_ACTIONS),
    reason: z.string().trim().min(1, 'Say why: the decision is audited and the user reads it.').max(MAX_ACTION_REASON),
    suspendHours: z.number().int().min(1).max(MAX_SUSPEND_HOURS).nullish(),
  })
  .superRefine((r, ctx) => {
    if (r.action === 'SUSPEND' && !r.suspendHours)
      ctx.addIssue({
        code: 'custom',
        path: ['suspendHours'],
        message: `Say for how long (1 to ${MAX_SUSPEND_HOURS} hours).`,
      });
  });
export type ResolveReportInput = z.infer<typeof resolveReportInputSchema>;
