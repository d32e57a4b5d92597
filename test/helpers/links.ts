import { expect } from 'vitest';
import type { TestApp } from './test-app.js';

/** Creates a link through the API as `key` and answers it; anything but 201 fails the test with the answer's text. */
export async function createLink(t: Pick<TestApp, 'api'>, key: string, body: Record<string, unknown>): Promise<any> {
  const res = await t.api('POST', '/api/links', body, key);
  expect(res.status, res.text).toBe(201);
  return res.json();
}
