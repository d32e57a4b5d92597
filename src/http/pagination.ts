import { Type } from '@sinclair/typebox';
import { validationError } from '../errors.js';

export const PageQuery = {
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 50 })),
  cursor: Type.Optional(Type.String({ maxLength: 200 })),
};

/** Cursors are opaque to clients; inside they are the last id of the previous page. */
export function encodeCursor(lastId: string): string {
  return Buffer.from(lastId, 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string | undefined): string | null {
  if (!cursor) return null;
  const id = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!/^[a-z]+_[0-9a-z]{26}$/.test(id)) throw validationError('cursor is invalid', { field: 'cursor' });
  return id;
}

/** Given limit+1 rows (newest first), returns the page and the cursor for the next one. */
export function page<T extends { id: string }, R>(rows: T[], limit: number, render: (row: T) => R): { data: R[]; next_cursor: string | null } {
  const more = rows.length > limit;
  const slice = more ? rows.slice(0, limit) : rows;
  const last = slice[slice.length - 1];
  return { data: slice.map(render), next_cursor: more && last ? encodeCursor(last.id) : null };
}
