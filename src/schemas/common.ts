import { Type, type TSchema } from '@sinclair/typebox';

/** Shared schema building blocks; domain schemas live with their domain. */
export const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);
export const Timestamp = Type.String({ format: 'date-time', description: 'ISO-8601 UTC with milliseconds' });
export const Id = (prefix: string) => Type.String({ pattern: `^${prefix}_[0-9a-z]{26}$` });
