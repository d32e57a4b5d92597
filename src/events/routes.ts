import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import type { Clock } from '../runtime/clock.js';
import { validationError } from '../errors.js';
import { principalOf } from '../http/auth.js';
import { page, PageQuery } from '../http/pagination.js';
import { decodeCursor } from '../runtime/page-cursor.js';
import type { Storage } from '../storage/storage.js';
import { eventTypesForVersion } from './catalog.js';
import { isEventType } from './event-types.js';
import { FIRST_PAYLOAD_VERSION, isPayloadVersion, PAYLOAD_VERSIONS, unknownVersionMessage } from './payload-versions.js';
import { envelopeFromRow } from './outbox.js';
import { listOf, ref } from '../openapi/components.js';
import { errors } from '../openapi/refs.js';

import { EVENT_LIST_WINDOW_MS } from './event-window.js';

export function eventRoutes(storage: Storage, clock: Clock) {
  return (app: FastifyInstance): void => {
    const r = app.withTypeProvider<TypeBoxTypeProvider>();

    r.get(
      '/api/event-types',
      {
        schema: {
          summary: 'Every event type with the JSON Schema of its data, in one payload version',
          description:
            'Without `version`: 2026-12-01, the complete event as GET /api/events and the event stream show it. With `version`: the shape a webhook pinned to that version receives (docs/events.md, "Payload versions").',
          querystring: Type.Object({
            version: Type.Optional(Type.String({ maxLength: 40, description: `A payload version: ${PAYLOAD_VERSIONS.join(', ')}` })),
          }),
          response: {
            200: Type.Object({
              version: Type.String({ description: 'The payload version these schemas describe' }),
              versions: Type.Array(Type.String(), { description: 'Every payload version, oldest first' }),
              data: Type.Array(ref('EventType')),
            }),
            ...errors(400),
          },
        },
      },
      async (request) => {
        const asked = request.query.version;
        if (asked !== undefined && !isPayloadVersion(asked)) throw validationError(unknownVersionMessage('version', asked), { field: 'version', versions: PAYLOAD_VERSIONS });
        const version = asked ?? FIRST_PAYLOAD_VERSION;
        return {
          version,
          versions: [...PAYLOAD_VERSIONS],
          data: eventTypesForVersion(version).map((e) => ({ type: e.type, description: e.description, schema: e.schema })),
        };
      },
    );

    r.get(
      '/api/events',
      {
        schema: {
          summary: 'The workspace’s events of the last 30 days, newest first',
          response: { 200: listOf('Event'), ...errors(400) },
          querystring: Type.Object({
            ...PageQuery,
            type: Type.Optional(Type.String({ maxLength: 64 })),
            since: Type.Optional(Type.String({ maxLength: 40 })),
          }),
        },
      },
      async (request) => {
        const { type, since, cursor } = request.query;
        const limit = request.query.limit ?? 50;
        if (type !== undefined && !isEventType(type)) throw validationError(`type "${type}" is not an event type`, { field: 'type' });
        let from = clock.now() - EVENT_LIST_WINDOW_MS;
        if (since !== undefined) {
          const ms = Date.parse(since);
          if (Number.isNaN(ms)) throw validationError('since must be an ISO-8601 date-time', { field: 'since' });
          from = Math.max(from, ms);
        }
        let q = storage.db
          .selectFrom('events_full')
          .selectAll()
          .where('workspace_id', '=', principalOf(request).workspaceId)
          .where('timestamp', '>=', from);
        if (type) q = q.where('type', '=', type);
        const after = decodeCursor(cursor);
        if (after) q = q.where('id', '<', after);
        const rows = await q.orderBy('id', 'desc').limit(limit + 1).execute();
        return page(rows, limit, envelopeFromRow);
      },
    );
  };
}
