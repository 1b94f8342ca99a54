import { z } from '../zod.js';

/**
 * `rosey.platform.<p>.send.playlist.<op>` requests. Media is given either as a link (mapped with
 * `parseMediaLink`) or as the platform's own `(type, id)` pair.
 */
export const playlistAddFields = z
  .object({
    channel: z.string().max(100).optional(),
    link: z.string().min(1).max(2000).optional(),
    type: z
      .string()
      .regex(/^[a-z]{2}$/)
      .optional(),
    id: z.string().min(1).max(2000).optional(),
    /** `end` (default) or `next` (after the current item). */
    pos: z.enum(['end', 'next']).default('end'),
    /** Temporary items are removed once played. */
    temp: z.boolean().default(true),
  })
  .strict();

/** A link, or a type and id: exactly one of the two. */
export function needsOneMediaRef(
  r: { link?: string; type?: string; id?: string },
  ctx: z.RefinementCtx,
): void {
  const pair = r.type !== undefined || r.id !== undefined;
  if (r.link !== undefined && pair)
    ctx.addIssue({ code: 'custom', message: 'give a link or a type and id, not both' });
  else if (r.link === undefined && (r.type === undefined || r.id === undefined))
    ctx.addIssue({ code: 'custom', message: 'give a link, or both type and id' });
}

export const playlistAddRequestSchema = playlistAddFields.superRefine(needsOneMediaRef);
export type PlaylistAddRequest = z.infer<typeof playlistAddRequestSchema>;

export const playlistDeleteRequestSchema = z
  .object({ channel: z.string().max(100).optional(), uid: z.number().int().min(0) })
  .strict();
export const playlistMoveRequestSchema = z
  .object({
    channel: z.string().max(100).optional(),
    uid: z.number().int().min(0),
    /** The uid to put it after, or `"prepend"` for the top. */
    after: z.union([z.number().int().min(0), z.literal('prepend')]),
  })
  .strict();
export const playlistJumpRequestSchema = z
  .object({ channel: z.string().max(100).optional(), uid: z.number().int().min(0) })
  .strict();
export type PlaylistDeleteRequest = z.infer<typeof playlistDeleteRequestSchema>;
export type PlaylistMoveRequest = z.infer<typeof playlistMoveRequestSchema>;
export type PlaylistJumpRequest = z.infer<typeof playlistJumpRequestSchema>;
