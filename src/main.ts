#!/usr/bin/env node
import { createApp } from './app.js';
import { ConfigError, loadConfig } from './config.js';
import { openStorage } from './storage/open.js';
import { Worker } from 'node:worker_threads';
import type { FromWorker, ToWorker } from './worker-thread.js';

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

  const storage = openStorage(config.databaseUrl);
  // The embedded database migrates itself; a shared PostgreSQL is migrated by `linkwire migrate` too,
  // but migrating on start is safe there as well: Kysely's migrator takes a lock.
  await storage.migrate();

  // One process with the worker role beside others: deliveries run in a worker thread, off the
  // event loop that answers redirects (LINKWIRE_WORKER_THREAD=off keeps them on it).
  const threaded = config.roles.has('worker') && config.roles.size > 1 && process.env.LINKWIRE_WORKER_THREAD !== 'off';
  // The click journal is then ingested there too: a SQLite transaction blocks the thread it runs on.
  const ingestInThread = threaded && config.roles.has('redirect') && config.journalDir !== null;
  const worker = threaded ? await startWorkerThread(ingestInThread) : null;
  const mainConfig = threaded ? loadConfig({ ...process.env, LINKWIRE_ROLE: [...config.roles].filter((r) => r !== 'worker').join(',') }) : config;
  const app = await createApp({ config: mainConfig, storage, journalMode: ingestInThread ? 'write-only' : 'local' });
  const url = await app.listen();
  app.fastify.log.info(`Linkwire listening on ${url} (roles: ${[...config.roles].join(', ')}${threaded ? '; worker in a worker thread' : ''}, ${storage.dialect})`);
  worker?.onCrash((reason) => {
    // Deliveries in flight are leased and retried after a restart; a process without its worker
    // would silently stop delivering, so it stops and lets its supervisor start it again.
    app.fastify.log.fatal(`delivery worker thread failed: ${reason}`);
    process.exit(1);
  });

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
  return -1;
}

interface WorkerThread {
  onCrash(handler: (reason: string) => void): void;
  stop(): Promise<void>;
}

async function startWorkerThread(ingestJournal: boolean): Promise<WorkerThread> {
  // Built, the thread's entry is worker-thread.js next to this file. Under tsx (development, tests)
  // it is .ts, and a worker thread needs tsx's loader registered inside it first.
  const fromSource = import.meta.url.endsWith('.ts');
  const entry = new URL(fromSource ? './worker-thread.ts' : './worker-thread.js', import.meta.url);
  const thread = fromSource
    ? new Worker(`import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then((tsx) => { tsx.register(); return import(${JSON.stringify(entry.href)}); });`, { eval: true, workerData: { ingestJournal } })
    : new Worker(entry, { workerData: { ingestJournal } });
  let stopping = false;
  let crash: (reason: string) => void = () => undefined;
  const ready = new Promise<void>((resolve, reject) => {
    thread.on('message', (message: FromWorker) => {
      if (message.type === 'ready') resolve();
      if (message.type === 'failed') {
        reject(new Error(`delivery worker thread failed to start: ${message.message}`));
        if (!stopping) crash(message.message);
      }
    });
    thread.on('error', (err) => {
      reject(err);
      if (!stopping) crash(err.stack ?? err.message);
    });
    thread.on('exit', (code) => {
      reject(new Error(`delivery worker thread exited with code ${code}`));
      if (!stopping) crash(`exited with code ${code}`);
    });
  });
  await ready;
  return {
    onCrash(handler) {
      crash = handler;
    },
    async stop() {
      stopping = true;
      const stopped = new Promise<void>((resolve) => {
        thread.on('message', (message: FromWorker) => {
          if (message.type === 'stopped' || message.type === 'failed') resolve();
        });
        thread.once('exit', () => resolve());
      });
      thread.postMessage({ type: 'stop' } satisfies ToWorker);
      await stopped;
      await thread.terminate();
    },
  };
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
