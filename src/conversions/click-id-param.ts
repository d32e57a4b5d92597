/** The query parameter a `track_conversions` link adds to its destination (SPEC §3b). */
export const CLICK_ID_PARAM = 'lw_click_id';

const EXISTING = /(^|&)lw_click_id=[^&]*/g;

/**
 * `destination` with `lw_click_id=<clickId>` in its query, before any fragment. A value already
 * there (a visitor's own, forwarded with `forward_params`) is replaced: the shop must only ever see
 * the id of the click that really happened. The rest of the query is left byte for byte as it was
 * (re-serialising it through URLSearchParams would re-encode the other parameters).
 */
export function withClickId(destination: string, clickId: string): string {
  const hashAt = destination.indexOf('#');
  const head = hashAt < 0 ? destination : destination.slice(0, hashAt);
  const hash = hashAt < 0 ? '' : destination.slice(hashAt);
  const queryAt = head.indexOf('?');
  const path = queryAt < 0 ? head : head.slice(0, queryAt);
  let query = queryAt < 0 ? '' : head.slice(queryAt + 1);
  if (query.includes(`${CLICK_ID_PARAM}=`)) query = query.replace(EXISTING, '').replace(/^&/, '');
  const param = `${CLICK_ID_PARAM}=${encodeURIComponent(clickId)}`;
  return `${path}?${query === '' ? param : `${query}&${param}`}${hash}`;
}
