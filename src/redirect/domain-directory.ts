import type { Storage } from '../storage/storage.js';
import { onDomainChanged } from '../storage/signals.js';

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
    this.unsubscribe = onDomainChanged(storage, () => void this.reload().catch(() => undefined));
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

  /**
   * The domain a Host header names: a verified custom domain, or the default domain. The Host is
   * normalised first (case, port, trailing dot): `Brand.Example.:443` is `brand.example`, and must
   * not fall through to the default domain, where another workspace's slug would answer.
   */
  resolve(host: string | undefined): string {
    // Most instances have no verified custom domain: no string work per redirect then; and a
    // Host already in normal form (what browsers send) is found without any.
    if (!host || this.verified.size === 0) return this.defaultDomain;
    if (this.verified.has(host)) return host;
    const name = normaliseHost(host);
    return this.verified.has(name) ? name : this.defaultDomain;
  }

  close(): void {
    this.unsubscribe();
    if (this.refreshTimer) clearInterval(this.refreshTimer);
  }
}

/** A Host header as a stored hostname: lower case, no port, no trailing dot(s). */
export function normaliseHost(host: string): string {
  return host.toLowerCase().replace(/:\d*$/, '').replace(/\.+$/, '');
}
