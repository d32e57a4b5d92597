import { createRequire } from 'node:module';

/**
 * Linkwire's version, from its package.json (read once, here). `npm_package_version` is only set
 * when npm starts the process, not for `node dist/main.js`; the file is there either way
 * (`../../package.json` from src/runtime/ and from dist/runtime/ alike).
 */
export const VERSION: string = (createRequire(import.meta.url)('../../package.json') as { version: string }).version;
