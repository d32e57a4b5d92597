import { Type } from '@sinclair/typebox';
import { encodeCursor } from '../runtime/page-cursor.js';

export const PageQuery = {
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 50 })),
  cursor: Type.Optional(Type.String({ maxLength: 200 })),
};

/** Given limit+1 rows (newest first), returns the page and the cursor for the next one. */
export function page<T extends { id: string }, R>(rows: T[], limit: number, render: (row: T) => R): { data: R[]; next_cursor: string | null } {
  const more = rows.length > limit;
  const slice = more ? rows.slice(0, limit) : rows;
  const last = slice[slice.length - 1];
  return { data: slice.map(render), next_cursor: more && last ? encodeCursor(last.id) : null };
}
