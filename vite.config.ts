import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { brotliCompressSync, gzipSync, constants } from 'node:zlib';
import { defineConfig, type Plugin } from 'vite';

const outDir = 'dist/dashboard';

/** Writes .gz and .br beside every text file, so the server sends precompressed bytes (no per-request compression). */
function precompress(): Plugin {
  return {
    name: 'linkwire-precompress',
    apply: 'build',
    closeBundle() {
      const walk = (dir: string): string[] =>
        readdirSync(dir).flatMap((name) => {
          const path = join(dir, name);
          return statSync(path).isDirectory() ? walk(path) : [path];
        });
      for (const path of walk(outDir)) {
        if (!/\.(js|css|html|svg|json)$/.test(path)) continue;
        const raw = readFileSync(path);
        writeFileSync(`${path}.gz`, gzipSync(raw, { level: 9 }));
        writeFileSync(`${path}.br`, brotliCompressSync(raw, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }));
      }
    },
  };
}

// The dashboard SPA: sources in dashboard/, built into dist/dashboard with hashed assets.
export default defineConfig({
  root: 'dashboard',
  base: '/',
  esbuild: { jsx: 'automatic', jsxImportSource: 'preact' },
  build: {
    outDir: `../${outDir}`,
    emptyOutDir: true,
    assetsDir: 'assets',
    // Inline nothing: the CSP allows only same-origin files (no data: scripts or styles).
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    target: 'es2022',
    reportCompressedSize: false,
  },
  plugins: [precompress()],
  logLevel: 'warn',
});
