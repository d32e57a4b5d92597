/** How far back the events API lists; retention keeps events at least this long. */
export const EVENT_LIST_WINDOW_MS = 30 * 86_400_000;
