import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError } from '../errors.js';

/**
 * Control characters (C0 and DEL) mean nothing in an id, a slug, a tag, a title, a name or a
 * search, and PostgreSQL cannot store a NUL in any text at all ("invalid byte sequence for
 * encoding UTF8: 0x00"): such input is refused up front with a 400 naming the field, instead of
 * reaching a query and failing there as a 500 (or being stored on SQLite and printed raw later).
 *
 * - the API's path parameters and query parameters: no control character anywhere;
 * - JSON bodies: no NUL in any string, and no control character in the single-line text fields
 *   below (a description or a filter expression may hold a line break; a title may not).
 */
const SINGLE_LINE_FIELDS = new Set([
  'id',
  'ids',
  'slug',
  'domain',
  'hostname',
  'title',
  'name',
  'workspace_name',
  'tags',
  'email',
  'scopes',
  'events',
  'link_ids',
  'utm_source',
  'utm_medium',
  'utm_campaign',
  'utm_term',
  'utm_content',
  'og_title',
  'role',
  'type',
  'plan',
]);

// eslint-disable-next-line no-control-regex -- finding control characters is the point
const CONTROL = /[\u0000-\u001f\u007f]/;

export interface ControlCharacterProblem {
  field: string;
  message: string;
}

/** "must not contain control characters (found U+0009 at position 3)", or null when `text` is clean. */
export function controlCharacterProblem(text: string, nulOnly = false): string | null {
  const index = nulOnly ? text.indexOf('\u0000') : text.search(CONTROL);
  if (index < 0) return null;
  const code = text.charCodeAt(index).toString(16).toUpperCase().padStart(4, '0');
  return `must not contain control characters (found U+${code} at position ${index})`;
}

/** Refuses control characters in params, query and body before validation; see the module comment. */
export function installControlCharacterCheck(app: FastifyInstance): void {
  app.addHook('preValidation', async (request: FastifyRequest) => {
    // The API's parameters; a dashboard page's query is the page's business (it serves the same HTML).
    if (request.url.startsWith('/api/')) {
      checkFlat(request.params, 'params');
      checkFlat(request.query, 'querystring');
    }
    if (request.body !== null && typeof request.body === 'object') {
      const problems: ControlCharacterProblem[] = [];
      walkBody(request.body, '', false, problems);
      if (problems.length > 0) throw refusal(problems, '');
    }
  });
}

function checkFlat(values: unknown, where: 'params' | 'querystring'): void {
  if (values === null || typeof values !== 'object') return;
  const problems: ControlCharacterProblem[] = [];
  for (const [name, value] of Object.entries(values as Record<string, unknown>)) {
    for (const text of Array.isArray(value) ? value : [value]) {
      if (typeof text !== 'string') continue;
      const message = controlCharacterProblem(text);
      if (message) problems.push({ field: name, message });
    }
    const nameProblem = controlCharacterProblem(name);
    if (nameProblem) problems.push({ field: JSON.stringify(name), message: `(a parameter name) ${nameProblem}` });
  }
  if (problems.length > 0) throw refusal(problems, ` (${where})`);
}

function walkBody(value: unknown, path: string, singleLine: boolean, problems: ControlCharacterProblem[]): void {
  if (problems.length >= 20) return;
  if (typeof value === 'string') {
    const message = controlCharacterProblem(value, !singleLine);
    if (message) problems.push({ field: path || 'body', message });
    return;
  }
  if (value === null || typeof value !== 'object') return;
  if (Array.isArray(value)) {
    value.forEach((item, i) => walkBody(item, `${path}[${i}]`, singleLine, problems));
    return;
  }
  for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
    const field = path ? `${path}.${key}` : key;
    const keyProblem = controlCharacterProblem(key);
    if (keyProblem) problems.push({ field: JSON.stringify(field), message: `(a field name) ${keyProblem}` });
    walkBody(item, field, SINGLE_LINE_FIELDS.has(key), problems);
  }
}

function refusal(problems: ControlCharacterProblem[], where: string): AppError {
  const summary = problems.map((p) => `${p.field} ${p.message}`).join('; ');
  return new AppError('VALIDATION_ERROR', `Invalid request${where}: ${summary}`, { fields: problems });
}
