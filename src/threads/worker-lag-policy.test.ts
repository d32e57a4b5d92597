import { readFileSync, readlinkSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { setThreadPriority } from './thread-priority.js';
import { effectiveLagMs, LagGovernor, nextThreadPolicy, REPORT_INTERVAL_MS, type ThreadPolicy } from './worker-lag-policy.js';

describe('nextThreadPolicy', () => {
  it('stays idle under the bound and goes normal over it', () => {
    expect(nextThreadPolicy('idle', 0, 250)).toBe('idle');
    expect(nextThreadPolicy('idle', 250, 250)).toBe('idle');
    expect(nextThreadPolicy('idle', 251, 250)).toBe('normal');
  });
  it('goes back to idle only under half the bound (no switch at every sample around the bound)', () => {
    expect(nextThreadPolicy('normal', 240, 250)).toBe('normal');
    expect(nextThreadPolicy('normal', 126, 250)).toBe('normal');
    expect(nextThreadPolicy('normal', 125, 250)).toBe('idle');
  });
});

describe('effectiveLagMs', () => {
  it('is the reported lag while reports are on time, and how overdue they are when the thread starves', () => {
    expect(effectiveLagMs(30, 1_000, 1_000 + REPORT_INTERVAL_MS)).toBe(30);
    expect(effectiveLagMs(30, 1_000, 1_000 + REPORT_INTERVAL_MS + 400)).toBe(400);
  });
});

describe('LagGovernor', () => {
  let governor: LagGovernor | null = null;
  afterEach(() => governor?.stop());

  it('switches on the lag samples it is given, and stays lowered once raising is refused', async () => {
    let now = 0;
    const applied: ThreadPolicy[] = [];
    const refused: ThreadPolicy[] = [];
    let refuse = false;
    governor = new LagGovernor({
      boundMs: 250,
      apply: async (policy) => {
        if (refuse && policy === 'normal') throw new Error('EPERM');
        applied.push(policy);
      },
      onRefused: (policy) => refused.push(policy),
      now: () => now,
      sampleMs: 3_600_000, // decisions only when the test asks
    });
    const step = async (lagMs: number) => {
      now += REPORT_INTERVAL_MS;
      governor!.report(lagMs);
      await governor!.sample();
      return governor!.current;
    };
    expect(await step(100)).toBe('idle');
    expect(await step(300)).toBe('normal');
    expect(await step(200)).toBe('normal');
    expect(await step(50)).toBe('idle');
    // The thread stops reporting (starved): overdue reports are lag.
    now += 1_000;
    await governor.sample();
    expect(governor.current).toBe('normal');
    expect(await step(0)).toBe('idle');
    expect(applied).toEqual(['normal', 'idle', 'normal', 'idle']);

    refuse = true;
    expect(await step(1_000)).toBe('idle');
    expect(await step(1_000)).toBe('idle');
    expect(refused).toEqual(['normal']); // asked once, not at every sample
    expect(applied.at(-1)).toBe('idle');
  });
});

/** A thread's scheduling policy (0 SCHED_OTHER, 5 SCHED_IDLE) and nice value, from /proc. */
function schedOf(tid: number): { policy: number; nice: number } {
  const text = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return { policy: Number(fields[38]), nice: Number(fields[16]) };
}

async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !check(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
  expect(check()).toBe(true);
}

describe.runIf(process.platform === 'linux' && process.getuid?.() === 0)('the worker thread under an artificial backlog (Linux, root)', () => {
  let governor: LagGovernor | null = null;
  it('runs under SCHED_IDLE at nice 19 while caught up and at the main thread\'s priority while behind', async () => {
    expect(readlinkSync('/proc/thread-self')).toMatch(/task/);
    const thread = new Worker(`const { readlinkSync } = require('node:fs'); const { parentPort } = require('node:worker_threads'); parentPort.postMessage(Number(readlinkSync('/proc/thread-self').split('/').pop())); setInterval(() => {}, 1000);`, { eval: true });
    try {
      const tid = await new Promise<number>((resolve) => thread.once('message', resolve));
      await setThreadPriority(tid, { lowered: 'idle' });
      expect(schedOf(tid)).toEqual({ policy: 5, nice: 19 });
      governor = new LagGovernor({
        boundMs: 250,
        apply: (policy) => setThreadPriority(tid, policy === 'idle' ? { lowered: 'idle' } : { normalNice: 0 }),
        onRefused: (_policy, err) => {
          throw err;
        },
        sampleMs: 10,
      });
      // A backlog: clicks 2 s behind.
      const backlog = setInterval(() => governor?.report(2_000), 10);
      await until(() => schedOf(tid).policy === 0 && schedOf(tid).nice === 0);
      clearInterval(backlog);
      const caughtUp = setInterval(() => governor?.report(0), 10);
      await until(() => schedOf(tid).policy === 5 && schedOf(tid).nice === 19);
      clearInterval(caughtUp);
    } finally {
      governor?.stop();
      await thread.terminate();
    }
  });
});
