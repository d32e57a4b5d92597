import { sql, type Kysely, type Migration } from 'kysely';

interface Row {
  id: string;
  url: string;
  expired_url: string | null;
  rules: string;
}

/**
 * Destinations stored before they were normalised (raw non-ASCII text answered 503 on every
 * visit: it cannot go into a Location header) get the WHATWG spelling the API now stores.
 */
export const normalisedDestinations: Migration = {
  async up(db: Kysely<unknown>) {
    let after = '';
    for (;;) {
      const { rows } = await sql<Row>`SELECT id, url, expired_url, rules FROM links WHERE id > ${after} ORDER BY id LIMIT 500`.execute(db);
      if (rows.length === 0) break;
      for (const row of rows) {
        const url = normaliseStoredDestination(row.url);
        const expiredUrl = row.expired_url === null ? null : normaliseStoredDestination(row.expired_url);
        const rules = JSON.stringify((JSON.parse(row.rules) as { url: string }[]).map((r) => ({ ...r, url: normaliseStoredDestination(r.url) })));
        if (url !== row.url || expiredUrl !== row.expired_url || rules !== row.rules) {
          await sql`UPDATE links SET url = ${url}, expired_url = ${expiredUrl}, rules = ${rules} WHERE id = ${row.id}`.execute(db);
        }
      }
      after = rows[rows.length - 1]!.id;
    }
  },
};

// Kept here (storage imports no domain module): the WHATWG spelling when the text parses, else as is.
function normaliseStoredDestination(text: string): string {
  try {
    return new URL(text).href;
  } catch {
    return text;
  }
}
