import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp, type App } from '../../src/app.js';
import { ManualClock, systemClock, type Clock } from '../../src/runtime/clock.js';
import { configWith, type Config } from '../../src/config.js';
import type { Dialect, Storage } from '../../src/storage/storage.js';
import type { EventStreamOptions } from '../../src/events/event-stream.js';
import type { MailSenderOptions } from '../../src/mail/mail-sender.js';
import { createTestDatabase, type TestDatabase } from './databases.js';
import { http, type HttpResponse } from './http.js';

export interface TestApp {
  app: App;
  url: string;
  storage: Storage;
  database: TestDatabase;
  clock: Clock;
  config: Config;
  /** An API call with a key (or none). */
  api(method: string, path: string, body?: unknown, token?: string): Promise<HttpResponse>;
  /** Signs up a fresh user; returns its key and workspace. */
  signup(email?: string): Promise<{ key: string; workspaceId: string; userId: string; email: string }>;
  close(): Promise<void>;
}

let counter = 0;

/** Linkwire on a fresh database of the dialect, listening on 127.0.0.1 on a free port. */
export async function startTestApp(
  dialect: Dialect,
  options: {
    config?: Partial<Config>;
    clock?: Clock | 'manual';
    random?: () => number;
    streamOptions?: Partial<EventStreamOptions>;
    mailOptions?: Partial<MailSenderOptions>;
    /** Listen on this port rather than a free one (a test whose config must name the app's own URL, e.g. baseUrl). */
    listenPort?: number;
  } = {},
): Promise<TestApp> {
  const database = await createTestDatabase(dialect);
  const storage = database.open();
  await storage.migrate();
  const clock = options.clock === 'manual' ? new ManualClock(Date.now()) : (options.clock ?? systemClock);
  const port = 0;
  // Only loopback, ever: unless a test brings its own DNS server, name lookups go to a closed
  // local port and fail, so nothing a test creates (a webhook, a monitored link) can reach out.
  // Each app its own click journal: several apps share one test process.
  const journalDir = mkdtempSync(join(tmpdir(), 'linkwire-journal-'));
  // Tests sign many users up from 127.0.0.1: the per-address signup limit has its own test.
  // Secrets are sealed with a key file in the app's own temporary directory (SQLite, as beside its
  // database) or a key from the environment (PostgreSQL, which has no key file): never ./data.
  const secretDir = mkdtempSync(join(tmpdir(), 'linkwire-secret-'));
  const secrets = dialect === 'postgres' ? { secretKey: randomBytes(32), secretKeyFile: null } : { secretKey: null, secretKeyFile: join(secretDir, 'linkwire-secret.key') };
  const config = configWith({ port, logLevel: 'silent', dnsServer: { host: '127.0.0.1', port: 9 }, journalDir, signupsPerAddressPerHour: 1_000_000, ...secrets, ...options.config });
  const app = await createApp({ config, storage, clock, logLevel: 'silent', ...(options.random ? { random: options.random } : {}), ...(options.streamOptions ? { streamOptions: options.streamOptions } : {}), ...(options.mailOptions ? { mailOptions: options.mailOptions } : {}) });
  const url = await app.listen(options.listenPort ?? 0, '127.0.0.1');
  let lastKey: string | undefined;
  return {
    app,
    url,
    storage,
    database,
    clock,
    config,
    // Clicks reach the database through the journal a moment after their redirect answered; an API
    // call in a test reads what a user would see once that moment has passed.
    api: async (method, path, body, token) => {
      await app.clicksSettled();
      return http(url, method, path, { ...(body === undefined ? {} : { body }), ...((token ?? lastKey) ? { token: token ?? lastKey! } : {}) });
    },
    async signup(email) {
      const address = email ?? `user${++counter}-${Date.now()}@example.com`;
      const res = await http(url, 'POST', '/api/auth/signup', { body: { email: address, password: 'correct horse battery' } });
      if (res.status !== 201) throw new Error(`signup failed: ${res.status} ${res.text}`);
      const body = res.json<{ api_key: string; workspace: { id: string }; user: { id: string } }>();
      lastKey = body.api_key;
      return { key: body.api_key, workspaceId: body.workspace.id, userId: body.user.id, email: address };
    },
    async close() {
      await app.close();
      await storage.close();
      await database.drop();
      rmSync(journalDir, { recursive: true, force: true });
      rmSync(secretDir, { recursive: true, force: true });
    },
  };
}
