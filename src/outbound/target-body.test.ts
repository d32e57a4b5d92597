import { describe, expect, it } from 'vitest';
import { completeUtf8Length, DRAINED_BODY_BYTES, KEPT_BODY_BYTES, KeptBody } from './target-body.js';

describe('KeptBody', () => {
  it('keeps the first 4 KiB across chunks and says stop only past the drain limit', () => {
    const body = new KeptBody();
    const chunk = Buffer.alloc(1000, 'a');
    let reads = 0;
    while (body.add(chunk)) reads++;
    expect(reads).toBe(Math.floor(DRAINED_BODY_BYTES / 1000));
    expect(body.text()).toBe('a'.repeat(KEPT_BODY_BYTES));
  });

  it('never ends in half a character, whether the cut or the body itself split it', () => {
    const euro = Buffer.from('€'); // e2 82 ac
    const cutAtLimit = new KeptBody();
    cutAtLimit.add(Buffer.alloc(KEPT_BODY_BYTES - 1, 'x'));
    cutAtLimit.add(euro);
    expect(cutAtLimit.text()).toBe('x'.repeat(KEPT_BODY_BYTES - 1));

    const endsShort = new KeptBody();
    endsShort.add(Buffer.from('ab'));
    endsShort.add(euro.subarray(0, 2));
    expect(endsShort.text()).toBe('ab');

    const whole = new KeptBody();
    whole.add(euro.subarray(0, 1));
    whole.add(euro.subarray(1));
    expect(whole.text()).toBe('€');
  });

  it('is empty for an empty body', () => {
    expect(new KeptBody().text()).toBe('');
  });
});

describe('completeUtf8Length', () => {
  const bytes = (...b: number[]) => Uint8Array.from(b);
  it('leaves complete text alone and trims only an incomplete trailing sequence', () => {
    expect(completeUtf8Length(Buffer.from('plain'))).toBe(5);
    expect(completeUtf8Length(Buffer.from('a€'))).toBe(4);
    expect(completeUtf8Length(Buffer.from('a😀'))).toBe(5);
    expect(completeUtf8Length(Buffer.from('a😀').subarray(0, 4))).toBe(1);
    expect(completeUtf8Length(Buffer.from('aé').subarray(0, 2))).toBe(1);
    // Invalid bytes are not held back: they decode as U+FFFD like everything else invalid.
    expect(completeUtf8Length(bytes(0x61, 0xff))).toBe(2);
    expect(completeUtf8Length(bytes(0x80, 0x80, 0x80, 0x80))).toBe(4);
  });
});
