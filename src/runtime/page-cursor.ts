import { validationError } from '../errors.js';

/*
 * Page cursors for every list, whichever layer builds the page (routes through http/pagination.ts,
 * the member list in members/member-service.ts). Opaque to clients; inside they are the last id
 * (or sort key) of the previous page.
 */

export function encodeCursor(lastId: string): string {
  return Buffer.from(lastId, 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string | undefined): string | null {
  if (!cursor) return null;
  const id = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!/^[a-z]+_[0-9a-z]{26}$/.test(id)) throw validationError('cursor is invalid', { field: 'cursor' });
  return id;
}
