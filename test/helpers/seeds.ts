import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/*
 * The five other shorteners' webhook pages (../shared/seeds beside the checkout, as CI has it).
 * They are other companies' words and code: tests read them at run time and never copy them
 * into the repository.
 */

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export const SEEDS = {
  awsys: '000_b2897f069b6674c8.txt',
  nobsredir: '001_54d7667f0ad6d4b4.txt',
  linkzly: '002_fdcb1c63f5489b84.txt',
  snip: '003_82b71d477c7ab3e5.txt',
  linkly: '004_cda147f675a7aae7.txt',
} as const;

/**
 * `../shared/seeds/<file>` from the repository root; a worktree nested deeper (…/wt/<name>) finds
 * the nearest `shared/seeds` above it.
 */
export function seedPath(service: keyof typeof SEEDS): string {
  for (let dir = dirname(ROOT); ; dir = dirname(dir)) {
    const candidate = join(dir, 'shared', 'seeds', SEEDS[service]);
    if (existsSync(candidate)) return candidate;
    if (dirname(dir) === dir) throw new Error(`seed ${SEEDS[service]} not found in ../shared/seeds (nor in any shared/seeds above ${ROOT})`);
  }
}

export function readSeed(service: keyof typeof SEEDS): string {
  return readFileSync(seedPath(service), 'utf8');
}

/** Every top-level `{…}` in the text that parses as JSON, in order (the pages' example payloads). */
export function jsonExamples(text: string): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (let start = text.indexOf('{'); start >= 0; start = text.indexOf('{', start + 1)) {
    let depth = 0;
    let inString = false;
    for (let i = start; i < text.length; i++) {
      const c = text[i];
      if (inString) {
        if (c === '\\') i++;
        else if (c === '"') inString = false;
        continue;
      }
      if (c === '"') inString = true;
      else if (c === '{') depth++;
      else if (c === '}' && --depth === 0) {
        try {
          const value: unknown = JSON.parse(text.slice(start, i + 1));
          if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
            out.push(value as Record<string, unknown>);
            start = i;
          }
        } catch {
          // not JSON (code); look further
        }
        break;
      }
    }
  }
  return out;
}

/** A named function's source in a page's JavaScript sample, from `function <name>(` to its closing brace. */
export function functionSource(text: string, name: string): string {
  const start = text.indexOf(`function ${name}(`);
  if (start < 0) throw new Error(`no function ${name} in the seed`);
  let depth = 0;
  for (let i = text.indexOf('{', start); i < text.length; i++) {
    if (text[i] === '{') depth++;
    else if (text[i] === '}' && --depth === 0) return text.slice(start, i + 1);
  }
  throw new Error(`function ${name} is not closed in the seed`);
}
