import { Migrator, type Kysely } from 'kysely';
import { migrations } from './migrations/index.js';

export async function runMigrations(db: Kysely<unknown>): Promise<void> {
  const migrator = new Migrator({
    db,
    provider: { getMigrations: () => Promise.resolve(migrations) },
    migrationTableName: 'linkwire_migrations',
    migrationLockTableName: 'linkwire_migrations_lock',
  });
  const { error, results } = await migrator.migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (error || failed) {
    const reason = error instanceof Error ? error.message : 'unknown error';
    throw new Error(`migration ${failed?.migrationName ?? ''} failed: ${reason}`);
  }
}
