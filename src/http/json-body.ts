import type { FastifyInstance } from 'fastify';
import { AppError } from '../errors.js';

/** No API body needs more; deeper nesting is refused before anything walks it recursively. */
export const MAX_JSON_DEPTH = 32;

/**
 * The JSON body parser: Fastify's own (prototype-poisoning checks included) behind a depth check.
 * A body nested thousands of levels deep would otherwise reach recursive code (schema validation,
 * serialisation) and overflow the stack: a 500 for what is plainly bad input.
 */
export function installJsonBodyParser(app: FastifyInstance): void {
  const parse = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = body as string;
    // An empty body is no body, whatever its content-type says (clients send one with the header
    // on POSTs that take none: replay, verify, test, rotate-secret). A route that needs a body
    // says so through its schema ("body must be object").
    if (text.trim() === '') {
      done(null, undefined);
      return;
    }
    const depth = nestingDepth(text);
    if (depth > MAX_JSON_DEPTH) {
      done(new AppError('VALIDATION_ERROR', `Request body is nested ${depth} levels deep; at most ${MAX_JSON_DEPTH} are allowed`, { max_depth: MAX_JSON_DEPTH }), undefined);
      return;
    }
    void parse(request, text, done);
  });
}

/** The deepest bracket nesting of a JSON text (brackets inside strings do not count); one pass, no recursion. */
export function nestingDepth(text: string): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > max) max = depth;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return max;
}
