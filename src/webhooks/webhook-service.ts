import type { Kysely } from 'kysely';
import { NEWEST_PAYLOAD_VERSION } from '../events/payload-versions.js';
import type { Plan, PlanTable } from '../accounts/plans.js';
import { generateWebhookSecret } from './signing.js';
import { failPendingOfWebhooks } from '../delivery/delivery-store.js';
import { AppError, notFound, validationError } from '../errors.js';
import { createHostResolver } from '../outbound/target-resolver.js';
import { CidrSet } from '../net/cidr.js';
import { literalAddressOf } from '../net/host-literal.js';
import type { Database, WebhookTable } from '../storage/schema.js';
import type { Tx } from '../storage/storage.js';
import { unmaskHeaders, unmaskUrl, webhookColumnsFrom } from './webhook-input.js';
import { renderWebhook } from './webhook-model.js';
import {
  DEFAULT_TIMEOUT_MS,
  type CreateLinkWebhookInput,
  type CreateWebhookInput,
  type UpdateWebhookInput,
  type Webhook,
  type WebhookWithSecret,
} from './webhook-schema.js';
import { notifyWebhooksChanged } from '../storage/signals.js';
import type { AppContext } from '../assembly/context.js';

export interface WebhookServiceDeps extends Omit<AppContext, 'outbox'> {
  plans: PlanTable;
}

export interface WebhookListQuery {
  limit: number;
  /** Cursor: only webhooks with a smaller (older) id. */
  after: string | null;
  /** Only webhooks whose link_ids include this link. */
  linkId?: string | undefined;
}

type Db = Kysely<Database>;

const DEFAULT_RETRY = JSON.stringify({ mode: 'exponential' });

/**
 * Webhook subscriptions (docs/webhooks.md): create, read, change, delete, rotate secrets. Every method is scoped to a workspace,
 * so another workspace's webhook or link is "not found", never revealed.
 */
export class WebhookService {
  private readonly allowPrivate: CidrSet;

  constructor(private readonly deps: WebhookServiceDeps) {
    this.allowPrivate = new CidrSet(deps.config.allowPrivateWebhookTargets);
  }

  /** The operator may cap timeouts below 30 s (LINKWIRE_WEBHOOK_MAX_TIMEOUT_MS) so that a shorter delivery lease is safe. */
  private checkTimeout(timeoutMs: number | undefined): void {
    const max = this.deps.config.webhookMaxTimeoutMs;
    if (timeoutMs !== undefined && timeoutMs > max) {
      throw validationError(`timeout_ms must be at most ${max} on this instance (LINKWIRE_WEBHOOK_MAX_TIMEOUT_MS)`, { field: 'timeout_ms' });
    }
  }

  /**
   * Plain http may only reach addresses the operator allows (LINKWIRE_ALLOW_PRIVATE_WEBHOOK_TARGETS).
   * A literal address is judged by the URL check; a name is resolved now (through LINKWIRE_DNS_SERVER
   * when set) and refused unless every address it has is in the allow-list. Delivery checks again on
   * every attempt, since DNS may change.
   */
  private async checkPlainHttpTarget(url: string): Promise<void> {
    const parsed = new URL(url);
    if (parsed.protocol !== 'http:' || literalAddressOf(parsed.hostname) !== null) return;
    const refuse = (reason: string) => {
      throw new AppError('INVALID_URL', `url ${reason}`, { field: 'url', reason });
    };
    const resolver = createHostResolver(this.deps.config.dnsServer);
    let addresses: string[];
    try {
      addresses = await resolver.resolve(parsed.hostname);
    } catch (err) {
      return refuse(`uses http, which is allowed only to addresses in LINKWIRE_ALLOW_PRIVATE_WEBHOOK_TARGETS, and ${parsed.hostname} could not be resolved to check (${err instanceof Error ? err.message : String(err)})`);
    } finally {
      resolver.close();
    }
    const outside = addresses.filter((address) => !this.allowPrivate.has(address));
    if (outside.length > 0) {
      refuse(`uses http, which is allowed only to addresses in LINKWIRE_ALLOW_PRIVATE_WEBHOOK_TARGETS; ${parsed.hostname} resolves to ${outside.join(', ')} (use https)`);
    }
  }

  async create(workspaceId: string, input: CreateWebhookInput): Promise<WebhookWithSecret> {
    const { link_ids: linkIds, ...fields } = input;
    return this.insert(workspaceId, fields, linkIds ?? []);
  }

  /** A link-level webhook: `link_ids` is `[linkId]`. 404 when the link is not this workspace's. */
  async createForLink(workspaceId: string, linkId: string, input: CreateLinkWebhookInput): Promise<WebhookWithSecret> {
    await this.requireLink(this.deps.storage.db, workspaceId, linkId);
    return this.insert(workspaceId, input, [linkId]);
  }

  async get(workspaceId: string, id: string): Promise<Webhook> {
    const db = this.deps.storage.db;
    const row = await this.findRow(db, workspaceId, id);
    return renderWebhook(row, await this.linkIdsOf(db, id));
  }

  /** Newest first; returns up to `limit + 1` webhooks so the caller can tell whether a next page exists. */
  async list(workspaceId: string, query: WebhookListQuery): Promise<Webhook[]> {
    const db = this.deps.storage.db;
    let q = db.selectFrom('webhooks').selectAll('webhooks').where('webhooks.workspace_id', '=', workspaceId);
    if (query.linkId !== undefined) {
      const linkId = query.linkId;
      q = q.where((eb) =>
        eb.exists(
          eb.selectFrom('webhook_links').select('webhook_links.link_id').whereRef('webhook_links.webhook_id', '=', 'webhooks.id').where('webhook_links.link_id', '=', linkId),
        ),
      );
    }
    if (query.after) q = q.where('webhooks.id', '<', query.after);
    const rows = await q.orderBy('webhooks.id', 'desc').limit(query.limit + 1).execute();
    const links = await this.linkIdsOfMany(db, rows.map((r) => r.id));
    return rows.map((row) => renderWebhook(row, links.get(row.id) ?? []));
  }

  /** The webhooks whose link_ids include the link; 404 when the link is not this workspace's. */
  async listForLink(workspaceId: string, linkId: string, query: Omit<WebhookListQuery, 'linkId'>): Promise<Webhook[]> {
    await this.requireLink(this.deps.storage.db, workspaceId, linkId);
    return this.list(workspaceId, { ...query, linkId });
  }

  async update(workspaceId: string, id: string, patch: UpdateWebhookInput): Promise<Webhook> {
    const { link_ids: linkIdsInput, ...fields } = patch;
    if (fields.headers !== undefined) {
      const stored = JSON.parse((await this.findRow(this.deps.storage.db, workspaceId, id)).headers) as Record<string, string>;
      fields.headers = unmaskHeaders(fields.headers, stored);
    }
    if (fields.url !== undefined) fields.url = unmaskUrl(fields.url, (await this.findRow(this.deps.storage.db, workspaceId, id)).url);
    const columns = webhookColumnsFrom(fields, this.allowPrivate, this.deps.config.destinations);
    this.checkTimeout(columns.timeout_ms);
    if (columns.url !== undefined) await this.checkPlainHttpTarget(columns.url);
    const linkIds = linkIdsInput === undefined ? undefined : [...new Set(linkIdsInput)];
    const { storage, clock } = this.deps;
    return storage.transaction(async (tx) => {
      const before = await this.findRow(tx.db, workspaceId, id);
      const changes: Partial<WebhookTable> = { ...columns, updated_at: clock.now() };
      // Switching a webhook back on gives it a fresh start, whether it was paused or auto-disabled.
      if (columns.active === 1 && (before.active === 0 || before.disabled_at !== null)) {
        Object.assign(changes, { disabled_at: null, disabled_reason: null, consecutive_failures: 0, failing_since: null });
      }
      // A new endpoint has no failure history.
      if (columns.url !== undefined && columns.url !== before.url) {
        Object.assign(changes, { consecutive_failures: 0, failing_since: null });
      }
      if (linkIds !== undefined) {
        await this.requireLinks(tx.db, workspaceId, linkIds);
        await tx.db.deleteFrom('webhook_links').where('webhook_id', '=', id).execute();
        await this.insertLinks(tx, workspaceId, id, linkIds);
      }
      await tx.db.updateTable('webhooks').set(changes).where('id', '=', id).execute();
      await webhooksChanged(tx, workspaceId);
      const after: WebhookTable = { ...before, ...changes };
      return renderWebhook(after, linkIds ?? (await this.linkIdsOf(tx.db, id)));
    });
  }

  /** Deletes the webhook and its link rows; its pending deliveries are marked failed so none is sent. */
  async remove(workspaceId: string, id: string): Promise<void> {
    await this.deps.storage.transaction(async (tx) => {
      await this.findRow(tx.db, workspaceId, id);
      await deleteWebhooks(tx, [id], this.deps.clock.now());
    });
  }

  /**
   * Removes a link from a webhook's link_ids; a webhook left without links is deleted (it was
   * that link's webhook, and must not silently widen to the whole workspace).
   * 404 when the link, the webhook, or the pairing does not exist in this workspace.
   */
  async detachLink(workspaceId: string, linkId: string, webhookId: string): Promise<{ webhookDeleted: boolean }> {
    return this.deps.storage.transaction(async (tx) => {
      await this.requireLink(tx.db, workspaceId, linkId);
      await this.findRow(tx.db, workspaceId, webhookId);
      const linkIds = await this.linkIdsOf(tx.db, webhookId);
      if (!linkIds.includes(linkId)) throw notFound('Webhook');
      const now = this.deps.clock.now();
      if (linkIds.length === 1) {
        await deleteWebhooks(tx, [webhookId], now);
        return { webhookDeleted: true };
      }
      await tx.db.deleteFrom('webhook_links').where('webhook_id', '=', webhookId).where('link_id', '=', linkId).execute();
      await tx.db.updateTable('webhooks').set({ updated_at: now }).where('id', '=', webhookId).execute();
      await webhooksChanged(tx, workspaceId);
      return { webhookDeleted: false };
    });
  }

  /**
   * A new secret. With a grace period the old one keeps signing (as a second signature) until
   * it ends; with 0 it stops at once. A secret still in an earlier grace period is dropped.
   */
  async rotateSecret(workspaceId: string, id: string, gracePeriodS = 0): Promise<{ secret: string }> {
    const { storage, clock } = this.deps;
    return storage.transaction(async (tx) => {
      const row = await this.findRow(tx.db, workspaceId, id);
      const now = clock.now();
      const secret = generateWebhookSecret();
      await tx.db
        .updateTable('webhooks')
        .set({
          secret,
          previous_secret: gracePeriodS > 0 ? row.secret : null,
          previous_secret_expires_at: gracePeriodS > 0 ? now + gracePeriodS * 1000 : null,
          updated_at: now,
        })
        .where('id', '=', id)
        .execute();
      await webhooksChanged(tx, workspaceId);
      return { secret };
    });
  }

  private async insert(workspaceId: string, input: CreateLinkWebhookInput, linkIdsInput: readonly string[]): Promise<WebhookWithSecret> {
    const columns = webhookColumnsFrom(input, this.allowPrivate, this.deps.config.destinations);
    this.checkTimeout(columns.timeout_ms);
    if (columns.url !== undefined) await this.checkPlainHttpTarget(columns.url);
    const linkIds = [...new Set(linkIdsInput)];
    const { storage, clock, ids } = this.deps;
    return storage.transaction(async (tx) => {
      await this.checkLimit(tx, workspaceId);
      await this.requireLinks(tx.db, workspaceId, linkIds);
      const now = clock.now();
      const row: WebhookTable = {
        id: ids.next('wh'),
        workspace_id: workspaceId,
        // Another service's API call may leave the name out: the endpoint's host names it.
        name: columns.name ?? new URL(columns.url!).hostname.slice(0, 200),
        url: columns.url!,
        events: columns.events!,
        filter: columns.filter ?? null,
        active: columns.active ?? 1,
        timeout_ms: columns.timeout_ms ?? Math.min(DEFAULT_TIMEOUT_MS, this.deps.config.webhookMaxTimeoutMs),
        retry: columns.retry ?? DEFAULT_RETRY,
        format: columns.format ?? 'standard',
        // A new webhook gets today's newest shape; existing ones keep theirs until they upgrade.
        payload_version: columns.payload_version ?? NEWEST_PAYLOAD_VERSION,
        headers: columns.headers ?? '{}',
        secret: columns.secret ?? generateWebhookSecret(),
        previous_secret: null,
        previous_secret_expires_at: null,
        consecutive_failures: 0,
        failing_since: null,
        disabled_at: null,
        disabled_reason: null,
        created_at: now,
        updated_at: now,
      };
      await tx.db.insertInto('webhooks').values(row).execute();
      await this.insertLinks(tx, workspaceId, row.id, linkIds);
      await webhooksChanged(tx, workspaceId);
      return { ...renderWebhook(row, linkIds), secret: row.secret };
    });
  }

  /** 403 LIMIT_REACHED when one more webhook would exceed the plan. Counted under a lock on the workspace row. */
  private async checkLimit(tx: Tx, workspaceId: string): Promise<void> {
    // Locked so two concurrent creates cannot both pass the count.
    const workspace = await tx.lockRows(tx.db.selectFrom('workspaces').select('plan').where('id', '=', workspaceId)).executeTakeFirst();
    if (!workspace) throw notFound('Workspace');
    const plan = this.planOf(workspace.plan);
    if (plan.webhooks === null) return;
    const count = await this.countOf(tx.db, workspaceId);
    if (count >= plan.webhooks) {
      throw new AppError('LIMIT_REACHED', `The ${plan.name} plan allows ${plan.webhooks} webhook${plan.webhooks === 1 ? '' : 's'}; this workspace has ${count}. Upgrade to add more.`, {
        plan: plan.name,
        limit: plan.webhooks,
        count,
      });
    }
  }

  /** A workspace on a plan no longer in the table gets the default plan's limits. */
  private planOf(name: string): Plan {
    const { plans, config } = this.deps;
    return plans.get(name) ?? plans.get(config.defaultPlan) ?? { name, rank: 0, webhooks: 0 };
  }

  private async countOf(db: Db, workspaceId: string): Promise<number> {
    const result = await db.selectFrom('webhooks').select((eb) => eb.fn.countAll<string | number>().as('n')).where('workspace_id', '=', workspaceId).executeTakeFirstOrThrow();
    return Number(result.n);
  }

  private async findRow(db: Db, workspaceId: string, id: string): Promise<WebhookTable> {
    const row = await db.selectFrom('webhooks').selectAll().where('id', '=', id).where('workspace_id', '=', workspaceId).executeTakeFirst();
    if (!row) throw notFound('Webhook');
    return row;
  }

  private async requireLink(db: Db, workspaceId: string, linkId: string): Promise<void> {
    const link = await db.selectFrom('links').select('id').where('id', '=', linkId).where('workspace_id', '=', workspaceId).executeTakeFirst();
    if (!link) throw notFound('Link');
  }

  /** 400 naming every id that is not a link of this workspace (other workspaces' links look the same as none). */
  private async requireLinks(db: Db, workspaceId: string, linkIds: readonly string[]): Promise<void> {
    if (linkIds.length === 0) return;
    const found = await db.selectFrom('links').select('id').where('workspace_id', '=', workspaceId).where('id', 'in', linkIds).execute();
    const known = new Set(found.map((r) => r.id));
    const missing = linkIds.filter((id) => !known.has(id));
    if (missing.length > 0) {
      throw validationError(`link_ids: no such link in this workspace: ${missing.join(', ')}`, { field: 'link_ids', missing });
    }
  }

  private async insertLinks(tx: Tx, workspaceId: string, webhookId: string, linkIds: readonly string[]): Promise<void> {
    if (linkIds.length === 0) return;
    await tx.db.insertInto('webhook_links').values(linkIds.map((linkId) => ({ webhook_id: webhookId, link_id: linkId, workspace_id: workspaceId }))).execute();
  }

  private async linkIdsOf(db: Db, webhookId: string): Promise<string[]> {
    const rows = await db.selectFrom('webhook_links').select('link_id').where('webhook_id', '=', webhookId).orderBy('link_id').execute();
    return rows.map((r) => r.link_id);
  }

  private async linkIdsOfMany(db: Db, webhookIds: readonly string[]): Promise<Map<string, string[]>> {
    const out = new Map<string, string[]>();
    if (webhookIds.length === 0) return out;
    const rows = await db.selectFrom('webhook_links').select(['webhook_id', 'link_id']).where('webhook_id', 'in', webhookIds).orderBy('link_id').execute();
    for (const row of rows) {
      const list = out.get(row.webhook_id) ?? [];
      list.push(row.link_id);
      out.set(row.webhook_id, list);
    }
    return out;
  }
}

/** Deletes webhooks and their link rows, and fails their pending deliveries so the worker skips them. */
export async function deleteWebhooks(tx: Tx, webhookIds: readonly string[], now: number): Promise<void> {
  if (webhookIds.length === 0) return;
  const ids = [...webhookIds];
  await tx.db.deleteFrom('webhook_links').where('webhook_id', 'in', ids).execute();
  await tx.db.deleteFrom('webhooks').where('id', 'in', ids).execute();
  await failPendingOfWebhooks(tx, ids, now);
  await webhooksChanged(tx, '');
}

/**
 * Tells every process (and thread) that a workspace's webhooks changed, once this transaction
 * commits: fan-out caches them (src/delivery/active-webhooks.ts). `''`: any workspace's.
 */
export async function webhooksChanged(tx: Tx, workspaceId: string): Promise<void> {
  await notifyWebhooksChanged(tx, workspaceId);
}

/**
 * For link deletion: removes the links from every webhook, and deletes the link-level webhooks
 * left without any link, which would otherwise widen to the whole workspace. Call it in the
 * transaction that deletes the links, before any other change to `webhook_links`.
 */
export async function detachDeletedLinks(tx: Tx, workspaceId: string, linkIds: readonly string[], now: number): Promise<string[]> {
  if (linkIds.length === 0) return [];
  const ids = [...linkIds];
  const affected = await tx.db.selectFrom('webhook_links').select('webhook_id').distinct().where('workspace_id', '=', workspaceId).where('link_id', 'in', ids).execute();
  await tx.db.deleteFrom('webhook_links').where('workspace_id', '=', workspaceId).where('link_id', 'in', ids).execute();
  const webhookIds = affected.map((r) => r.webhook_id);
  if (webhookIds.length === 0) return [];
  await webhooksChanged(tx, workspaceId);
  const remaining = await tx.db.selectFrom('webhook_links').select('webhook_id').distinct().where('webhook_id', 'in', webhookIds).execute();
  const stillLinked = new Set(remaining.map((r) => r.webhook_id));
  const orphans = webhookIds.filter((id) => !stillLinked.has(id));
  await deleteWebhooks(tx, orphans, now);
  return orphans;
}
