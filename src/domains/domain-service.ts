import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { conflict, notFound } from '../errors.js';
import type { LinkService } from '../links/link-service.js';
import type { DomainTable } from '../storage/schema.js';
import { isUniqueViolation } from '../storage/unique-violation.js';
import type { Domain } from './domain-schema.js';
import { renderDomain, verificationName, verificationValue } from './domain-model.js';
import { normaliseHostname } from './hostname.js';
import { createTxtResolver, type TxtResolver } from './txt-resolver.js';
import { notifyDomainChanged } from '../storage/signals.js';
import type { AppContext } from '../assembly/context.js';

export interface DomainServiceDeps extends AppContext {
  links: LinkService;
  txt?: TxtResolver;
}

/** What one DNS check did to a domain. `taken`: the record is there, but another workspace verified the hostname first. */
export type CheckOutcome = 'verified' | 'still_verified' | 'unverified' | 'still_pending' | 'inconclusive' | 'taken';

export class DomainService {
  private readonly txt: TxtResolver;

  constructor(private readonly deps: DomainServiceDeps) {
    this.txt = deps.txt ?? createTxtResolver(deps.config.dnsServer);
  }

  async add(workspaceId: string, input: { hostname: string }): Promise<Domain> {
    const { storage, clock, ids, outbox, config } = this.deps;
    const hostname = normaliseHostname(input.hostname, config.defaultDomain);
    const row: DomainTable = {
      id: ids.next('dom'),
      workspace_id: workspaceId,
      hostname,
      verified: 0,
      verification_token: randomBytes(16).toString('hex'),
      verified_at: null,
      last_checked_at: null,
      created_at: clock.now(),
      verification_error: null,
    };
    try {
      return await storage.transaction(async (tx) => {
        // Pending claims may coexist (the first to verify wins); a verified hostname is someone's.
        const holder = await tx.db.selectFrom('domains').select('workspace_id').where('hostname', '=', hostname).where('verified', '=', 1).executeTakeFirst();
        if (holder) {
          throw conflict(
            holder.workspace_id === workspaceId ? `${hostname} is already added to this workspace` : `${hostname} is already verified by another workspace`,
            { field: 'hostname' },
          );
        }
        await tx.db.insertInto('domains').values(row).execute();
        const domain = renderDomain(row);
        await outbox.append(tx, [{ type: 'domain.added', workspaceId, data: { domain } }]);
        return domain;
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw conflict(`${hostname} is already added to this workspace`, { field: 'hostname' });
      throw err;
    }
  }

  async list(workspaceId: string, query: { limit: number; after: string | null }): Promise<DomainTable[]> {
    let q = this.deps.storage.db.selectFrom('domains').selectAll().where('workspace_id', '=', workspaceId);
    if (query.after) q = q.where('id', '<', query.after);
    return q.orderBy('id', 'desc').limit(query.limit + 1).execute();
  }

  async get(workspaceId: string, id: string): Promise<Domain> {
    return renderDomain(await this.findRow(workspaceId, id));
  }

  /**
   * Links keep their domain, so a domain in use is only removed with `force`, which deletes its
   * links first (each with its own `link.deleted`).
   */
  async remove(workspaceId: string, id: string, options: { force: boolean }): Promise<void> {
    const { storage, outbox, links } = this.deps;
    const found = await this.findRow(workspaceId, id);
    if (options.force) {
      const linkIds = await this.linkIdsOn(workspaceId, found.hostname);
      if (linkIds.length > 0) await links.removeMany(workspaceId, linkIds);
    }
    await storage.transaction(async (tx) => {
      const row = await tx.db.selectFrom('domains').selectAll().where('id', '=', id).where('workspace_id', '=', workspaceId).executeTakeFirst();
      if (!row) throw notFound('Domain');
      const inUse = await tx.db
        .selectFrom('links')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('workspace_id', '=', workspaceId)
        .where('domain', '=', row.hostname)
        .executeTakeFirstOrThrow();
      const count = Number(inUse.n);
      if (count > 0) {
        throw conflict(`${count} link(s) use ${row.hostname}; delete them first or pass ?force=true to delete them with the domain`, {
          links: count,
        });
      }
      await tx.db.deleteFrom('domains').where('id', '=', id).execute();
      await outbox.append(tx, [{ type: 'domain.removed', workspaceId, data: { domain: renderDomain(row) } }]);
      if (row.verified === 1) await notifyDomainChanged(tx, row.hostname);
    });
  }

  /**
   * Looks the TXT record up now and answers the domain as it stands afterwards (`verification_error`
   * says why it is not verified); 409 when another workspace verified the hostname first.
   */
  async verify(workspaceId: string, id: string): Promise<Domain> {
    const row = await this.findRow(workspaceId, id);
    const outcome = await this.check(row);
    const domain = await this.get(workspaceId, id);
    if (outcome === 'taken') throw conflict(domain.verification_error ?? `${row.hostname} is verified by another workspace`, { domain });
    return domain;
  }

  /** Domains whose re-check is due: pending ones often, verified ones less often. */
  async dueForCheck(options: { pendingEveryMs: number; verifiedEveryMs: number; limit: number }): Promise<DomainTable[]> {
    const now = this.deps.clock.now();
    return this.deps.storage.db
      .selectFrom('domains')
      .selectAll()
      .where((eb) =>
        eb.or([
          eb('last_checked_at', 'is', null),
          eb.and([eb('verified', '=', 0), eb('last_checked_at', '<=', now - options.pendingEveryMs)]),
          eb.and([eb('verified', '=', 1), eb('last_checked_at', '<=', now - options.verifiedEveryMs)]),
        ]),
      )
      .orderBy(sql`coalesce(last_checked_at, 0)`)
      .orderBy('id')
      .limit(options.limit)
      .execute();
  }

  /**
   * One DNS check. Only a definitive answer changes state: a record with the value verifies, a
   * missing one unverifies; a DNS failure changes nothing. The conditional updates make concurrent
   * checkers (several worker processes) emit `domain.verified` once.
   */
  async check(row: DomainTable): Promise<CheckOutcome> {
    const { storage, clock, outbox } = this.deps;
    const name = verificationName(row.hostname);
    const answer = await this.txt.resolveTxt(name);
    const now = clock.now();
    const expected = verificationValue(row);
    const seen = answer.status === 'found' && answer.records.some((r) => r.trim() === expected);
    const taken = `${row.hostname} was verified by another workspace first`;
    try {
      return await storage.transaction(async (tx) => {
        const touch = tx.db.updateTable('domains').where('id', '=', row.id);
        if (answer.status === 'error') {
          await touch.set({ last_checked_at: now, verification_error: `DNS lookup of TXT ${name} failed (${answer.code}); checking again later` }).execute();
          return 'inconclusive';
        }
        if (seen) {
          const holder = await tx.db.selectFrom('domains').select('id').where('hostname', '=', row.hostname).where('verified', '=', 1).where('id', '<>', row.id).executeTakeFirst();
          if (holder) {
            await touch.set({ last_checked_at: now, verification_error: taken }).execute();
            return 'taken';
          }
          const result = await touch.set({ verified: 1, verified_at: now, last_checked_at: now, verification_error: null }).where('verified', '=', 0).executeTakeFirst();
          if (Number(result.numUpdatedRows) === 0) {
            await tx.db.updateTable('domains').set({ last_checked_at: now, verification_error: null }).where('id', '=', row.id).execute();
            return 'still_verified';
          }
          const domain = renderDomain({ ...row, verified: 1, verified_at: now, last_checked_at: now, verification_error: null });
          await outbox.append(tx, [{ type: 'domain.verified', workspaceId: row.workspace_id, data: { domain } }]);
          await notifyDomainChanged(tx, row.hostname);
          return 'verified';
        }
        const why = answer.status === 'absent'
          ? `No TXT record found at ${name}; add one with the value ${expected}`
          : `TXT record at ${name} has ${answer.records.map((r) => JSON.stringify(r)).join(', ')}, not the expected ${JSON.stringify(expected)}`;
        const result = await touch.set({ verified: 0, verified_at: null, last_checked_at: now, verification_error: why }).where('verified', '=', 1).executeTakeFirst();
        if (Number(result.numUpdatedRows) === 0) {
          await tx.db.updateTable('domains').set({ last_checked_at: now, verification_error: why }).where('id', '=', row.id).execute();
          return 'still_pending';
        }
        // The catalog has no "domain.unverified": the redirect simply stops serving the host.
        await notifyDomainChanged(tx, row.hostname);
        return 'unverified';
      });
    } catch (err) {
      // Two workspaces verifying at the same moment: the unique index on verified hostnames picks one.
      if (!isUniqueViolation(err)) throw err;
      await storage.db.updateTable('domains').set({ last_checked_at: now, verification_error: taken }).where('id', '=', row.id).execute();
      return 'taken';
    }
  }

  renderRow(row: DomainTable): Domain {
    return renderDomain(row);
  }

  close(): void {
    this.txt.close();
  }

  private async findRow(workspaceId: string, id: string): Promise<DomainTable> {
    const row = await this.deps.storage.db.selectFrom('domains').selectAll().where('id', '=', id).where('workspace_id', '=', workspaceId).executeTakeFirst();
    if (!row) throw notFound('Domain');
    return row;
  }

  private async linkIdsOn(workspaceId: string, hostname: string): Promise<string[]> {
    const rows = await this.deps.storage.db.selectFrom('links').select('id').where('workspace_id', '=', workspaceId).where('domain', '=', hostname).execute();
    return rows.map((r) => r.id);
  }
}
