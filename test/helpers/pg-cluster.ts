import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * A PostgreSQL 15 cluster that the test owns (its own data directory and port, trust auth), so
 * it may stop and restart it without touching the shared server. Always `drop()` it (afterAll).
 */
export interface OwnCluster {
  name: string;
  port: number;
  /** LINKWIRE_DATABASE_URL for it. */
  url: string;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** `pg_ctlcluster restart -m fast`: every connection is terminated (57P01), then it comes back. */
  restart(): Promise<void>;
  drop(): Promise<void>;
}

/** Creates and starts a cluster on a free port among `ports` (this engineer's range). */
export async function createOwnCluster(ports: readonly number[]): Promise<OwnCluster> {
  const name = `lw_${randomBytes(4).toString('hex')}`;
  const dir = `/tmp/linkwire-pg-${name}`;
  const start = Math.floor(Math.random() * ports.length);
  let lastError: unknown = null;
  for (let i = 0; i < ports.length; i++) {
    const port = ports[(start + i) % ports.length]!;
    try {
      await run('pg_createcluster', ['15', name, '-p', String(port), '-d', dir, '--', '--auth=trust']);
    } catch (err) {
      lastError = err;
      continue;
    }
    const cluster: OwnCluster = {
      name,
      port,
      url: `postgres://postgres@127.0.0.1:${port}/postgres`,
      start: async () => void (await run('pg_ctlcluster', ['15', name, 'start'])),
      stop: async () => void (await run('pg_ctlcluster', ['15', name, 'stop', '-m', 'fast'])),
      restart: async () => void (await run('pg_ctlcluster', ['15', name, 'restart', '-m', 'fast'])),
      drop: async () => void (await run('pg_dropcluster', ['--stop', '15', name]).catch(() => undefined)),
    };
    try {
      await cluster.start();
    } catch (err) {
      // The port is taken (another test's cluster): try the next one.
      lastError = err;
      await cluster.drop();
      continue;
    }
    return cluster;
  }
  throw new Error(`could not create a PostgreSQL cluster on ports ${ports.join(', ')}: ${String(lastError)}`);
}
