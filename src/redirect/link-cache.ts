import { parseSettings } from '../accounts/workspace-model.js';
import { renderLink } from '../links/link-model.js';
import type { Storage } from '../storage/storage.js';
import { isDatabaseUnavailable } from '../storage/unavailable.js';
import { toCachedLink, type CachedLink } from './cached-link.js';

/**
 * Links by `domain/slug`, loaded on first use and dropped when a change commits anywhere
 * (in-process signal, or NOTIFY from another process on PostgreSQL). Unknown slugs are cached
 * too, so a flood of 404s does not become a flood of queries; creating the link drops that entry.
 * Every entry (found or not) also expires after `ttlMs`: should a signal ever be lost, a stale
 * answer lasts at most that long.
 *
 * Except while the database is unreachable: an expired entry whose reload fails for that reason is
 * served as it was (and retried every `outageRetryMs`), so cached links keep redirecting through an
 * outage — their clicks wait in the journal. Nothing can change a link while the database is away,
 * so the entry is as fresh as any answer could be; a change signal still drops it.
 */
export class LinkCache {
  private readonly entries = new Map<string, { link: CachedLink | null; until: number }>();
  /** Expired entries kept for a reload that fails because the database is unreachable. */
  private readonly expired = new Map<string, CachedLink | null>();
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
    private readonly outageRetryMs = 2_000,
  ) {
    this.unsubscribe.push(storage.subscribe('link_changed', (key) => this.invalidate(key)));
    // Workspace settings are baked into entries; changes are rare, so start over.
    this.unsubscribe.push(storage.subscribe('workspace_changed', () => this.clear()));
    // Which workspace holds a custom domain decides whose links it serves (see load).
    this.unsubscribe.push(storage.subscribe('domain_changed', () => this.clear()));
  }

  /** Synchronous when cached: the common case costs one Map lookup. */
  peek(domain: string, slug: string): CachedLink | null | undefined {
    const key = `${domain}/${slug}`;
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.until > Date.now()) return entry.link;
    this.entries.delete(key);
    // Bounded like the live entries: the oldest expired entry goes first.
    if (this.expired.size >= this.maxEntries) {
      const oldest = this.expired.keys().next().value;
      if (oldest !== undefined) this.expired.delete(oldest);
    }
    this.expired.set(key, entry.link);
    return undefined;
  }

  get(domain: string, slug: string): Promise<CachedLink | null> {
    const key = `${domain}/${slug}`;
    const hit = this.peek(domain, slug);
    if (hit !== undefined) return Promise.resolve(hit);
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
          const stale = this.expired.get(key);
          if (stale === undefined || generation !== this.generation || !isDatabaseUnavailable(err)) throw err;
          this.set(key, stale, this.outageRetryMs);
          return stale;
        },
      );
      this.loading.set(key, pending);
    }
    return pending;
  }

  invalidate(key: string): void {
    this.generation++;
    if (key === '') {
      this.entries.clear();
      this.expired.clear();
    } else {
      this.entries.delete(key);
      this.expired.delete(key);
    }
  }

  clear(): void {
    this.generation++;
    this.entries.clear();
    this.expired.clear();
  }

  close(): void {
    for (const u of this.unsubscribe) u();
  }

  private set(key: string, link: CachedLink | null, ttlMs = this.ttlMs): void {
    this.expired.delete(key);
    if (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    this.entries.set(key, { link, until: Date.now() + ttlMs });
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
