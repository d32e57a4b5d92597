import type { AppContext } from '../assembly/context.js';
import type { ApiKey } from '../accounts/account-schema.js';
import { API_KEY_PREFIX, hashToken, newSecretToken } from '../accounts/tokens.js';
import { toIso, toIsoOrNull } from '../runtime/clock.js';
import { AppError, notFound, validationError } from '../errors.js';
import type { Principal } from '../accounts/principal.js';
import type { ApiKeyTable } from '../storage/account-tables.js';
import { isScope, SCOPES, scopesCover } from './scopes.js';

export function renderApiKey(row: ApiKeyTable): ApiKey {
  return {
    id: row.id,
    name: row.name,
    prefix: row.key_prefix,
    scopes: JSON.parse(row.scopes) as string[],
    created_at: toIso(row.created_at),
    last_used_at: toIsoOrNull(row.last_used_at),
  };
}

export class ApiKeyService {
  constructor(private readonly deps: Omit<AppContext, 'config'>) {}

  async list(workspaceId: string, query: { limit: number; after: string | null }): Promise<ApiKeyTable[]> {
    let q = this.deps.storage.db.selectFrom('api_keys').selectAll().where('workspace_id', '=', workspaceId);
    if (query.after) q = q.where('id', '<', query.after);
    return q.orderBy('id', 'desc').limit(query.limit + 1).execute();
  }

  async get(workspaceId: string, id: string): Promise<ApiKey> {
    const row = await this.deps.storage.db.selectFrom('api_keys').selectAll().where('id', '=', id).where('workspace_id', '=', workspaceId).executeTakeFirst();
    if (!row) throw notFound('API key');
    return renderApiKey(row);
  }

  /**
   * The new key acts with its creator's role. A scoped caller can only hand out scopes it has
   * itself, so a key cannot mint a stronger one.
   */
  async create(principal: Principal, input: { name: string; scopes?: string[] | undefined }): Promise<ApiKey & { key: string }> {
    const { storage, clock, ids, outbox } = this.deps;
    const scopes = [...new Set(input.scopes ?? [])];
    const unknown = scopes.filter((s) => !isScope(s));
    if (unknown.length) {
      throw validationError(`unknown scopes: ${unknown.join(', ')} (known: ${SCOPES.join(', ')})`, { field: 'scopes', invalid: unknown });
    }
    if (principal.scopes.length > 0) {
      const beyond = scopes.length === 0 ? ['(full access)'] : scopes.filter((s) => !scopesCover(principal.scopes, s));
      if (beyond.length) {
        throw new AppError('FORBIDDEN', `A scoped key can only create keys within its own scopes; not covered: ${beyond.join(', ')}`, {
          not_covered: beyond,
        });
      }
    }
    const key = newSecretToken(API_KEY_PREFIX);
    const row: ApiKeyTable = {
      id: ids.next('key'),
      workspace_id: principal.workspaceId,
      name: input.name,
      key_hash: hashToken(key),
      key_prefix: key.slice(0, API_KEY_PREFIX.length + 4),
      scopes: JSON.stringify(scopes),
      created_by: principal.userId,
      created_at: clock.now(),
      last_used_at: null,
    };
    const apiKey = renderApiKey(row);
    await storage.transaction(async (tx) => {
      await tx.db.insertInto('api_keys').values(row).execute();
      await outbox.append(tx, [{ type: 'api_key.created', workspaceId: principal.workspaceId, data: { api_key: apiKey } }]);
    });
    return { ...apiKey, key };
  }

  /** Revokes at once: the next call with the key answers 401. */
  async remove(workspaceId: string, id: string): Promise<void> {
    const result = await this.deps.storage.db.deleteFrom('api_keys').where('id', '=', id).where('workspace_id', '=', workspaceId).executeTakeFirst();
    if (Number(result.numDeletedRows) === 0) throw notFound('API key');
  }
}
