import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** One built file, with the precompressed copies the build wrote beside it. */
export interface BuiltFile {
  type: string;
  raw: Buffer;
  gzip: Buffer | null;
  brotli: Buffer | null;
}

export interface DashboardFiles {
  index: BuiltFile;
  /** By file name under `assets/` (names carry a content hash). */
  assets: ReadonlyMap<string, BuiltFile>;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
  '.json': 'application/json',
};

/**
 * `dist/dashboard`, which Vite writes. The same relative path works from `src/web` (tests, tsx)
 * and from `dist/web` (the built server): both sit two levels below the repository root.
 */
export const DEFAULT_DASHBOARD_DIR = fileURLToPath(new URL('../../dist/dashboard/', import.meta.url));

function load(path: string): BuiltFile {
  const read = (p: string) => (existsSync(p) ? readFileSync(p) : null);
  return {
    type: TYPES[extname(path)] ?? 'application/octet-stream',
    raw: readFileSync(path),
    gzip: read(`${path}.gz`),
    brotli: read(`${path}.br`),
  };
}

/** Reads the built dashboard into memory once (it is small), or null when it was never built. */
export function loadDashboardFiles(dir = DEFAULT_DASHBOARD_DIR): DashboardFiles | null {
  const indexPath = join(dir, 'index.html');
  if (!existsSync(indexPath)) return null;
  const assets = new Map<string, BuiltFile>();
  const assetDir = join(dir, 'assets');
  if (existsSync(assetDir)) {
    for (const name of readdirSync(assetDir)) {
      if (name.endsWith('.gz') || name.endsWith('.br')) continue;
      assets.set(name, load(join(assetDir, name)));
    }
  }
  return { index: load(indexPath), assets };
}
