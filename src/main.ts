#!/usr/bin/env node
import { createApp } from './app.js';
import { ConfigError, loadConfig } from './config.js';
import { openStorage } from './storage/open.js';

const USAGE = `Usage: linkwire [serve|migrate|help]

  serve     run Linkwire (the default); LINKWIRE_ROLE picks api, redirect, worker or all
  migrate   bring the database schema up to date and exit

Configuration is read from the environment; see README.md.`;

async function main(argv: string[]): Promise<number> {
  const command = argv[0] ?? 'serve';
  if (command === 'help' || command === '--help' || command === '-h') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const config = loadConfig(process.env);
  if (command === 'migrate') {
    const storage = openStorage(config.databaseUrl);
    try {
      await storage.migrate();
      process.stdout.write(`migrated ${storage.dialect} database\n`);
    } finally {
      await storage.close();
    }
    return 0;
  }
  if (command !== 'serve') {
    process.stderr.write(`unknown command "${command}"\n\n${USAGE}\n`);
    return 2;
  }

  const storage = openStorage(config.databaseUrl, {
    // Logged once per change of state, however long the outage (the reconnect itself backs off).
    onListenState: (state, err) =>
      process.stderr.write(
        state === 'lost'
          ? `database notifications lost (${err instanceof Error ? err.message : 'connection closed'}); reconnecting with backoff, caches resynchronise when it is back\n`
          : 'database notifications restored; caches resynchronised\n',
      ),
  });
  // The embedded database migrates itself; a shared PostgreSQL is migrated by `linkwire migrate` too,
  // but migrating on start is safe there as well: Kysely's migrator takes a lock.
  await storage.migrate();
  const app = await createApp({ config, storage });
  let url: string;
  try {
    url = await app.listen();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'EADDRINUSE' && code !== 'EACCES') throw err;
    // An operator mistake, not a crash: one line that says what to change, no stack trace.
    process.stderr.write(code === 'EADDRINUSE' ? `port ${config.port} is in use; set PORT\n` : `port ${config.port} needs privileges this process lacks; set PORT\n`);
    await app.close().catch(() => undefined);
    await storage.close().catch(() => undefined);
    process.exit(1);
  }
  app.fastify.log.info(`Linkwire listening on ${url} (roles: ${[...config.roles].join(', ')}, ${storage.dialect})`);

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    app.fastify.log.info(`${signal}: shutting down`);
    const force = setTimeout(() => process.exit(1), 15_000);
    force.unref();
    void app
      .close()
      .then(() => storage.close())
      .then(() => process.exit(0), () => process.exit(1));
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  return -1;
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exitCode = code;
  },
  (err: unknown) => {
    if (err instanceof ConfigError) process.stderr.write(`configuration error: ${err.message}\n`);
    else process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  },
);
