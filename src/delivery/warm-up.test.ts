import { describe, expect, it } from 'vitest';
import { PAYLOAD_VERSIONS } from '../events/payload-versions.js';
import { WARMED_FORMATS, warmDeliveryRendering } from './warm-up.js';

describe('the worker warm-up', () => {
  it('renders and signs the sample click in every format and payload version, each round', () => {
    expect(WARMED_FORMATS).toEqual(expect.arrayContaining(['standard', 'slack', 'discord', 'awsys', 'nobsredir', 'linkzly', 'snip', 'linkly']));
    const { built } = warmDeliveryRendering(3);
    expect(built).toBe(3 * WARMED_FORMATS.length * PAYLOAD_VERSIONS.length);
  });
});
