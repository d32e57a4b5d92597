/**
 * Whether `err` is PostgreSQL refusing text it cannot store: 22021 (a NUL byte or invalid UTF-8
 * in a text value) or 22P05 (`\u0000` in JSON). Input checks refuse such text first; this is the
 * last line, so a field nobody thought of is still a 400 and not a 500.
 */
export function isUnstorableText(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === '22021' || code === '22P05';
}
