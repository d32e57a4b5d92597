import { Command } from 'commander';

/** `serve` (the default) and `migrate`: the server itself, loaded only when asked for. */
export function serverCommands(): Command[] {
  const serve = new Command('serve')
    .description('run Linkwire (the default); LINKWIRE_ROLE picks api, redirect, worker or all')
    .action(async () => {
      const { loadConfig } = await import('../config.js');
      const { openStorage } = await import('../storage/open.js');
      const { createApp } = await import('../app.js');
      const { startWorkerThread } = await import('../threads/worker-thread-host.js');
      const config = loadConfig(process.env);
      if (config.journalDir !== null && config.roles.has('redirect') && !process.env.LINKWIRE_JOURNAL_DIR && !config.databaseUrl.startsWith('sqlite:')) {
        const { adoptLegacyJournalDir } = await import('../clicks/journal/legacy-journal-dir.js');
        const line = (message: string) => process.stderr.write(`${message}\n`);
        adoptLegacyJournalDir(config.journalDir, config.port, { info: line, warn: line });
      }
      // The worker role runs in a worker thread (LINKWIRE_WORKER_THREAD=off keeps it on the main
      // event loop): beside other roles, a delivery storm never runs on the loop that answers
      // redirects; alone, /healthz and /metrics still answer while it is busy. Either way the
      // thread has a heap budget (LINKWIRE_WORKER_HEAP_MB), which the main thread cannot be given.
      const threaded = config.roles.has('worker') && config.workerThread;
      const storage = openStorage(config.databaseUrl, {
        // Logged once per change of state, however long the outage (the reconnect itself backs off).
        onListenState: (state, err) =>
          process.stderr.write(
            state === 'lost'
              ? `database notifications lost (${err instanceof Error ? err.message : 'connection closed'}); reconnecting with backoff, caches resynchronise when it is back\n`
              : 'database notifications restored; caches resynchronised\n',
          ),
      }, {
        // SQLite: WAL checkpoints on a thread of their own, off every event loop (sqlite-checkpointer.ts),
        // started by the worker thread when there is one, so that it runs at the worker's priority.
        checkpoints: threaded ? 'elsewhere' : 'thread',
      });
      // The embedded database migrates itself; a shared PostgreSQL is migrated by `linkwire migrate` too,
      // but migrating on start is safe there as well: Kysely's migrator takes a lock.
      await storage.migrate();

      // The click journal is then ingested there too: a SQLite transaction blocks the thread it runs on.
      const ingestInThread = threaded && config.roles.has('redirect') && config.journalDir !== null;
      // Without other roles the main thread serves only /healthz and /metrics.
      const mainConfig = threaded ? { ...config, roles: new Set([...config.roles].filter((r) => r !== 'worker')) } : config;
      const app = await createApp({ config: mainConfig, storage, journalMode: ingestInThread ? 'write-only' : 'local' });
      // Started after the app: its journal writer must exist before the thread's ingester asks for it.
      const worker = threaded
        ? await startWorkerThread({
            // Not when the journal could not be opened (a full disk at start): clicks go to the database.
            ingestJournal: ingestInThread && app.journaling,
            // Background work yields the CPU to redirects; the journal absorbs a burst meanwhile.
            nice: config.roles.has('redirect') ? config.workerNice : 0,
            lagBoundMs: config.workerLagBoundMs,
            heapMb: config.workerHeapMb,
            log: { error: (message) => app.fastify.log.error(message), info: (message) => app.fastify.log.info(message) },
            onAttempts: (notices) => app.streams.attemptsCommitted(notices),
          }).catch(async (err: unknown) => {
            await app.close().catch(() => undefined);
            await storage.close().catch(() => undefined);
            throw err;
          })
        : null;
      if (worker) app.metrics.addSource(() => worker.metricsSnapshot());
      // A worker alone serves nothing public: it listens only for /healthz, /readyz and /metrics, on
      // LINKWIRE_HEALTH_PORT when set, else nowhere, so it never competes for the api's or a redirect's PORT.
      const workerOnly = !config.roles.has('api') && !config.roles.has('redirect');
      const port = workerOnly ? config.healthPort : config.port;
      const portVariable = workerOnly ? 'LINKWIRE_HEALTH_PORT' : 'PORT';
      let url: string | null = null;
      try {
        if (port === null) await app.startJobs();
        else url = await app.listen(port);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code !== 'EADDRINUSE' && code !== 'EACCES') throw err;
        // An operator mistake, not a crash: one line that says what to change, no stack trace.
        process.stderr.write(code === 'EADDRINUSE' ? `port ${port} is in use; set ${portVariable}\n` : `port ${port} needs privileges this process lacks; set ${portVariable}\n`);
        await app.close().catch(() => undefined);
        await worker?.stop().catch(() => undefined);
        await storage.close().catch(() => undefined);
        process.exit(1);
      }
      const where = url ? `listening on ${url}` : 'running without a listener (set LINKWIRE_HEALTH_PORT for /healthz and /metrics)';
      app.fastify.log.info(`Linkwire ${where} (roles: ${[...config.roles].join(', ')}${threaded ? '; worker in a worker thread' : ''}, ${storage.dialect})`);

      let stopping = false;
      const stop = (signal: string) => {
        if (stopping) return;
        stopping = true;
        app.fastify.log.info(`${signal}: shutting down`);
        const force = setTimeout(() => process.exit(1), 15_000);
        force.unref();
        void app
          .close()
          .then(() => worker?.stop())
          .then(() => storage.close())
          .then(() => process.exit(0), () => process.exit(1));
      };
      process.on('SIGINT', () => stop('SIGINT'));
      process.on('SIGTERM', () => stop('SIGTERM'));
    });

  const migrate = new Command('migrate').description('bring the database schema up to date and exit').action(async () => {
    const { loadConfig } = await import('../config.js');
    const { openStorage } = await import('../storage/open.js');
    const storage = openStorage(loadConfig(process.env).databaseUrl);
    try {
      await storage.migrate();
      process.stdout.write(`migrated ${storage.dialect} database\n`);
    } finally {
      await storage.close();
    }
  });
  return [serve, migrate];
}
