import { describe, expect, it } from 'vitest';
import { envelope, link, click } from '../../test/helpers/event-envelopes.js';
import type { AnyEventEnvelope as EventEnvelope } from './event-summary.js';
import { renderDeliveryBody } from './formats.js';

interface DiscordBody {
  embeds: Array<{ timestamp?: string }>;
}
const discord = (e: EventEnvelope) => JSON.parse(renderDeliveryBody('discord', e)) as DiscordBody;

describe('standard', () => {
  it('is the envelope as JSON, unchanged', () => {
    const e = envelope('link.clicked', { link, click });
    expect(renderDeliveryBody('standard', e)).toBe(JSON.stringify(e));
  });
});

describe('missing or malformed data never throws', () => {
  const types = [
    'link.clicked', 'qr.scanned', 'link.created', 'link.updated', 'link.deleted', 'link.expired', 'link.limit_reached',
    'link.geo_blocked', 'link.broken', 'link.recovered', 'analytics.milestone', 'domain.added', 'domain.verified',
    'domain.removed', 'member.added', 'member.removed', 'member.role_changed', 'api_key.created', 'integration.connected',
    'account.upgraded', 'account.downgraded', 'security.login_failed', 'webhook.disabled', 'unknown.type', '',
  ];
  const malformed: unknown[] = [
    {},
    { link: null, click: 'nope', domain: 42, member: [], api_key: true, workspace: null, webhook: [1], check: 'x', previous: null },
    { link: { short_url: 7, tags: 'x', clicks: 'many' }, click: { country: {}, bot: 'yes' }, milestone: Number.NaN },
  ];

  it.each(types)('%s', (type) => {
    for (const data of malformed) {
      const e = envelope(type, data as Record<string, unknown>);
      for (const format of ['standard', 'slack', 'discord', 'awsys', 'nobsredir', 'linkzly', 'snip', 'linkly'] as const) {
        expect(() => JSON.parse(renderDeliveryBody(format, e))).not.toThrow();
      }
    }
    const broken = { id: undefined, type, timestamp: 'not a date', workspace_id: 'ws', data: null } as unknown as EventEnvelope;
    expect(() => renderDeliveryBody('slack', broken)).not.toThrow();
    expect(discord(broken).embeds[0]!.timestamp).toBeUndefined();
  });
});
