import { Type, type Static } from '@sinclair/typebox';
import { ClickSchema } from './click-schema.js';

/**
 * The `click` of `link.not_found`: a click's fields less what a link would give it (its
 * destination). Same meaning and nulls as in click events.
 */
export const OrphanClickSchema = Type.Omit(ClickSchema, ['destination']);
export type OrphanClick = Static<typeof OrphanClickSchema>;
