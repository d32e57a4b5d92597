import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const DATA = join(ROOT, 'data');

/** Every path under ./data (directories end in /). */
function dataPaths(): Set<string> {
  const out = new Set<string>();
  if (!existsSync(DATA)) return out;
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      out.add(entry.isDirectory() ? `${relative(ROOT, path)}/` : relative(ROOT, path));
      if (entry.isDirectory()) walk(path);
    }
  };
  walk(DATA);
  return out;
}

/**
 * What a server the user runs meanwhile (`npm start`) may add on its own: a new journal segment,
 * SQLite's side files — in directories and beside databases that were already there.
 */
function ownedByARunningServer(path: string, before: Set<string>): boolean {
  const name = basename(path);
  if (/^\d{12}\.seg$/.test(name)) return before.has(`${dirname(path)}/`);
  const side = /^(.*)-(wal|shm|journal)$/.exec(path);
  return side !== null && before.has(side[1]!);
}

/** Changed tracked files and new untracked ones (docs/screenshots/*.png rewritten, say). */
function treeStatus(): string {
  try {
    return execFileSync('git', ['status', '--porcelain', '--untracked-files=all'], { cwd: ROOT, encoding: 'utf8' });
  } catch {
    return ''; // not a git checkout: nothing to compare
  }
}

/**
 * Vitest global setup: the suite must leave the tree as it found it and never touch ./data — the
 * user's own server (`npm start`, the README's order) keeps its database and click journal there;
 * a test that opens them fails while it runs ("in use by process …") or writes into them. After
 * the run, anything new under ./data or in `git status` fails it, naming the paths.
 */
export default function setup(): () => void {
  const before = dataPaths();
  const tree = treeStatus();
  return () => {
    const problems: string[] = [];
    const created = [...dataPaths()].filter((p) => !before.has(p) && !ownedByARunningServer(p, before));
    if (created.length > 0) problems.push(`the tests wrote under ./data (use temporary directories; ./data is the user's):\n  ${created.sort().join('\n  ')}`);
    const status = treeStatus();
    if (status !== tree) problems.push(`the tests changed the working tree (git status before and after differ):\nbefore:\n${tree}after:\n${status}`);
    if (problems.length > 0) throw new Error(problems.join('\n'));
  };
}
