import type { CheckResult } from './health-check.js';

/** `pending`: never checked; `healthy`; `broken`: link.broken fired and link.recovered has not yet. */
export type MonitorStatus = 'pending' | 'healthy' | 'broken';

export interface MonitorState {
  status: MonitorStatus;
  consecutiveFailures: number;
}

export interface TransitionRules {
  /** Consecutive failures that turn a healthy link broken (a first check needs just one). */
  failuresToBreak: number;
  /** Between checks while nothing is in doubt. */
  intervalMs: number;
  /** After a healthy link's failure that has not yet reached failuresToBreak: confirm sooner. */
  recheckMs: number;
}

export interface Transition {
  state: MonitorState;
  /** The event this check fires, if it flips the link. */
  event: 'link.broken' | 'link.recovered' | null;
  /** Delay until the next check. */
  nextCheckInMs: number;
}

/**
 * The monitor's state machine. Events fire only on flips, never per check:
 *   pending --fail--> broken (link.broken)     pending --ok--> healthy (nothing)
 *   healthy --fail x failuresToBreak--> broken (link.broken); fewer failures stay healthy and recheck soon
 *   broken  --ok--> healthy (link.recovered)   broken --fail--> broken (nothing)
 * A new link has no working state to flap away from, so its first failure is reported at once;
 * a healthy link must fail failuresToBreak checks in a row, so one dropped request is not an outage.
 */
export function transition(current: MonitorState, result: CheckResult, rules: TransitionRules): Transition {
  const interval = rules.intervalMs;
  if (result.healthy) {
    const event = current.status === 'broken' ? 'link.recovered' : null;
    return { state: { status: 'healthy', consecutiveFailures: 0 }, event, nextCheckInMs: interval };
  }
  const failures = current.consecutiveFailures + 1;
  if (current.status === 'broken') return { state: { status: 'broken', consecutiveFailures: failures }, event: null, nextCheckInMs: interval };
  if (current.status === 'pending' || failures >= rules.failuresToBreak) {
    return { state: { status: 'broken', consecutiveFailures: failures }, event: 'link.broken', nextCheckInMs: interval };
  }
  return { state: { status: 'healthy', consecutiveFailures: failures }, event: null, nextCheckInMs: Math.min(rules.recheckMs, interval) };
}
