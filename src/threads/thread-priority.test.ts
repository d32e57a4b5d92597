import { readFileSync } from 'node:fs';
import { getPriority } from 'node:os';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { lowerCurrentThreadPriority, type PriorityDeps } from './thread-priority.js';

function fakeDeps(overrides: Partial<PriorityDeps> = {}): PriorityDeps & { calls: [number, number][]; idled: number[] } {
  const calls: [number, number][] = [];
  const idled: number[] = [];
  return {
    platform: 'linux',
    threadId: () => 4242,
    getPriority: () => 0,
    setPriority: (id, nice) => void calls.push([id, nice]),
    setIdlePolicy: (id) => void idled.push(id),
    calls,
    idled,
    ...overrides,
  };
}

/** The scheduling policy of a thread, from /proc (field 41 of stat): 0 normal, 5 SCHED_IDLE. */
function policyOf(tid: number): number {
  const stat = readFileSync(`/proc/${process.pid}/task/${tid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[38]);
}

describe('lowerCurrentThreadPriority', () => {
  it('renices the calling thread by its kernel id on Linux', () => {
    const deps = fakeDeps();
    expect(lowerCurrentThreadPriority(12, deps)).toEqual({ applied: true, tid: 4242, nice: 12, policy: 'normal' });
    expect(deps.calls).toEqual([[4242, 12]]);
    expect(deps.idled).toEqual([]);
  });

  it('idle: renices to 19 first, then asks for SCHED_IDLE; refused, it stays at 19 and says why', () => {
    const deps = fakeDeps();
    expect(lowerCurrentThreadPriority('idle', deps)).toEqual({ applied: true, tid: 4242, nice: 19, policy: 'idle' });
    expect(deps.calls).toEqual([[4242, 19]]);
    expect(deps.idled).toEqual([4242]);
    const refused = fakeDeps({
      setIdlePolicy: () => {
        throw new Error('spawnSync chrt ENOENT');
      },
    });
    expect(lowerCurrentThreadPriority('idle', refused)).toEqual({ applied: true, tid: 4242, nice: 19, policy: 'normal', note: 'SCHED_IDLE refused (spawnSync chrt ENOENT)' });
  });

  it('leaves the priority alone elsewhere: setpriority would renice the whole process there', () => {
    const deps = fakeDeps({ platform: 'darwin' });
    const outcome = lowerCurrentThreadPriority(10, deps);
    expect(outcome.applied).toBe(false);
    expect(outcome).toMatchObject({ reason: expect.stringContaining('darwin') });
    expect(deps.calls).toEqual([]);
  });

  it('never raises the priority of a process started niced already', () => {
    const deps = fakeDeps({ getPriority: () => 15 });
    expect(lowerCurrentThreadPriority(10, deps)).toEqual({ applied: false, reason: 'the thread already runs at nice 15' });
    expect(deps.calls).toEqual([]);
  });

  it('does nothing at 0', () => {
    const deps = fakeDeps();
    expect(lowerCurrentThreadPriority(0, deps).applied).toBe(false);
    expect(deps.calls).toEqual([]);
  });

  it('reports a refusal instead of throwing (no /proc, a sandbox that forbids it)', () => {
    const noProc = fakeDeps({
      threadId: () => {
        throw new Error("ENOENT: no such file or directory, readlink '/proc/thread-self'");
      },
    });
    expect(lowerCurrentThreadPriority(10, noProc)).toMatchObject({ applied: false, reason: expect.stringContaining('/proc/thread-self') });
    const refused = fakeDeps({
      setPriority: () => {
        throw new Error('EACCES');
      },
    });
    expect(lowerCurrentThreadPriority(10, refused)).toEqual({ applied: false, reason: 'EACCES' });
  });

  it.runIf(process.platform === 'linux' && getPriority(0) < 7)('lowers only the thread that asks, not the process', async () => {
    const before = getPriority(0);
    // A worker thread that loads this module (through tsx, as worker-thread-host.ts does under tests;
    // the eval'd code resolves packages from the working directory, the repository) and calls it.
    const entry = new URL('./thread-priority.ts', import.meta.url).href;
    const code = `
      const { parentPort } = require('node:worker_threads');
      const { getPriority } = require('node:os');
      import('tsx/esm/api')
        .then((tsx) => { tsx.register(); return import(${JSON.stringify(entry)}); })
        .then((m) => {
          const outcome = m.lowerCurrentThreadPriority(7);
          parentPort.postMessage({ outcome, nice: outcome.applied ? getPriority(outcome.tid) : null });
        });`;
    const worker = new Worker(code, { eval: true });
    const seen = await new Promise<{ outcome: { applied: boolean; tid: number }; nice: number }>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    await worker.terminate();
    expect(seen.outcome.applied).toBe(true);
    expect(seen.nice).toBe(7);
    expect(seen.outcome.tid).not.toBe(process.pid);
    expect(getPriority(0)).toBe(before);
  });

  it.runIf(process.platform === 'linux')('idle puts only the thread that asks under SCHED_IDLE, with the real chrt', async () => {
    const entry = new URL('./thread-priority.ts', import.meta.url).href;
    const code = `
      const { parentPort } = require('node:worker_threads');
      const { readFileSync } = require('node:fs');
      import('tsx/esm/api')
        .then((tsx) => { tsx.register(); return import(${JSON.stringify(entry)}); })
        .then((m) => {
          const outcome = m.lowerCurrentThreadPriority('idle');
          parentPort.postMessage({ outcome });
          parentPort.once('message', () => process.exit(0));
        });`;
    const worker = new Worker(code, { eval: true });
    const seen = await new Promise<{ outcome: { applied: boolean; tid: number; policy: string } }>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    try {
      expect(seen.outcome).toMatchObject({ applied: true, policy: 'idle' });
      expect(policyOf(seen.outcome.tid)).toBe(5);
      expect(policyOf(process.pid)).toBe(0);
    } finally {
      await worker.terminate();
    }
  });
});
