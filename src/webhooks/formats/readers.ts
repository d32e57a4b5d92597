/*
 * Field readers shared by the other services' renderers: they take whatever the event data holds
 * and answer the value or null, never throwing, so a renderer copes with older or newer events
 * (fields such as `actor`, `created_by` or `enabled` may be absent).
 */

import { createHmac } from 'node:crypto';
import { isRecord, type Data } from '../tolerant-readers.js';

export function recordOrNull(value: unknown): Data | null {
  return isRecord(value) ? value : null;
}

/** A string, a finite number or a boolean as it is; anything else (absent included) is null. */
export function scalar(value: unknown): string | number | boolean | null {
  if (typeof value === 'string' || typeof value === 'boolean') return value;
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

export function stringOrNull(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

export function booleanOr(value: unknown, fallback: boolean): boolean {
  return typeof value === 'boolean' ? value : fallback;
}

/** Lower-case hex HMAC-SHA256 keyed with the secret string's UTF-8 bytes. */
export function hexHmac(secret: string, message: string): string {
  return createHmac('sha256', Buffer.from(secret, 'utf8')).update(message, 'utf8').digest('hex');
}
