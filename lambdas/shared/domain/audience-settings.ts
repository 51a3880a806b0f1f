/** The audience settings' input rules (Mutation.updateAudience); the rules they feed are in audience.ts. */
import { z } from 'zod';
import { AUDIENCES, MAX_ALLOW_LIST } from './audience';

/** The audience settings as a streamer edits them in Studio (the mutation's input). */
export const audienceSettingsSchema = z.object({
  audience: z.enum(AUDIENCES),
  allowList: z
    .array(
      z
        .string()
        .trim()
        .min(1, 'A handle on the list is empty.')
        .max(40, 'A handle on the list is too long: handles have at most 30 characters.'),
    )
    .max(MAX_ALLOW_LIST, `At most ${MAX_ALLOW_LIST} handles can be on the list.`)
    .default([]),
  ageRestricted: z.boolean().default(false),
  startInPreview: z.boolean().default(false),
});
export type AudienceSettings = z.infer<typeof audienceSettingsSchema>;
