import type { Kysely, Migration } from 'kysely';

/**
 * Single sign-on (issue 22): one row per sign-in started with the OpenID provider and not finished
 * yet. The browser holds a random secret in a short-lived HttpOnly cookie; the row is keyed by its
 * SHA-256, and the PKCE verifier, state and nonce are derived from the secret (src/sso/sso-flow.ts),
 * so the database holds nothing that could finish a sign-in. Deleting the row makes it single use.
 */
export const sso: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('oidc_logins')
      .addColumn('id', 'text', (c) => c.primaryKey())
      // Where the dashboard goes afterwards: a path of this origin (checked when it is stored), or null.
      .addColumn('next_path', 'text')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('expires_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('oidc_logins_expiry').on('oidc_logins').column('expires_at').execute();
  },
};
