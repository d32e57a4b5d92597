import { randomBytes } from 'node:crypto';
import pg from 'pg';

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);

/** Whether `adminUrl` names a server on this machine (tests and benches talk to loopback only). */
export function isLoopbackUrl(adminUrl: string): boolean {
  return LOOPBACK.has(new URL(adminUrl).hostname);
}

/** Runs one statement as the cluster's admin; a server that is not there fails with `unreachable` in the message. */
export async function adminQuery(adminUrl: string, text: string, unreachable: string, connectionTimeoutMillis?: number): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl, ...(connectionTimeoutMillis ? { connectionTimeoutMillis } : {}) });
  try {
    await client.connect();
  } catch (err) {
    throw new Error(`${unreachable} at ${adminUrl}: ${(err as Error).message}`);
  }
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

/** A new, randomly named database name with `prefix`, and its URL on the same server. */
export function newDatabaseName(adminUrl: string, prefix: string): { name: string; url: string } {
  const name = `${prefix}${randomBytes(6).toString('hex')}`;
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return { name, url: url.toString() };
}
