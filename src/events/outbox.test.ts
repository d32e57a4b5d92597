import { describe, expect, it } from 'vitest';
import { envelopeFromRow, envelopeJsonFromRow, storedEventFromEnvelope } from './outbox.js';

describe('the stored-event envelope', () => {
  const row = {
    id: 'evt_01m82dc2amgseeppsev2dx1w0f',
    type: 'link.clicked',
    timestamp: Date.UTC(2026, 10, 22, 19, 57, 45, 684),
    workspace_id: 'ws_01m82dc264wn64459e65f8aw6m',
    actor: JSON.stringify({ type: 'user', id: 'usr_01m82dc264wn64459e65f8aw6n', email: 'ana@example.com' }),
    data: JSON.stringify({ link: { title: 'Über "quotes" \\ and \u2028 lines', tags: ['😀'] }, click: { params: { q: 'a&b<c>' }, ip: null } }),
  };

  it('assembles exactly the JSON of the parsed envelope, so what is signed is what a receiver parses', () => {
    const assembled = envelopeJsonFromRow(row);
    expect(assembled).toBe(JSON.stringify(envelopeFromRow(row)));
    expect(JSON.parse(assembled)).toEqual({ ...envelopeFromRow(row) });
  });

  it('round-trips an envelope through its stored form', () => {
    const envelope = envelopeFromRow(row);
    expect(envelopeJsonFromRow(storedEventFromEnvelope(envelope))).toBe(JSON.stringify(envelope));
  });
});
