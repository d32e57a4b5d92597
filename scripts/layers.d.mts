/** [path under src/ (a folder or a file, without .ts), layer]. The longest matching prefix wins. */
export const LAYERS: ReadonlyArray<readonly [string, number]>;
export const DOMAIN_LAYER: number;
export const SURFACE_LAYER: number;
/** The layer of a module, from its path under src/ (`links/routes.ts`). */
export function layerOf(pathUnderSrc: string): number;
/** Every module under `src` (tests excluded), as paths relative to `root`. */
export function sourceModules(root: string, src?: string): string[];
/** import-x/no-restricted-paths zones: the modules of each layer may not import those of a higher one. */
export function layerZones(root: string): Array<{ target: string[]; from: string[]; message: string }>;
