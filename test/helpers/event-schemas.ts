import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { expect } from 'vitest';
import { http } from './http.js';

/** Validates events against the JSON Schemas the running server publishes at /api/event-types (of one payload version, when given). */
export async function eventValidator(baseUrl: string, token: string, version?: string) {
  const res = await http(baseUrl, 'GET', `/api/event-types${version ? `?version=${version}` : ''}`, { token });
  const types = res.json<{ data: { type: string; schema: object }[] }>().data;
  const ajv = new Ajv.default({ strict: false, allErrors: true });
  addFormats.default(ajv);
  const validators = new Map(types.map((t) => [t.type, ajv.compile(t.schema)]));
  return {
    types: types.map((t) => t.type),
    /** Returns a list of problems; empty when the event is valid. */
    check(event: { type: string; data: unknown; id: string }): string[] {
      const validate = validators.get(event.type);
      if (!validate) return [`${event.id}: unknown type ${event.type}`];
      if (validate(event.data)) return [];
      return (validate.errors ?? []).map((e) => `${event.type} ${event.id}: ${e.instancePath} ${e.message ?? ''}`);
    },
  };
}

/**
 * Fetches the workspace's latest events (up to 100), asserts each listed type was emitted at least
 * once and that every event of those types validates against its published schema; returns them all.
 */
export async function expectValidEvents(t: { url: string }, token: string, types: string[]): Promise<any[]> {
  const validator = await eventValidator(t.url, token);
  const events = (await http(t.url, 'GET', '/api/events?limit=100', { token })).json<{ data: any[] }>().data;
  for (const type of types) {
    const matching = events.filter((e) => e.type === type);
    expect(matching.length, `no ${type} event`).toBeGreaterThan(0);
    expect(matching.flatMap((e) => validator.check(e))).toEqual([]);
  }
  return events;
}
