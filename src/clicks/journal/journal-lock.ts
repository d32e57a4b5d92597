import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';

/** Another process (or another app in this one) holds the journal directory. */
export class JournalInUseError extends Error {
  override name = 'JournalInUseError';
}

/** Directories locked by this process: SQLite's locks cannot tell two connections of one process apart in the message. */
const lockedHere = new Set<string>();

/**
 * One process per journal directory: two appenders would interleave and two ingesters would
 * double-count. The lock is an exclusive SQLite transaction on `<dir>/lock.db`, held open for the
 * process's life: SQLite locks with fcntl() byte-range locks, which the kernel drops when the
 * process dies, however it dies. So a lock is never stale — no pid to outlive its process, no pid
 * reused by an unrelated process to block a start. The connection never writes after the file is
 * created, so a full disk does not stop a restart on an existing directory.
 *
 * `owner` beside it names the pid for the error message only; it decides nothing.
 */
export class JournalLock {
  private constructor(
    private readonly dir: string,
    private db: BetterSqlite3.Database,
  ) {}

  static take(dir: string): JournalLock {
    if (lockedHere.has(dir)) throw new JournalInUseError(`click journal ${dir} is already open in this process; give each app its own journal directory`);
    const lock = new JournalLock(dir, acquire(dir));
    lockedHere.add(dir);
    return lock;
  }

  /** Takes the lock again on a recreated directory (the old lock file went with the old one). */
  renew(): void {
    const db = acquire(this.dir);
    this.db.close();
    this.db = db;
  }

  release(): void {
    if (!this.db.open) return;
    rmSync(join(this.dir, 'owner'), { force: true });
    this.db.close();
    lockedHere.delete(this.dir);
  }
}

function acquire(dir: string): BetterSqlite3.Database {
  // Versions before this lock wrote a pid to `lock`; it means nothing now.
  rmSync(join(dir, 'lock'), { force: true });
  const db = new BetterSqlite3(join(dir, 'lock.db'), { timeout: 0 });
  try {
    db.exec('create table if not exists journal_lock (held integer)');
    db.exec('begin exclusive');
  } catch (err) {
    db.close();
    if ((err as { code?: string }).code === 'SQLITE_BUSY') {
      throw new JournalInUseError(`click journal ${dir} is in use by ${ownerOf(dir)}; give each process its own LINKWIRE_JOURNAL_DIR`);
    }
    throw err;
  }
  try {
    writeFileSync(join(dir, 'owner'), `${process.pid}\n`);
  } catch {
    // Informational only (a full disk, say): the lock above is what counts.
  }
  return db;
}

/**
 * The holder's pid, for the message. The holder writes `owner` just after taking the lock, so two
 * processes started together can meet the lock before its owner file: wait for it a moment (this is
 * a start-up's error path only) rather than say "another process".
 */
function ownerOf(dir: string): string {
  const pause = new Int32Array(new SharedArrayBuffer(4));
  for (let waited = 0; ; waited += 10) {
    try {
      const pid = readFileSync(join(dir, 'owner'), 'utf8').trim();
      if (/^\d+$/.test(pid)) return `process ${pid}`;
    } catch {
      // not written (yet)
    }
    if (waited >= 500) return 'another process';
    Atomics.wait(pause, 0, 0, 10);
  }
}
