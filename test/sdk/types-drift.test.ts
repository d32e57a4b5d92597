import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { generateSdkTypes, SDK_TYPES_FILE } from '../../scripts/sdk-types.js';

const SDK_DIR = join(dirname(fileURLToPath(import.meta.url)), '../../src/sdk');

describe('SDK types', () => {
  it('are exactly what openapi-typescript generates from the current document (run `npm run sdk:types` when this fails)', async () => {
    const committed = await readFile(SDK_TYPES_FILE, 'utf8');
    const generated = await generateSdkTypes();
    expect(committed === generated, 'src/sdk/openapi-types.ts is out of date: run `npm run sdk:types`').toBe(true);
    expect(generated).toContain('"/api/links": {');
    expect(generated).toContain('"link.clicked": {');
  });

  it('the SDK imports nothing from the server: only its own files and openapi-fetch', async () => {
    const { readdir } = await import('node:fs/promises');
    const files = (await readdir(SDK_DIR)).filter((f) => f.endsWith('.ts'));
    expect(files).toContain('verify-webhook.ts');
    for (const file of files) {
      const text = await readFile(join(SDK_DIR, file), 'utf8');
      const specifiers = [...text.matchAll(/(?:from|import)\s*\(?\s*'([^']+)'/g)].map((m) => m[1]!);
      const foreign = specifiers.filter((s) => !/^\.\/[a-z-]+\.js$/.test(s) && s !== 'openapi-fetch');
      expect(foreign, file).toEqual([]);
    }
  });
});
