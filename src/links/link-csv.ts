/*
 * The columns of a links CSV, one list for the CLI (`linkwire links import|export`) and the
 * dashboard's Import and Export: what one writes, the other reads. Plain strings only (the
 * dashboard bundles this file).
 */

/** The columns a link is created from; import needs `url`, the others are optional. */
export const LINK_CSV_WRITABLE = ['url', 'slug', 'domain', 'title', 'tags', 'expires_at', 'max_clicks', 'utm_source', 'utm_medium', 'utm_campaign', 'utm_term', 'utm_content'] as const;

/** Export-only columns (the server decides them): import skips them, so an export imports again as it is. */
export const LINK_CSV_READ_ONLY = ['id', 'short_url', 'clicks', 'created_at', 'updated_at'] as const;

/** An export's columns, in order: the link's identity, what import reads, then counters. */
export const LINK_CSV_EXPORT = ['id', 'short_url', ...LINK_CSV_WRITABLE, 'clicks', 'created_at'] as const;

/** Columns import also accepts though export leaves them out (the dashboard's import always took it). */
export const LINK_CSV_IMPORT_EXTRA = ['expired_url'] as const;

/** Tags share one cell, separated by `|`. */
export const TAG_SEPARATOR = '|';
