import { sql, type RawBuilder, type SqlBool } from 'kysely';

/**
 * The lease condition, the one definition every claim uses: a delivery may be claimed when no
 * worker holds it, or when the holder's lease has run out (the worker died or lost its database).
 */
export function leaseIsFree(now: number, column: 'lease_until' | 'd.lease_until' = 'lease_until'): RawBuilder<SqlBool> {
  const lease = sql.ref(column);
  return sql<SqlBool>`(${lease} is null or ${lease} < ${now})`;
}
