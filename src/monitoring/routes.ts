import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { toIsoOrNull } from '../runtime/clock.js';
import { principalOf } from '../http/auth.js';
import type { LinkService } from '../links/link-service.js';
import type { Storage } from '../storage/storage.js';
import { MonitorStore } from './monitor-store.js';
import { ref } from '../openapi/components.js';
import { errors } from '../openapi/refs.js';

/**
 * `GET /api/links/:id/monitor` — the health-check state of a link, one indexed row read:
 * `status` is `off` (monitor is false), `pending` (not checked yet), `healthy` or `broken`.
 */
export function monitorRoutes(links: LinkService, storage: Storage) {
  const store = new MonitorStore(storage);
  return (app: FastifyInstance): void => {
    const r = app.withTypeProvider<TypeBoxTypeProvider>();
    r.get('/api/links/:id/monitor', { schema: { summary: 'The link’s health-check state', params: Type.Object({ id: Type.String({ maxLength: 64 }) }), response: { 200: ref('LinkMonitor'), ...errors(404) } } }, async (request) => {
      const workspaceId = principalOf(request).workspaceId;
      const link = await links.get(workspaceId, request.params.id);
      const row = link.monitor ? await store.find(workspaceId, link.id) : undefined;
      return {
        link_id: link.id,
        monitor: link.monitor,
        url: link.url,
        status: !link.monitor ? 'off' : (row?.status ?? 'pending'),
        consecutive_failures: row?.consecutive_failures ?? 0,
        last_checked_at: toIsoOrNull(row?.last_checked_at),
        last_status_code: row?.last_status_code ?? null,
        last_error: row?.last_error ?? null,
        status_changed_at: toIsoOrNull(row?.status_changed_at),
        // While a check is in flight this is its lease's end.
        next_check_at: link.monitor ? toIsoOrNull(row?.next_check_at) : null,
      };
    });
  };
}
