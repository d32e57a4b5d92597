import { describe, expect, it } from 'vitest';
import { GroupCommit } from './group-commit.js';

/** A write that records its batches and can be held open, to see what arrives while it runs. */
function recordingWrite() {
  const batches: number[][] = [];
  let release: (() => void) | null = null;
  let hold = false;
  const write = async (batch: number[]): Promise<string[]> => {
    batches.push(batch);
    if (hold) await new Promise<void>((resolve) => (release = resolve));
    return batch.map((n) => `wrote ${n}`);
  };
  return {
    batches,
    write,
    holdNext: () => (hold = true),
    release: () => {
      hold = false;
      release?.();
    },
  };
}

describe('GroupCommit', () => {
  it('writes what arrives in one event-loop turn as one batch and answers each caller its own result', async () => {
    const w = recordingWrite();
    const commits = new GroupCommit(w.write, { flushMs: 0 });
    const results = await Promise.all([1, 2, 3].map((n) => commits.add(n)));
    expect(results).toEqual(['wrote 1', 'wrote 2', 'wrote 3']);
    expect(w.batches).toEqual([[1, 2, 3]]);
  });

  it('batches what arrives during a write into the next one, written right after', async () => {
    const w = recordingWrite();
    const commits = new GroupCommit(w.write, { flushMs: 0 });
    w.holdNext();
    const first = commits.add(1);
    await new Promise((r) => setImmediate(r));
    const later = [2, 3, 4].map((n) => commits.add(n));
    expect(w.batches).toEqual([[1]]);
    w.release();
    await Promise.all([first, ...later]);
    expect(w.batches).toEqual([[1], [2, 3, 4]]);
  });

  it('fails every item of a batch whose write fails, and keeps working afterwards', async () => {
    let fail = true;
    const commits = new GroupCommit<number, number>(async (batch) => {
      if (fail) throw new Error('disk full');
      return batch;
    }, { flushMs: 0 });
    const outcomes = await Promise.allSettled([commits.add(1), commits.add(2)]);
    expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'rejected']);
    fail = false;
    await expect(commits.add(3)).resolves.toBe(3);
  });

  it('writes a full batch at once instead of waiting for the flush window', async () => {
    const w = recordingWrite();
    const commits = new GroupCommit(w.write, { flushMs: 60_000, maxBatch: 2 });
    commits.add(1).catch(() => undefined);
    const started = Date.now();
    await commits.add(2);
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(w.batches).toEqual([[1, 2]]);
  });

  it('drain writes what is queued without waiting for the flush window', async () => {
    const w = recordingWrite();
    const commits = new GroupCommit(w.write, { flushMs: 60_000 });
    const pending = commits.add(7);
    await commits.drain();
    await expect(pending).resolves.toBe('wrote 7');
  });
});
