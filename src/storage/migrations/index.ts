import type { Migration } from 'kysely';
import { initial } from './001_initial.js';

/** Every migration, in order. Names are permanent: never rename or reorder a landed one. */
export const migrations: Record<string, Migration> = {
  '001_initial': initial,
};
