import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { scopesCover } from '../api-keys/scopes.js';
import { validationError } from '../errors.js';
import { principalOf } from '../http/auth.js';
import { errors } from '../openapi/refs.js';
import { isEventType } from './event-types.js';
import { ATTEMPT_EVENT, type EventStreamHub } from './event-stream.js';
import { STREAM_RETRY_AFTER_S, type StreamQuota } from './stream-quota.js';

const MAX_LAST_EVENT_ID = 64;

/** GET /api/events/stream: the workspace's new events as server-sent events (docs/events-stream.md). */
export function eventStreamRoutes(hub: EventStreamHub, quota: StreamQuota) {
  return (app: FastifyInstance): void => {
    const r = app.withTypeProvider<TypeBoxTypeProvider>();
    r.get(
      '/api/events/stream',
      {
        schema: {
          summary: 'Live stream of new events (server-sent events), resumable with Last-Event-ID',
          querystring: Type.Object({
            types: Type.Optional(Type.String({ maxLength: 2048, description: `Comma list of event types (and/or "${ATTEMPT_EVENT}")` })),
            last_event_id: Type.Optional(Type.String({ maxLength: MAX_LAST_EVENT_ID, description: 'Same as the Last-Event-ID header' })),
          }),
          headers: Type.Object({ 'last-event-id': Type.Optional(Type.String({ maxLength: MAX_LAST_EVENT_ID })) }),
          response: {
            200: {
              description: `An endless text/event-stream: each event as "id: <event id>", "event: <type>", "data: <envelope JSON>"; delivery attempts as "event: ${ATTEMPT_EVENT}" without an id; ": heartbeat" comments every 15 s.`,
              content: { 'text/event-stream': { schema: Type.String() } },
            },
            ...errors(400, 429),
          },
        },
      },
      async (request, reply) => {
        const principal = principalOf(request);
        let types: string[] | null = null;
        let attempts = principal.scopes.length === 0 || scopesCover(principal.scopes, 'webhooks:read');
        if (request.query.types !== undefined) {
          const names = request.query.types.split(',').map((t) => t.trim()).filter(Boolean);
          const bad = names.filter((t) => t !== ATTEMPT_EVENT && !isEventType(t));
          if (bad.length) throw validationError(`types: not event types: ${bad.join(', ')}`, { field: 'types', invalid: bad });
          attempts &&= names.includes(ATTEMPT_EVENT);
          types = names.filter((t) => t !== ATTEMPT_EVENT);
        }
        const lastEventId = request.headers['last-event-id'] || request.query.last_event_id || null;
        const streamRequest = { workspaceId: principal.workspaceId, types, attempts, lastEventId };
        const holder = principal.keyId !== null ? `key:${principal.keyId}` : `user:${principal.userId ?? ''}`;
        let release: () => void;
        try {
          release = quota.acquire(holder, principal.workspaceId);
        } catch (err) {
          void reply.header('retry-after', String(STREAM_RETRY_AFTER_S));
          throw err;
        }
        reply.raw.once('close', release);
        let start;
        try {
          start = (await hub.startPosition(streamRequest)) ?? (await hub.startPosition({ ...streamRequest, lastEventId: null }))!;
        } catch (err) {
          release();
          throw err;
        }
        const resumed = lastEventId !== null && start.skip.size === 0 && start.position.id === lastEventId;

        reply.hijack();
        const res = reply.raw;
        res.writeHead(200, {
          'content-type': 'text/event-stream; charset=utf-8',
          'cache-control': 'no-cache, no-transform',
          connection: 'keep-alive',
          // Tell buffering proxies (nginx) to pass each frame at once.
          'x-accel-buffering': 'no',
        });
        res.write(`retry: 2000\n: ${resumed ? `resuming after ${lastEventId}` : lastEventId ? `unknown Last-Event-ID ${lastEventId}; starting from now` : 'streaming new events'}\n\n`);
        hub.open(streamRequest, res, start);
      },
    );
  };
}
