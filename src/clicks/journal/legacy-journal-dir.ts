import { existsSync, readdirSync, renameSync } from 'node:fs';
import { hostname } from 'node:os';
import { basename, dirname, join } from 'node:path';

/**
 * Until issue 24 the PostgreSQL default journal directory was `./data/journal-<host>-<port>`; it is
 * now `./data/journal-<port>`. On the first start with the new default, a directory of the old
 * shape for the same port is taken over (renamed), so an upgrade neither strands clicks that were
 * answered but not yet ingested nor ingests them twice (the journal's id lives in its directory,
 * its ingested position in the database under that id). When several exist — earlier host names,
 * as containers get — none is guessed at: the operator is told which to ingest and how.
 */
export function adoptLegacyJournalDir(dir: string, port: number, log: { info(message: string): void; warn(message: string): void }): void {
  if (existsSync(dir)) return;
  const parent = dirname(dir);
  if (basename(dir) !== `journal-${port}` || !existsSync(parent)) return;
  const suffix = `-${port}`;
  const legacy = readdirSync(parent).filter((name) => name.startsWith('journal-') && name.endsWith(suffix) && name.length > 'journal-'.length + suffix.length);
  if (legacy.length === 0) return;
  const own = `journal-${hostname()}${suffix}`;
  const adopted = legacy.includes(own) ? own : legacy.length === 1 ? legacy[0]! : null;
  if (adopted) {
    renameSync(join(parent, adopted), dir);
    log.info(`click journal: took over ${join(parent, adopted)} as ${dir} (the default no longer names the host)`);
  }
  const others = legacy.filter((name) => name !== adopted).map((name) => join(parent, name));
  if (others.length > 0) {
    log.warn(
      `click journal: ${others.join(', ')} may hold clicks not yet in the database (journals of earlier host names); ` +
        'ingest each by starting a redirect process once with LINKWIRE_JOURNAL_DIR set to it (docs/deploy.md)',
    );
  }
}
