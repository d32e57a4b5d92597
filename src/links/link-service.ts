import { sql } from 'kysely';
import { AppError, conflict, notFound, validationError } from '../errors.js';
import type { NewEvent } from '../events/outbox.js';
import type { LinkTable } from '../storage/schema.js';
import type { Storage, Tx } from '../storage/storage.js';
import { isUniqueViolation } from '../storage/unique-violation.js';
import type { FramingCheck } from './framing-check.js';
import { linkColumnsFrom, linkSizeError, pastExpiryError, throwIfErrors, type FieldError, type LinkColumns } from './link-input.js';
import { renderLink } from './link-model.js';
import type { CreateLinkInput, Link, UpdateLinkInput } from './link-schema.js';
import { randomSlug } from './slugs.js';
import { detachDeletedLinks } from '../webhooks/webhook-service.js';
import { notifyLinkChanged } from '../storage/signals.js';
import type { AppContext } from '../assembly/context.js';

export interface LinkServiceDeps extends AppContext {
  /** Asks a cloaked link's destinations whether they may be framed (null: cloaking cannot be turned on). */
  framing: FramingCheck | null;
}

export interface LinkListQuery {
  search?: string | undefined;
  tag?: string | undefined;
  domain?: string | undefined;
  limit: number;
  after: string | null;
}

const SLUG_ATTEMPTS = 6;
/** Every distinct destination of a cloaked link is asked whether it may be framed: a bound on that work. */
const MAX_CLOAKED_DESTINATIONS = 20;

export class LinkService {
  constructor(private readonly deps: LinkServiceDeps) {}

  private render(row: LinkTable): Link {
    return renderLink(row, this.deps.config.baseUrl);
  }

  async get(workspaceId: string, id: string): Promise<Link> {
    const row = await this.findRow(this.deps.storage.db, workspaceId, id);
    return this.render(row);
  }

  async list(workspaceId: string, query: LinkListQuery): Promise<LinkTable[]> {
    let q = this.deps.storage.db.selectFrom('links').selectAll('links').where('links.workspace_id', '=', workspaceId);
    if (query.tag) {
      const tag = query.tag;
      q = q.where((eb) =>
        eb.exists(eb.selectFrom('link_tags').select('link_tags.link_id').whereRef('link_tags.link_id', '=', 'links.id').where('link_tags.tag', '=', tag)),
      );
    }
    if (query.domain) q = q.where('links.domain', '=', query.domain.toLowerCase());
    if (query.search) {
      const pattern = `%${query.search.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      q = q.where((eb) =>
        eb.or(
          (['slug', 'url', 'title'] as const).map((col) =>
            sql<boolean>`lower(${sql.ref(`links.${col}`)}) like ${pattern} escape '\\'`,
          ),
        ),
      );
    }
    if (query.after) q = q.where('links.id', '<', query.after);
    return q.orderBy('links.id', 'desc').limit(query.limit + 1).execute();
  }

  renderRow(row: LinkTable): Link {
    return this.render(row);
  }

  /** `createdBy`: the user making it (an API key's owner), or null. */
  async create(workspaceId: string, input: CreateLinkInput, createdBy: string | null = null): Promise<Link> {
    const [link] = await this.createMany(workspaceId, [input], createdBy);
    return link!;
  }

  /** All or nothing: one invalid or conflicting link and nothing is created. */
  async createMany(workspaceId: string, inputs: CreateLinkInput[], createdBy: string | null = null): Promise<Link[]> {
    const prepared = inputs.map((input) => linkColumnsFrom(input));
    const errors: FieldError[] = [];
    const now = this.deps.clock.now();
    prepared.forEach((p, i) => {
      const expired = p.columns.expires_at != null ? pastExpiryError(p.columns.expires_at, now) : null;
      if (expired) p.errors.push(expired);
      const tooBig = p.errors.length === 0 ? linkSizeError(p.columns) : null;
      for (const e of tooBig ? [...p.errors, tooBig] : p.errors) errors.push({ field: inputs.length > 1 ? `links[${i}].${e.field}` : e.field, message: e.message });
    });
    throwIfErrors(errors);
    await this.checkDomains(workspaceId, prepared.map((p) => p.columns.domain ?? this.deps.config.defaultDomain));
    const framingErrors = await Promise.all(
      prepared.map(async (p, i) => {
        if (p.columns.cloaking !== 1) return [];
        const found = await this.framingErrors(p.columns.domain ?? this.deps.config.defaultDomain, p.columns.url!, p.columns.rules ?? '[]');
        return found.map((e) => ({ field: inputs.length > 1 ? `links[${i}].${e.field}` : e.field, message: e.message }));
      }),
    );
    throwIfErrors(framingErrors.flat());

    const explicit = new Map<string, number>();
    prepared.forEach((p, i) => {
      if (!p.columns.slug) return;
      const key = `${p.columns.domain ?? this.deps.config.defaultDomain}/${p.columns.slug}`;
      if (explicit.has(key)) throw conflict(`slug "${p.columns.slug}" appears twice in this request`, { index: i, slug: p.columns.slug });
      explicit.set(key, i);
    });

    for (let attempt = 0; ; attempt++) {
      try {
        return await this.insertAll(workspaceId, prepared.map((p) => p.columns), createdBy);
      } catch (err) {
        if (!isUniqueViolation(err)) throw err;
        // Either a custom slug is taken (report it) or a random one collided (retry with fresh ones).
        const taken = await this.findTakenSlugs(prepared.map((p) => p.columns).filter((c) => c.slug !== undefined));
        if (taken.length > 0) {
          throw conflict(`slug "${taken[0]!.slug}" is already taken on ${taken[0]!.domain}`, { slugs: taken });
        }
        if (attempt >= SLUG_ATTEMPTS) throw err;
      }
    }
  }

  private async insertAll(workspaceId: string, all: LinkColumns[], createdBy: string | null): Promise<Link[]> {
    const { storage, clock, ids, outbox, config } = this.deps;
    return storage.transaction(async (tx) => {
      const now = clock.now();
      const rows: LinkTable[] = all.map((c) => ({
        id: ids.next('lnk'),
        workspace_id: workspaceId,
        domain: c.domain ?? config.defaultDomain,
        slug: c.slug ?? randomSlug(),
        url: c.url!,
        title: c.title ?? null,
        tags: c.tags ?? '[]',
        expires_at: c.expires_at ?? null,
        expired_url: c.expired_url ?? null,
        max_clicks: c.max_clicks ?? null,
        geo_block: c.geo_block ?? '[]',
        rules: c.rules ?? '[]',
        utm_source: c.utm_source ?? null,
        utm_medium: c.utm_medium ?? null,
        utm_campaign: c.utm_campaign ?? null,
        utm_term: c.utm_term ?? null,
        utm_content: c.utm_content ?? null,
        forward_params: c.forward_params ?? 0,
        block_bots: c.block_bots ?? 0,
        og_title: c.og_title ?? null,
        og_description: c.og_description ?? null,
        monitor: c.monitor ?? 0,
        enabled: c.enabled ?? 1,
        cloaking: c.cloaking ?? 0,
        public_analytics: c.public_analytics ?? 0,
        track_conversions: c.track_conversions ?? 0,
        alerts: c.alerts ?? '[]',
        created_by: createdBy,
        clicks: 0,
        bot_clicks: 0,
        expired_notified: 0,
        limit_notified: 0,
        created_at: now,
        updated_at: now,
      }));
      for (let i = 0; i < rows.length; i += 50) await tx.db.insertInto('links').values(rows.slice(i, i + 50)).execute();
      const tags = rows.flatMap((r) => (JSON.parse(r.tags) as string[]).map((tag) => ({ link_id: r.id, workspace_id: workspaceId, tag })));
      for (let i = 0; i < tags.length; i += 200) await tx.db.insertInto('link_tags').values(tags.slice(i, i + 200)).execute();
      const links = rows.map((r) => this.render(r));
      await outbox.append(tx, links.map((link) => ({ type: 'link.created', workspaceId, linkId: link.id, data: { link } })));
      for (const r of rows) await notifyLinkChanged(tx, r.domain, r.slug);
      return links;
    });
  }

  async update(workspaceId: string, id: string, input: UpdateLinkInput): Promise<Link> {
    const { columns, errors } = linkColumnsFrom(input);
    throwIfErrors(errors);
    if (columns.domain !== undefined) await this.checkDomains(workspaceId, [columns.domain]);
    if (columns.cloaking === 1 || (columns.cloaking === undefined && (columns.url !== undefined || columns.rules !== undefined || columns.domain !== undefined))) {
      // The destinations it would frame after this change: asked before the transaction, which must not wait on the network.
      const current = await this.findRow(this.deps.storage.db, workspaceId, id);
      if (columns.cloaking === 1 || current.cloaking === 1) {
        throwIfErrors(await this.framingErrors(columns.domain ?? current.domain, columns.url ?? current.url, columns.rules ?? current.rules));
      }
    }
    const { storage, clock, outbox } = this.deps;
    try {
      return await storage.transaction(async (tx) => {
        const before = await this.findRow(tx.db, workspaceId, id);
        // A new expiry must be in the future; the one the link already has may be sent back as it is
        // (an edit form resubmitting an expired link's fields).
        if (columns.expires_at != null && columns.expires_at !== Number(before.expires_at ?? NaN)) {
          const expired = pastExpiryError(columns.expires_at, clock.now());
          if (expired) throwIfErrors([expired]);
        }
        const changes: Partial<LinkTable> = { ...columns, updated_at: clock.now() };
        if (columns.expires_at !== undefined && columns.expires_at !== before.expires_at) changes.expired_notified = 0;
        if (columns.max_clicks !== undefined && columns.max_clicks !== before.max_clicks) changes.limit_notified = 0;
        await tx.db.updateTable('links').set(changes).where('id', '=', id).execute();
        if (columns.tags !== undefined) {
          await tx.db.deleteFrom('link_tags').where('link_id', '=', id).execute();
          const tags = (JSON.parse(columns.tags) as string[]).map((tag) => ({ link_id: id, workspace_id: workspaceId, tag }));
          if (tags.length) await tx.db.insertInto('link_tags').values(tags).execute();
        }
        const afterRow: LinkTable = { ...before, ...changes };
        const tooBig = linkSizeError(afterRow);
        if (tooBig) throwIfErrors([tooBig]); // rolls the update back
        const previousLink = this.render(before);
        const link = this.render(afterRow);
        const previous: Record<string, unknown> = {};
        for (const key of Object.keys(input) as (keyof Link)[]) {
          if (JSON.stringify(previousLink[key]) !== JSON.stringify(link[key])) previous[key] = previousLink[key];
        }
        if (Object.keys(previous).length > 0) {
          await outbox.append(tx, [{ type: 'link.updated', workspaceId, linkId: id, data: { link, previous } }]);
        }
        await notifyLinkChanged(tx, before.domain, before.slug);
        if (afterRow.domain !== before.domain || afterRow.slug !== before.slug) await notifyLinkChanged(tx, afterRow.domain, afterRow.slug);
        return link;
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw conflict(`slug "${columns.slug ?? ''}" is already taken`, { slug: columns.slug });
      throw err;
    }
  }

  async remove(workspaceId: string, id: string): Promise<void> {
    await this.removeMany(workspaceId, [id]);
  }

  /** All or nothing: an id that is not this workspace's link fails the whole request. */
  async removeMany(workspaceId: string, ids: string[]): Promise<number> {
    const unique = [...new Set(ids)];
    const { storage, outbox } = this.deps;
    return storage.transaction(async (tx) => {
      const rows = await tx.db.selectFrom('links').selectAll().where('workspace_id', '=', workspaceId).where('id', 'in', unique).execute();
      if (rows.length !== unique.length) {
        const found = new Set(rows.map((r) => r.id));
        const missing = unique.filter((i) => !found.has(i));
        if (unique.length === 1) throw notFound('Link');
        throw new AppError('NOT_FOUND', `Links not found: ${missing.join(', ')}`, { missing });
      }
      for (let i = 0; i < unique.length; i += 200) {
        const chunk = unique.slice(i, i + 200);
        await tx.db.deleteFrom('links').where('id', 'in', chunk).execute();
        await tx.db.deleteFrom('link_tags').where('link_id', 'in', chunk).execute();
        // A deleted link's clicks go with it: nothing can show them any more (the stats are per link).
        await tx.db.deleteFrom('clicks').where('link_id', 'in', chunk).execute();
      }
      // A webhook that watched only deleted links must not widen to the whole workspace.
      await detachDeletedLinks(tx, workspaceId, unique, this.deps.clock.now());
      const events: NewEvent[] = rows.map((r) => ({ type: 'link.deleted', workspaceId, linkId: r.id, data: { link: this.render(r) } }));
      await outbox.append(tx, events);
      for (const r of rows) await notifyLinkChanged(tx, r.domain, r.slug);
      return rows.length;
    });
  }

  /**
   * A cloaked link's page frames its destination (or a rule's): each must allow being framed by
   * the short URL's origin. Asked of the destinations themselves, in parallel.
   */
  private async framingErrors(domain: string, url: string, rulesJson: string): Promise<FieldError[]> {
    const { framing, config } = this.deps;
    if (!framing) return [{ field: 'cloaking', message: 'is not available on this server' }];
    const rules = JSON.parse(rulesJson) as { url: string }[];
    const targets = new Map<string, string>([[url, 'url']]);
    rules.forEach((r, i) => {
      if (!targets.has(r.url)) targets.set(r.url, `rules[${i}].url`);
    });
    if (targets.size > MAX_CLOAKED_DESTINATIONS) {
      return [{ field: 'cloaking', message: `can frame at most ${MAX_CLOAKED_DESTINATIONS} different destinations (this link has ${targets.size})` }];
    }
    const frameOrigin = `${new URL(config.baseUrl).protocol}//${domain}`;
    const refusals = await Promise.all([...targets].map(async ([target, field]) => ({ field, target, refusal: await framing(target, frameOrigin) })));
    return refusals
      .filter((r) => r.refusal !== null)
      .map((r) => ({ field: 'cloaking', message: `cannot be on: ${r.field} ${r.target} cannot be shown in a frame, because ${r.refusal!}` }));
  }

  private async findRow(db: Tx['db'] | Storage['db'], workspaceId: string, id: string): Promise<LinkTable> {
    const row = await db.selectFrom('links').selectAll().where('id', '=', id).where('workspace_id', '=', workspaceId).executeTakeFirst();
    if (!row) throw notFound('Link');
    return row;
  }

  /** A link may live on the default domain or on one of this workspace's own domains. */
  private async checkDomains(workspaceId: string, domains: string[]): Promise<void> {
    const custom = [...new Set(domains)].filter((d) => d !== this.deps.config.defaultDomain);
    if (custom.length === 0) return;
    const owned = await this.deps.storage.db
      .selectFrom('domains')
      .select('hostname')
      .where('workspace_id', '=', workspaceId)
      .where('hostname', 'in', custom)
      .execute();
    const ownedSet = new Set(owned.map((d) => d.hostname));
    const unknown = custom.filter((d) => !ownedSet.has(d));
    if (unknown.length) {
      throw validationError(`domain ${unknown.join(', ')} is not ${this.deps.config.defaultDomain} or one of this workspace's domains`, {
        field: 'domain',
      });
    }
  }

  private async findTakenSlugs(columns: LinkColumns[]): Promise<{ domain: string; slug: string }[]> {
    const taken: { domain: string; slug: string }[] = [];
    for (const c of columns) {
      const domain = c.domain ?? this.deps.config.defaultDomain;
      const row = await this.deps.storage.db.selectFrom('links').select('id').where('domain', '=', domain).where('slug', '=', c.slug!).executeTakeFirst();
      if (row) taken.push({ domain, slug: c.slug! });
    }
    return taken;
  }
}
