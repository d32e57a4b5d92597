import Ajv, { type Options, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import type { FastifyInstance } from 'fastify';

// verbose: errors carry their schema and data, so describeSchemaErrors can name a union's options.
const common: Options = { allErrors: true, verbose: true, strict: false, useDefaults: true, removeAdditional: false };

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
    return compiledOnFirstUse(() => ajv.compile(schema));
  });
}

/**
 * A validator that compiles its schema when it first runs. Compiling every route's schemas up front
 * was a third of the CPU a start takes (~1 s of ~3 s) for routes a process may never see (a
 * redirect-only process answers /healthz and /metrics); each route pays a few ms once instead.
 * Fastify reads `errors` off the function it was given after a failed call, so they are copied over.
 */
function compiledOnFirstUse(compile: () => ValidateFunction): ValidateFunction {
  let compiled: ValidateFunction | null = null;
  const validate = ((data: unknown) => {
    compiled ??= compile();
    const valid = compiled(data);
    validate.errors = compiled.errors;
    return valid;
  }) as ValidateFunction;
  validate.errors = null;
  return validate;
}

/** An Ajv error as the error handler receives it (Ajv runs `verbose`, so the schema and data come along). */
export interface SchemaError {
  instancePath: string;
  schemaPath: string;
  keyword: string;
  params: Record<string, unknown>;
  message?: string | undefined;
  schema?: unknown;
  data?: unknown;
}

export interface FieldProblem {
  field: string;
  message: string;
}

type Branch = { const?: unknown; properties?: Record<string, { const?: unknown }> };

/**
 * Ajv's errors in words a person can act on. A union of constants reads "must be one of a, b, c"
 * instead of one "must be equal to constant" per option; a union of objects told apart by one
 * constant field (like `retry.mode`) reports that field's options, or the chosen branch's errors.
 */
export function describeSchemaErrors(errors: readonly SchemaError[]): FieldProblem[] {
  const hidden = new Set<SchemaError>();
  const out: FieldProblem[] = [];
  for (const error of errors) {
    if ((error.keyword !== 'anyOf' && error.keyword !== 'oneOf') || !Array.isArray(error.schema)) continue;
    const branches = error.schema as Branch[];
    const inside = errors.filter((e) => e !== error && e.schemaPath.startsWith(`${error.schemaPath}/`));
    const path = pathOf(error.instancePath);
    if (branches.every((b) => b.const !== undefined)) {
      inside.forEach((e) => hidden.add(e));
      hidden.add(error);
      out.push({ field: path || 'body', message: `must be one of ${branches.map((b) => String(b.const)).join(', ')}` });
      continue;
    }
    const key = discriminator(branches);
    if (key === null) continue;
    const data = error.data;
    const options = branches.map((b) => b.properties![key]!.const);
    hidden.add(error);
    const chosen = data !== null && typeof data === 'object' && !Array.isArray(data) ? options.indexOf((data as Record<string, unknown>)[key]) : -2;
    if (chosen >= 0) {
      // The branch the client meant: only its complaints matter.
      for (const e of inside) if (!e.schemaPath.startsWith(`${error.schemaPath}/${chosen}/`)) hidden.add(e);
      continue;
    }
    inside.forEach((e) => hidden.add(e));
    const field = path ? `${path}.${key}` : key;
    out.push(
      chosen === -2
        ? { field: path || 'body', message: `must be an object whose ${key} is one of ${options.map(String).join(', ')}` }
        : { field, message: `must be one of ${options.map(String).join(', ')}` },
    );
  }
  for (const error of errors) {
    if (hidden.has(error)) continue;
    const message =
      error.keyword === 'enum' && Array.isArray(error.params.allowedValues)
        ? `must be one of ${(error.params.allowedValues as unknown[]).map(String).join(', ')}`
        : (error.message ?? 'is invalid');
    out.push({ field: fieldName(error.instancePath, error.params), message });
  }
  const seen = new Set<string>();
  return out.filter((p) => {
    const id = `${p.field}\u0000${p.message}`;
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
}

/** A property every branch has, with a different constant in each: what tells the branches apart. */
function discriminator(branches: Branch[]): string | null {
  const first = branches[0]?.properties;
  if (!first) return null;
  for (const key of Object.keys(first)) {
    const values = branches.map((b) => b.properties?.[key]?.const);
    if (values.every((v) => v !== undefined) && new Set(values).size === values.length) return key;
  }
  return null;
}

function pathOf(instancePath: string): string {
  return instancePath.replace(/^\//, '').replace(/\//g, '.');
}

function fieldName(instancePath: string, params: Record<string, unknown>): string {
  const path = pathOf(instancePath);
  const extra = (params.missingProperty ?? params.additionalProperty) as string | undefined;
  if (extra) return path ? `${path}.${extra}` : extra;
  return path || 'body';
}

let bodyAjv: Ajv.default | null = null;
const checkers = new WeakMap<object, ReturnType<Ajv.default['compile']>>();

/**
 * The API's own body check outside a request (the CLI's `admin` commands, which skip the API):
 * the same schema, the same Ajv options and formats, the same words. No problems: valid.
 */
export function checkBody(schema: object, value: unknown): FieldProblem[] {
  if (!bodyAjv) {
    bodyAjv = new Ajv.default({ ...common, coerceTypes: false });
    addFormats.default(bodyAjv);
  }
  let check = checkers.get(schema);
  if (!check) {
    check = bodyAjv.compile(schema);
    checkers.set(schema, check);
  }
  return check(value) ? [] : describeSchemaErrors((check.errors ?? []) as SchemaError[]);
}
