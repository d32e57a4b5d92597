import { parseSettings } from '../accounts/workspace-model.js';
import { renderLink } from '../links/link-model.js';
import type { Storage } from '../storage/storage.js';
import { toCachedLink, type CachedLink } from './cached-link.js';
import { onDomainChanged, onLinkChanged, onWorkspaceChanged } from '../storage/signals.js';

/**
 * Links by `domain/slug`, loaded on first use and dropped when a change commits anywhere
 * (in-process signal, or NOTIFY from another process on PostgreSQL). Unknown slugs are cached
 * too, so a flood of 404s does not become a flood of queries; creating the link drops that entry.
 * Every entry (found or not) also expires after `ttlMs`: should a signal ever be lost, a stale
 * answer lasts at most that long (plus the one reload). An expired entry is still served while
 * its reload runs in the background — no redirect waits on the database for a link it knows — and
 * while the database cannot be reached, retried every `outageRetryMs`: cached links keep
 * redirecting through an outage (their clicks wait in the journal). Nothing can change a link while
 * the database is away, so the entry is as fresh as any answer could be; a change signal still
 * drops it.
 */
export class LinkCache {
  private readonly entries = new Map<string, { link: CachedLink | null; until: number }>();
  private readonly loading = new Map<string, Promise<CachedLink | null>>();
  private generation = 0;
  private readonly unsubscribe: (() => void)[] = [];

  constructor(
    private readonly storage: Storage,
    private readonly baseUrl: string,
    /** The default short domain (config.defaultDomain): every workspace's links are served there. */
    private readonly defaultDomain: string,
    private readonly maxEntries = 100_000,
    private readonly ttlMs = 60_000,
    /** How soon a failed reload of an expired entry is tried again (the entry is served meanwhile). */
    private readonly outageRetryMs = 2_000,
  ) {
    this.unsubscribe.push(onLinkChanged(storage, (key) => this.invalidate(key)));
    // Workspace settings are baked into entries; changes are rare, so start over.
    this.unsubscribe.push(onWorkspaceChanged(storage, () => this.clear()));
    // Which workspace holds a custom domain decides whose links it serves (see load).
    this.unsubscribe.push(onDomainChanged(storage, () => this.clear()));
  }

  /** Synchronous when cached: the common case costs one Map lookup. */
  peek(domain: string, slug: string): CachedLink | null | undefined {
    const key = `${domain}/${slug}`;
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.until <= Date.now()) this.refresh(key, domain, slug, entry);
    return entry.link;
  }

  get(domain: string, slug: string, reload = false): Promise<CachedLink | null> {
    const key = `${domain}/${slug}`;
    if (!reload) {
      const hit = this.peek(domain, slug);
      if (hit !== undefined) return Promise.resolve(hit);
    }
    let pending = this.loading.get(key);
    if (!pending) {
      const generation = this.generation;
      pending = this.load(domain, slug).then(
        (link) => {
          this.loading.delete(key);
          // A change committed while we were loading: do not keep what may be stale.
          if (generation === this.generation) this.set(key, link);
          return link;
        },
        (err: unknown) => {
          this.loading.delete(key);
          throw err;
        },
      );
      this.loading.set(key, pending);
    }
    return pending;
  }

  /** Reloads an expired entry in the background; on failure keeps it a little longer and tries again. */
  private refresh(key: string, domain: string, slug: string, entry: { link: CachedLink | null; until: number }): void {
    if (this.loading.has(key)) return;
    // Not once per request while the reload is in flight, nor while the database is away.
    entry.until = Date.now() + Math.min(this.outageRetryMs, this.ttlMs);
    this.get(domain, slug, true).catch(() => undefined);
  }

  invalidate(key: string): void {
    this.generation++;
    if (key === '') this.entries.clear();
    else this.entries.delete(key);
  }

  clear(): void {
    this.generation++;
    this.entries.clear();
  }

  close(): void {
    for (const u of this.unsubscribe) u();
  }

  private set(key: string, link: CachedLink | null): void {
    if (!this.entries.has(key) && this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    this.entries.set(key, { link, until: Date.now() + this.ttlMs });
  }

  private async load(domain: string, slug: string): Promise<CachedLink | null> {
    const row = await this.storage.db.selectFrom('links').selectAll().where('domain', '=', domain).where('slug', '=', slug).executeTakeFirst();
    if (!row) return null;
    if (domain !== this.defaultDomain) {
      // Several workspaces may claim a hostname while it is pending; only the one that verified it
      // has its links served there (another's links on it are someone else's squat).
      const holder = await this.storage.db
        .selectFrom('domains')
        .select('id')
        .where('hostname', '=', domain)
        .where('workspace_id', '=', row.workspace_id)
        .where('verified', '=', 1)
        .executeTakeFirst();
      if (!holder) return null;
    }
    const workspace = await this.storage.db.selectFrom('workspaces').select('settings').where('id', '=', row.workspace_id).executeTakeFirst();
    const settings = parseSettings(workspace?.settings ?? '{}');
    return toCachedLink(
      renderLink(row, this.baseUrl),
      { expiredNotified: row.expired_notified === 1, limitReached: row.max_clicks !== null && row.clicks >= row.max_clicks },
      settings,
    );
  }
}
