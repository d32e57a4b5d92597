/**
 * The redirect alone: the run's Linkwire build (the snapshot `npm run bench` copied, dist/ or src/)
 * with `LINKWIRE_ROLE=redirect`, its click journal written but not ingested in this process — no
 * worker thread, no ingester, nothing else on its event loop or its cores. What it answers is
 * Linkwire's own redirect cost; the journal is ingested afterwards by a `linkwire serve` on the
 * same database and journal directory (the ingester "elsewhere"), which proves every 302 counted.
 */
import type * as AppModule from '../../src/app.js';
import type * as ConfigModule from '../../src/config.js';
import type * as OpenModule from '../../src/storage/open.js';
import { helperConfig, send, serveRpc } from './child-ipc.js';

const { codeDir, ext, env } = helperConfig<{ codeDir: string; ext: 'js' | 'ts'; env: Record<string, string> }>();
Object.assign(process.env, env);
const { loadConfig } = (await import(`${codeDir}/config.${ext}`)) as typeof ConfigModule;
const { openStorage } = (await import(`${codeDir}/storage/open.${ext}`)) as typeof OpenModule;
const { createApp } = (await import(`${codeDir}/app.${ext}`)) as typeof AppModule;

const config = loadConfig({ ...process.env, LINKWIRE_ROLE: 'redirect' });
const storage = openStorage(config.databaseUrl);
const app = await createApp({ config, storage, journalMode: 'write-only', logLevel: 'warn' });
await app.listen(0, '127.0.0.1');
const address = app.server.address() as { port: number };
serveRpc({
  async stop() {
    await app.close();
    await storage.close();
    setImmediate(() => process.exit(0));
    return true;
  },
});
send({ type: 'ready', port: address.port, pid: process.pid });
