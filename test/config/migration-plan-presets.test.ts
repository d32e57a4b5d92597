import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { fencedBlock, guide, type Service } from '../helpers/migration-guides.js';

/*
 * Each migration guide's LINKWIRE_PLANS preset is taken from the guide and loaded as the process
 * would load it, with the default plan the guide names: a preset that does not start the server fails here.
 */

const expected: Record<Service, Record<string, number | null>> = {
  awsys: { free: 0, pro: 5, builder: 10 },
  nobsredir: { free: 0, pro: 3, team: 10, agency: 25 },
  linkzly: { free: 0, pro: null },
  snip: { free: 0, pro: null, enterprise: null },
  linkly: { free: null },
};

describe('the LINKWIRE_PLANS presets of docs/migrating/', () => {
  it.each(Object.keys(expected) as Service[])('%s: the preset loads with the default plan the guide names, with that service’s limits', (service) => {
    const markdown = guide(service);
    const preset = JSON.stringify(JSON.parse(fencedBlock(markdown, 'json plans')));
    const defaultPlan = /LINKWIRE_DEFAULT_PLAN=([a-z0-9_-]+)/.exec(markdown)![1]!;
    const config = loadConfig({ LINKWIRE_PLANS: preset, LINKWIRE_DEFAULT_PLAN: defaultPlan });
    expect(Object.fromEntries(config.plans.map((p) => [p.name, p.webhooks]))).toEqual(expected[service]);
    expect(config.defaultPlan).toBe(defaultPlan);
  });
});
