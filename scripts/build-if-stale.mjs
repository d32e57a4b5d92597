#!/usr/bin/env node
// `npm start` and `npm install` (prepare) build only when a source changed since the last build:
// a start takes the server's own start time, not a TypeScript and Vite build's (issue 24.4).
//
//   node scripts/build-if-stale.mjs            build when stale, else say nothing
//   node scripts/build-if-stale.mjs --stamp    record that a build just finished (end of `npm run build`)
//   node scripts/build-if-stale.mjs --serve …  then run `linkwire serve …` in this process (`npm start`)
//
// Plain JavaScript on purpose: it must run before anything is compiled.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import process from 'node:process';
import { fileURLToPath, pathToFileURL, URL } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
/** Written after a successful `npm run build`; its mtime is the build's. */
const STAMP_FILE = 'dist/.build-stamp';
/** Everything a build reads besides node_modules. Directories count too: deleting a file changes its directory's mtime. */
const INPUT_DIRS = ['src', 'dashboard', 'sdk'];
const INPUT_FILES = ['package.json', 'tsconfig.json', 'tsconfig.build.json', 'vite.config.ts', 'sdk/package.json', 'sdk/tsconfig.json'];
const SKIP = new Set(['node_modules', 'dist']);

/** The newest mtime (ms) under `dir`, directories included; tests do not go into the build. */
function newestUnder(dir) {
  let newest = statSync(dir).mtimeMs;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (SKIP.has(entry.name) || entry.name.endsWith('.test.ts')) continue;
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestUnder(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/** Why a build is needed in the checkout at `root`, or null when its dist/ is newer than every input. */
export function staleReason(root = ROOT) {
  const stamp = join(root, STAMP_FILE);
  if (!existsSync(stamp)) return 'no complete build in dist/';
  const built = statSync(stamp).mtimeMs;
  for (const dir of INPUT_DIRS) {
    const path = join(root, dir);
    if (existsSync(path) && newestUnder(path) > built) return `${dir}/ changed since the last build`;
  }
  for (const file of INPUT_FILES) {
    const path = join(root, file);
    if (existsSync(path) && statSync(path).mtimeMs > built) return `${file} changed since the last build`;
  }
  return null;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main(process.argv.slice(2));

async function main(args) {
  if (args[0] === '--stamp') {
    writeFileSync(join(ROOT, STAMP_FILE), `${new Date().toISOString()}\n`);
    return;
  }
  const reason = staleReason();
  if (reason) {
    process.stderr.write(`linkwire: building (${reason})…\n`);
    const npm = process.env.npm_execpath;
    // Under npm, reuse the npm that runs us; otherwise the one on PATH.
    const result = npm
      ? spawnSync(process.execPath, [npm, 'run', 'build', '--silent'], { cwd: ROOT, stdio: 'inherit' })
      : spawnSync('npm', ['run', 'build', '--silent'], { cwd: ROOT, stdio: 'inherit' });
    if (result.status !== 0) process.exit(result.status ?? 1);
  }
  if (args[0] === '--serve') {
    // In this process: a second Node start would add its own ~0.1 s.
    const entry = join(ROOT, 'dist/main.js');
    process.argv = [process.argv[0], entry, 'serve', ...args.slice(1)];
    await import(pathToFileURL(entry).href);
  }
}
