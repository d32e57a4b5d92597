import { createApp } from '../app.js';
import { configWith } from '../config.js';
import { openStorage } from '../storage/open.js';
import { OPENAPI_PATH } from './document.js';

/**
 * The OpenAPI document as a running server would serve it, from the app factory on an in-memory
 * database: no network, no listener. `npm run sdk:types` generates the SDK's types from it.
 */
export async function buildOpenApiDocument(): Promise<Record<string, unknown>> {
  const storage = openStorage('sqlite::memory:');
  try {
    await storage.migrate();
    const app = await createApp({ config: configWith({ logLevel: 'silent', roles: new Set(['api']) }), storage, logLevel: 'silent' });
    try {
      const res = await app.fastify.inject({ method: 'GET', url: OPENAPI_PATH });
      return res.json<Record<string, unknown>>();
    } finally {
      await app.close();
    }
  } finally {
    await storage.close();
  }
}
