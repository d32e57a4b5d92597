import type { AppContext } from '../assembly/context.js';
import { toIso } from '../runtime/clock.js';
import { notFound, validationError } from '../errors.js';
import type { Principal } from '../accounts/principal.js';
import type { IntegrationTable } from '../storage/schema.js';
import type { Integration, IntegrationEventData } from './integration-schema.js';

export const INTEGRATION_TYPES = ['slack', 'zapier', 'make', 'segment', 'hubspot', 'custom'] as const;
export const MAX_SETTINGS_BYTES = 8 * 1024;

export function renderIntegration(row: IntegrationTable): Integration {
  return {
    id: row.id,
    type: row.type,
    name: row.name,
    settings: JSON.parse(row.settings) as Record<string, unknown>,
    created_at: toIso(row.created_at),
  };
}

/** Named connections to other tools; connecting one emits `integration.connected`. */
export class IntegrationService {
  constructor(private readonly deps: Omit<AppContext, 'config'>) {}

  async list(workspaceId: string, query: { limit: number; after: string | null; type?: string | undefined }): Promise<IntegrationTable[]> {
    let q = this.deps.storage.db.selectFrom('integrations').selectAll().where('workspace_id', '=', workspaceId);
    if (query.type) q = q.where('type', '=', query.type);
    if (query.after) q = q.where('id', '<', query.after);
    return q.orderBy('id', 'desc').limit(query.limit + 1).execute();
  }

  async get(workspaceId: string, id: string): Promise<Integration> {
    const row = await this.deps.storage.db.selectFrom('integrations').selectAll().where('id', '=', id).where('workspace_id', '=', workspaceId).executeTakeFirst();
    if (!row) throw notFound('Integration');
    return renderIntegration(row);
  }

  async connect(principal: Principal, input: { type: string; name: string; settings?: Record<string, unknown> | undefined }): Promise<Integration> {
    const { storage, clock, ids, outbox } = this.deps;
    const settings = JSON.stringify(input.settings ?? {});
    const size = Buffer.byteLength(settings, 'utf8');
    if (size > MAX_SETTINGS_BYTES) {
      throw validationError(`settings is ${size} bytes as JSON; the limit is ${MAX_SETTINGS_BYTES}`, { field: 'settings', max_bytes: MAX_SETTINGS_BYTES });
    }
    const row: IntegrationTable = {
      id: ids.next('int'),
      workspace_id: principal.workspaceId,
      type: input.type,
      name: input.name,
      settings,
      created_by: principal.userId,
      created_at: clock.now(),
    };
    const integration = renderIntegration(row);
    const { settings: _secret, ...announced }: Integration = integration;
    const eventData: IntegrationEventData = announced;
    await storage.transaction(async (tx) => {
      await tx.db.insertInto('integrations').values(row).execute();
      await outbox.append(tx, [{ type: 'integration.connected', workspaceId: principal.workspaceId, data: { integration: eventData } }]);
    });
    return integration;
  }

  /** Disconnecting emits nothing: the catalog has no such event. */
  async remove(workspaceId: string, id: string): Promise<void> {
    const result = await this.deps.storage.db.deleteFrom('integrations').where('id', '=', id).where('workspace_id', '=', workspaceId).executeTakeFirst();
    if (Number(result.numDeletedRows) === 0) throw notFound('Integration');
  }
}
