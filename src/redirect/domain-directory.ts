import type { Storage } from '../storage/storage.js';

/**
 * Which Host headers are verified custom domains. Everything else is served as the default domain.
 * Kept in memory (a handful of rows) and reloaded when a domain changes anywhere.
 */
export class DomainDirectory {
  private verified = new Set<string>();
  private readonly unsubscribe: () => void;
  private refreshTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly storage: Storage,
    private readonly defaultDomain: string,
  ) {
    this.unsubscribe = storage.subscribe('domain_changed', () => void this.reload().catch(() => undefined));
  }

  async start(refreshMs = 60_000): Promise<void> {
    await this.reload();
    this.refreshTimer = setInterval(() => void this.reload().catch(() => undefined), refreshMs);
    this.refreshTimer.unref();
  }

  async reload(): Promise<void> {
    const rows = await this.storage.db.selectFrom('domains').select('hostname').where('verified', '=', 1).execute();
    this.verified = new Set(rows.map((r) => r.hostname));
  }

  resolve(host: string | undefined): string {
    // Most instances have no verified custom domain: no string work per redirect then.
    if (!host || this.verified.size === 0) return this.defaultDomain;
    const lower = host.toLowerCase();
    if (this.verified.has(lower)) return lower;
    const withoutPort = lower.replace(/:\d+$/, '');
    return this.verified.has(withoutPort) ? withoutPort : this.defaultDomain;
  }

  close(): void {
    this.unsubscribe();
    if (this.refreshTimer) clearInterval(this.refreshTimer);
  }
}
