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
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { join } from 'node:path';
import { helperConfig, send, serveRpc } from './child-ipc.js';

/** `profileDir`: a V8 CPU profile of the process from ready to stop is written there (bench/redirect-ab.ts PROFILE=). */
const { codeDir, ext, env, profileDir } = helperConfig<{ codeDir: string; ext: 'js' | 'ts'; env: Record<string, string>; profileDir?: string }>();
Object.assign(process.env, env);
const { loadConfig } = (await import(`${codeDir}/config.${ext}`)) as typeof ConfigModule;
const { openStorage } = (await import(`${codeDir}/storage/open.${ext}`)) as typeof OpenModule;
const { createApp } = (await import(`${codeDir}/app.${ext}`)) as typeof AppModule;

const config = loadConfig({ ...process.env, LINKWIRE_ROLE: 'redirect' });
const storage = openStorage(config.databaseUrl);
const app = await createApp({ config, storage, journalMode: 'write-only', logLevel: 'warn' });
await app.listen(0, '127.0.0.1');
const address = app.server.address() as { port: number };
// --cpu-prof is not allowed in NODE_OPTIONS: the inspector, in this process.
const session = profileDir ? new Session() : null;
if (session) {
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
}
serveRpc({
  async stop() {
    if (session && profileDir) {
      const { profile } = await session.post('Profiler.stop');
      writeFileSync(join(profileDir, `redirect-alone-${process.pid}.cpuprofile`), JSON.stringify(profile));
    }
    await app.close();
    await storage.close();
    setImmediate(() => process.exit(0));
    return true;
  },
});
send({ type: 'ready', port: address.port, pid: process.pid });
