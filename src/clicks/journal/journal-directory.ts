import { randomBytes } from 'node:crypto';
import { closeSync, openSync, readdirSync, readFileSync, readSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { SEGMENT_FILE } from './journal-source.js';

/*
 * A journal directory on disk, apart from the writing: its id file, the segments it holds, and
 * putting the active segment back when the directory was removed under a running writer.
 */

/** The directory's journal id (journal-id), made on its first use. */
export function readOrCreateId(dir: string): string {
  const file = join(dir, 'journal-id');
  try {
    const id = readFileSync(file, 'utf8').trim();
    if (id) return id;
  } catch {
    // first use of this directory
  }
  const id = `jnl_${randomBytes(8).toString('hex')}`;
  writeId(dir, id);
  return id;
}

export function writeId(dir: string, id: string): void {
  writeFileSync(join(dir, 'journal-id'), `${id}\n`);
}

/** Sizes of the segment files in `dir`, by sequence number. */
export function segmentSizes(dir: string): Map<number, number> {
  const sizes = new Map<number, number>();
  for (const name of readdirSync(dir)) {
    const m = SEGMENT_FILE.exec(name);
    if (m) sizes.set(Number(m[1]), statSync(join(dir, name)).size);
  }
  return sizes;
}

/**
 * Copies the first `size` bytes of the open segment `fd` (whose file was removed) into a new
 * file at `path`; returns the new descriptor (`fd` is closed) and how many bytes it holds.
 */
export function copySegmentBack(fd: number, size: number, path: string): { fd: number; size: number } {
  const bytes = Buffer.allocUnsafe(size);
  let at = 0;
  while (at < bytes.length) {
    const n = readSync(fd, bytes, at, bytes.length - at, at);
    if (n === 0) break;
    at += n;
  }
  const copy = openSync(path, 'w+');
  try {
    let written = 0;
    while (written < at) written += writeSync(copy, bytes, written, at - written);
  } catch (err) {
    closeSync(copy);
    throw err;
  }
  closeSync(fd);
  return { fd: copy, size: at };
}
