/*
 * Local days in an IANA time zone, with the runtime's own tz database (Intl): a workspace's
 * analytics days start at its local midnight, across daylight-saving changes.
 */

const formatters = new Map<string, Intl.DateTimeFormat>();

/** The zone's canonical name ("europe/paris" → "Europe/Paris"), or null when it is not a time zone. */
export function canonicalTimeZone(name: string): string | null {
  if (!/^[A-Za-z0-9_+\-/]{1,64}$/.test(name)) return null;
  try {
    return new Intl.DateTimeFormat('en-US', { timeZone: name }).resolvedOptions().timeZone;
  } catch {
    return null;
  }
}

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' });
    formatters.set(timeZone, f);
  }
  return f;
}

/** The local calendar date and time at `ms`. */
export function localParts(ms: number, timeZone: string): { year: number; month: number; day: number; hour: number; minute: number; second: number } {
  const out = { year: 0, month: 0, day: 0, hour: 0, minute: 0, second: 0 };
  for (const part of formatter(timeZone).formatToParts(ms)) {
    if (part.type in out) out[part.type as keyof typeof out] = Number(part.value);
  }
  return out;
}

/** The zone's offset from UTC at `ms`, in milliseconds (Paris in winter: +3 600 000). */
export function offsetAt(ms: number, timeZone: string): number {
  const p = localParts(ms, timeZone);
  const asUtc = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
  return asUtc - (ms - (((ms % 1000) + 1000) % 1000));
}

/** The first instant of the local date `year-month-day` (1-based month). */
export function localMidnight(year: number, month: number, day: number, timeZone: string): number {
  const wall = Date.UTC(year, month - 1, day);
  // The offset at the guess, then at the corrected instant (they differ across a DST change).
  let t = wall - offsetAt(wall, timeZone);
  t = wall - offsetAt(t, timeZone);
  // Where midnight does not exist (a DST jump at 00:00), the day starts at the first instant after it.
  const p = localParts(t, timeZone);
  if (Date.UTC(p.year, p.month - 1, p.day) < wall) t += 3_600_000;
  return t;
}

/** The start of the local day holding `ms`. */
export function startOfLocalDay(ms: number, timeZone: string): number {
  const p = localParts(ms, timeZone);
  return localMidnight(p.year, p.month, p.day, timeZone);
}

/** The start of the local day after the one holding `ms`. */
export function startOfNextLocalDay(ms: number, timeZone: string): number {
  const p = localParts(ms, timeZone);
  const next = new Date(Date.UTC(p.year, p.month - 1, p.day + 1));
  return localMidnight(next.getUTCFullYear(), next.getUTCMonth() + 1, next.getUTCDate(), timeZone);
}
