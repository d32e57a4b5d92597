// The server's layers, low to high: a module imports its own layer or lower ones, never a higher one.
// eslint.config.js turns this table into import-x/no-restricted-paths zones; scripts/import-graph.ts
// measures the graph against it. One table, so the rule and the measurement cannot disagree.
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

/** [path under src/ (a folder or a file, without .ts), layer]. The longest matching prefix wins. */
export const LAYERS = [
  // 0 foundation: knows no domain
  ['runtime', 0], ['errors', 0], ['net', 0], ['sdk', 0], ['schemas', 0], ['csv', 0],
  // 1 infrastructure
  ['storage', 1], ['jobs', 1], ['outbound', 1], ['secrets', 1],
  // 2 the low halves of events/ (names, envelope and outbox, actor, the stream's attempt notice) and
  // openapi/ (the error envelope every route uses, the brand)
  ['events/actor', 2], ['events/outbox', 2], ['events/event-types', 2], ['events/event-window', 2], ['events/attempt-notice', 2],
  // the payload versions a webhook may be pinned to (names and dates only)
  ['events/payload-versions', 2],
  ['openapi/brand', 2], ['openapi/refs', 2],
  // 3 domain: every folder not listed, config.ts (it reads the domains' settings), and the sample
  // event of each type (it knows a link's shape)
  ['events/samples', 3],
  // the context every service is built from (config, storage, clock, ids, outbox): domain services name it
  ['assembly/context', 3],
  // 4 assemblers over the domains: the event catalog, the live stream, the OpenAPI components and document
  ['events', 4], ['openapi', 4],
  // 5 surfaces: HTTP plumbing, every *routes.ts (see layerOf), the dashboard's files
  ['http', 5], ['web', 5],
  // 6 the process: the app factory and its assemblers (one per role), the embedded worker thread;
  // 7 the CLI that starts them; 8 the entry point
  ['app', 6], ['assembly', 6], ['threads', 6], ['cli', 7], ['main', 8],
];

export const DOMAIN_LAYER = 3;
export const SURFACE_LAYER = 5;

/** The layer of a module, from its path under src/ (`links/routes.ts`). */
export function layerOf(pathUnderSrc) {
  const rel = pathUnderSrc.replaceAll('\\', '/').replace(/\.ts$/, '');
  let best;
  for (const [prefix, layer] of LAYERS) {
    if ((rel === prefix || rel.startsWith(`${prefix}/`)) && (!best || prefix.length > best[0].length)) best = [prefix, layer];
  }
  const layer = best ? best[1] : DOMAIN_LAYER;
  // A domain's routes are its HTTP surface, whatever folder they sit in.
  return /routes$/.test(rel) ? Math.max(layer, SURFACE_LAYER) : layer;
}

/** Every module under `src` (tests excluded: nothing imports them), as paths relative to `root`. */
export function sourceModules(root, src = join(root, 'src')) {
  const walk = (dir) =>
    readdirSync(dir).flatMap((name) => {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) return walk(path);
      return name.endsWith('.ts') && !name.endsWith('.test.ts') && !name.endsWith('.d.ts') ? [path] : [];
    });
  return walk(src).map((path) => relative(root, path).replaceAll('\\', '/'));
}

/** import-x/no-restricted-paths zones: the modules of each layer may not import those of a higher one. */
export function layerZones(root) {
  const modules = sourceModules(root).map((path) => ({ path: `./${path}`, layer: layerOf(path.replace(/^src\//, '')) }));
  const layers = [...new Set(modules.map((m) => m.layer))].sort((a, b) => a - b);
  return layers.flatMap((layer) => {
    const target = modules.filter((m) => m.layer === layer).map((m) => m.path);
    const from = modules.filter((m) => m.layer > layer).map((m) => m.path);
    return from.length === 0 ? [] : [{ target, from, message: `arrows point down: a layer-${layer} module imports a higher layer (scripts/layers.mjs)` }];
  });
}
