import { theirEventName } from '../dialects.js';
import { asRecord, type Data } from '../tolerant-readers.js';
import { recordOrNull, scalar, stringOrNull } from './readers.js';
import type { FormatRenderer } from './renderer.js';

/**
 * `linkzly` (Linkzly, docs/migrating/linkzly.md): `{event, timestamp, data: {link, click, user}}`
 * in Linkzly's field names, its event names where they differ from ours (`team.member_added`,
 * `team.member_removed`, `api.key_created`). The rest of an event's data (a member, a milestone)
 * follows under its Linkwire name. Signed with the Standard Webhooks headers every format carries.
 */
export const linkzlyFormat: FormatRenderer = {
  body(event) {
    const envelope = event.envelope();
    const data = asRecord(envelope.data);
    const link = recordOrNull(data['link']);
    const click = recordOrNull(data['click']);
    const { link: _link, click: _click, ...rest } = data;
    const out: Data = {};
    if (link) {
      out['link'] = { id: scalar(link['id']), short_url: stringOrNull(link['short_url']), original_url: stringOrNull(link['url']), title: stringOrNull(link['title']) };
    }
    if (click) {
      out['click'] = {
        id: scalar(click['id']),
        ip: stringOrNull(click['ip']),
        user_agent: stringOrNull(click['user_agent']),
        referrer: stringOrNull(click['referrer']),
        country: stringOrNull(click['country']),
        city: stringOrNull(click['city']),
        device: stringOrNull(click['device']),
        browser: stringOrNull(click['browser']),
      };
    }
    out['user'] = userOf(link, recordOrNull((envelope as { actor?: unknown }).actor));
    return JSON.stringify({ event: theirEventName('linkzly', envelope.type), timestamp: envelope.timestamp, data: { ...out, ...rest } });
  },
};

/**
 * Linkzly's `data.user`: the link's creator (`created_by`), else the person or key that caused the
 * event (`actor`), else null. The email is known only from the actor, so a creator who is not the
 * actor (a click on someone's link) comes with `email: null`.
 */
function userOf(link: Data | null, actor: Data | null): { id: string; email: string | null } | null {
  const actorId = actor && actor['type'] !== 'system' ? stringOrNull(actor['id']) : null;
  const actorEmail = actor ? stringOrNull(actor['email']) : null;
  const createdBy = link ? stringOrNull(link['created_by']) : null;
  if (createdBy !== null) return { id: createdBy, email: createdBy === actorId ? actorEmail : null };
  if (actorId !== null) return { id: actorId, email: actorEmail };
  return null;
}
