import { describe, expect, it } from 'vitest';
import type { CheckResult } from './health-check.js';
import { transition, type MonitorState } from './monitor-state.js';

const rules = { failuresToBreak: 2, intervalMs: 300_000, recheckMs: 60_000 };
const ok: CheckResult = { healthy: true, statusCode: 200, error: null, errorKind: null, method: 'HEAD', checkedAt: 0 };
const bad: CheckResult = { healthy: false, statusCode: 503, error: 'HTTP 503', errorKind: null, method: 'HEAD', checkedAt: 0 };

function run(start: MonitorState, results: CheckResult[]) {
  let state = start;
  const events: string[] = [];
  for (const r of results) {
    const step = transition(state, r, rules);
    state = step.state;
    if (step.event) events.push(step.event);
  }
  return { state, events };
}

describe('monitor transitions', () => {
  const pending: MonitorState = { status: 'pending', consecutiveFailures: 0 };

  it('a new link: healthy says nothing, a first failure is broken at once', () => {
    expect(run(pending, [ok]).events).toEqual([]);
    expect(run(pending, [bad])).toEqual({ state: { status: 'broken', consecutiveFailures: 1 }, events: ['link.broken'] });
  });

  it('a healthy link needs two failures in a row; one blip fires nothing and rechecks sooner', () => {
    const healthy = run(pending, [ok]).state;
    const blip = transition(healthy, bad, rules);
    expect(blip).toEqual({ state: { status: 'healthy', consecutiveFailures: 1 }, event: null, nextCheckInMs: 60_000 });
    expect(run(healthy, [bad, ok, bad, ok]).events).toEqual([]);
    expect(run(healthy, [bad, bad, bad, bad]).events).toEqual(['link.broken']);
  });

  it('fires once per flip, never per check', () => {
    expect(run(pending, [ok, bad, bad, bad, ok, ok, bad, bad, ok]).events).toEqual(['link.broken', 'link.recovered', 'link.broken', 'link.recovered']);
    expect(transition({ status: 'broken', consecutiveFailures: 3 }, ok, rules)).toMatchObject({ event: 'link.recovered', nextCheckInMs: 300_000 });
  });
});
