import Ajv, { type Options } from 'ajv';
import addFormats from 'ajv-formats';
import type { FastifyInstance } from 'fastify';

const common: Options = { allErrors: true, strict: false, useDefaults: true, removeAdditional: false };

/**
 * Bodies are validated exactly (no type coercion, unknown fields rejected by the schemas),
 * while query strings and path params arrive as text and are coerced.
 */
export function installValidators(app: FastifyInstance): void {
  const exact = new Ajv.default({ ...common, coerceTypes: false });
  const coercing = new Ajv.default({ ...common, coerceTypes: 'array' });
  addFormats.default(exact);
  addFormats.default(coercing);
  app.setValidatorCompiler(({ schema, httpPart }) => {
    const ajv = httpPart === 'body' ? exact : coercing;
    return ajv.compile(schema);
  });
}
