import type { AttemptOutcome } from './outcome.js';

/** An endpoint is switched off after failing this many attempts in a row, or for this long. */
export const DISABLE_AFTER_FAILURES = 50;
export const DISABLE_AFTER_MS = 5 * 86_400_000;

export interface EndpointStreak {
  /** Failed attempts in a row. */
  failures: number;
  /** When the current streak of failures began (null while healthy). */
  since: number | null;
}

/**
 * The endpoint-health decision, pure: the streak before, the attempts that finished since (in the
 * order they finished) in, the new streak and whether to switch the endpoint off (and why) out.
 * A success ends the streak; a 410 (or any outcome that says so) disables at once.
 */
export function decideEndpointHealth(
  before: EndpointStreak,
  attempts: readonly { outcome: AttemptOutcome; startedAt: number }[],
  now: number,
): EndpointStreak & { disableReason: string | null } {
  let failures = before.failures;
  let since = before.since;
  let disableReason: string | null = null;
  for (const r of attempts) {
    if (r.outcome.kind === 'succeeded') {
      failures = 0;
      since = null;
      continue;
    }
    failures++;
    since ??= r.startedAt;
    if (r.outcome.disableEndpoint) disableReason = r.outcome.disableEndpoint;
  }
  if (!disableReason && failures >= DISABLE_AFTER_FAILURES) disableReason = `${failures} failed attempts in a row`;
  if (!disableReason && since !== null && now - since >= DISABLE_AFTER_MS) disableReason = 'failing for 5 days';
  return { failures, since, disableReason };
}
