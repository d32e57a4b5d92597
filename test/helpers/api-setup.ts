import { createApp } from '../../src/app.js';
import { configWith } from '../../src/config.js';
import { parseCidr } from '../../src/net/cidr.js';
import type { TestDatabase } from './databases.js';
import { http, type HttpResponse } from './http.js';

export interface ApiSetup {
  /** An API call as the signed-up user of an enterprise workspace. */
  api: (method: string, path: string, body?: unknown) => Promise<HttpResponse>;
  workspaceId: string;
}

/**
 * Prepares a test database through the API alone (the API role: nothing is fanned out, ingested
 * or delivered), as an operator's enterprise workspace that may point webhooks at 127.0.0.1; the
 * app is gone when `fn` returns, so only what the test starts next touches the database.
 */
export async function setUpThroughApi<T>(database: TestDatabase, email: string, fn: (setup: ApiSetup) => Promise<T>): Promise<T> {
  const storage = database.open();
  await storage.migrate();
  const config = configWith({ port: 0, logLevel: 'silent', roles: new Set(['api']), journalDir: null, dnsServer: { host: '127.0.0.1', port: 9 }, allowPrivateWebhookTargets: [parseCidr('127.0.0.1/32')] });
  const app = await createApp({ config, storage, logLevel: 'silent' });
  try {
    const url = await app.listen(0, '127.0.0.1');
    const signup = (await http(url, 'POST', '/api/auth/signup', { body: { email, password: 'a long test password' } })).json<{ api_key: string; workspace: { id: string } }>();
    await app.accounts.setPlan(signup.workspace.id, 'enterprise');
    return await fn({ api: (method, path, body) => http(url, method, path, { token: signup.api_key, ...(body === undefined ? {} : { body }) }), workspaceId: signup.workspace.id });
  } finally {
    await app.close();
    await storage.close();
  }
}
