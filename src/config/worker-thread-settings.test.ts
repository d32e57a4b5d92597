import { describe, expect, it } from 'vitest';
import { ConfigError } from './config-error.js';
import { DEFAULT_WORKER_HEAP_MB, DEFAULT_WORKER_NICE, parseWorkerHeapMb, parseWorkerNice } from './worker-thread-settings.js';

describe('LINKWIRE_WORKER_HEAP_MB', () => {
  it('defaults to a budget, takes MiB from 64 up, and 0 for none', () => {
    expect(parseWorkerHeapMb(undefined)).toBe(DEFAULT_WORKER_HEAP_MB);
    expect(parseWorkerHeapMb(' ')).toBe(DEFAULT_WORKER_HEAP_MB);
    expect(parseWorkerHeapMb('0')).toBe(0);
    expect(parseWorkerHeapMb('64')).toBe(64);
    expect(parseWorkerHeapMb('2048')).toBe(2048);
  });

  it('refuses a value that is not a budget, naming the setting', () => {
    for (const bad of ['-1', '12', '63', '160.5', 'lots', '1e9']) {
      expect(() => parseWorkerHeapMb(bad), bad).toThrow(ConfigError);
      expect(() => parseWorkerHeapMb(bad), bad).toThrow(/LINKWIRE_WORKER_HEAP_MB/);
    }
  });
});

describe('LINKWIRE_WORKER_NICE', () => {
  it('defaults to idle and accepts idle or 0 to 19', () => {
    expect(parseWorkerNice(undefined)).toBe(DEFAULT_WORKER_NICE);
    expect(DEFAULT_WORKER_NICE).toBe('idle');
    expect(parseWorkerNice('')).toBe(DEFAULT_WORKER_NICE);
    expect(parseWorkerNice('idle')).toBe('idle');
    expect(parseWorkerNice('0')).toBe(0);
    expect(parseWorkerNice('19')).toBe(19);
  });

  it('refuses what is not a niceness', () => {
    for (const bad of ['-1', '20', '5.5', 'low']) expect(() => parseWorkerNice(bad), bad).toThrow(/LINKWIRE_WORKER_NICE must be "idle" or an integer/);
  });
});
