import { sql, SqliteAdapter, type Kysely, type Migration } from 'kysely';

/**
 * A hostname was unique at creation, so anyone could claim another's domain first and block
 * its owner. Now several workspaces may hold a pending claim on one hostname (one each); only a
 * verified hostname is unique, so the first workspace to prove ownership in DNS wins. Each
 * domain also keeps what its last check found (`verification_error`), to tell the user why.
 */
export const domainClaims: Migration = {
  async up(db: Kysely<unknown>) {
    if (db.getExecutor().adapter instanceof SqliteAdapter) {
      // SQLite cannot drop a column's UNIQUE constraint: rebuild the table without it.
      await sql`CREATE TABLE domains_new (
        id text PRIMARY KEY,
        workspace_id text NOT NULL,
        hostname text NOT NULL,
        verified integer NOT NULL DEFAULT 0,
        verification_token text NOT NULL,
        verified_at bigint,
        last_checked_at bigint,
        created_at bigint NOT NULL,
        verification_error text
      )`.execute(db);
      await sql`INSERT INTO domains_new (id, workspace_id, hostname, verified, verification_token, verified_at, last_checked_at, created_at)
        SELECT id, workspace_id, hostname, verified, verification_token, verified_at, last_checked_at, created_at FROM domains`.execute(db);
      await sql`DROP TABLE domains`.execute(db);
      await sql`ALTER TABLE domains_new RENAME TO domains`.execute(db);
      await db.schema.createIndex('domains_workspace').on('domains').columns(['workspace_id', 'id']).execute();
    } else {
      await sql`ALTER TABLE domains DROP CONSTRAINT IF EXISTS domains_hostname_key`.execute(db);
      await db.schema.alterTable('domains').addColumn('verification_error', 'text').execute();
    }
    await sql`CREATE UNIQUE INDEX domains_verified_hostname ON domains (hostname) WHERE verified = 1`.execute(db);
    await db.schema.createIndex('domains_workspace_hostname').unique().on('domains').columns(['workspace_id', 'hostname']).execute();
    await db.schema.createIndex('domains_hostname').on('domains').column('hostname').execute();
  },
};
