import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../helpers/databases.js';
import { http } from '../helpers/http.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

const PASSWORD = 'correct horse battery';

describe.each(DIALECTS)('login lockout per (account, address) and per account on %s (issue 21 item 7)', (dialect) => {
  let t: TestApp;
  let ipCounter = 0;
  const freshIp = () => `198.51.100.${++ipCounter}`;
  const login = (email: string, password: string, ip: string) =>
    http(t.url, 'POST', '/api/auth/login', { body: { email, password }, headers: { 'x-forwarded-for': ip, 'user-agent': 'TestAgent/1.0' } });

  beforeAll(async () => {
    t = await startTestApp(dialect, { config: { trustProxy: { kind: 'hops', hops: 1 } } });
  });
  afterAll(async () => t?.close());

  it("colleagues' typos behind one office NAT never lock out someone who has not failed", async () => {
    const office = freshIp();
    const people = [];
    for (let i = 0; i < 3; i++) people.push(await t.signup());
    // Two people mistype five times each: ten failures from one address.
    for (const person of people.slice(0, 2)) for (let i = 0; i < 5; i++) expect((await login(person.email, `mistyped-${i}`, office)).status).toBe(401);
    const colleague = await login(people[2]!.email, PASSWORD, office);
    expect(colleague.status, colleague.text).toBe(200);
    // The one who failed five times is held back at this address, not elsewhere.
    const held = await login(people[0]!.email, PASSWORD, office);
    expect(held.status).toBe(429);
    expect(Number(held.headers['retry-after'])).toBeGreaterThan(0);
    expect((await login(people[0]!.email, PASSWORD, freshIp())).status).toBe(200);
  });

  it('an account brute-forced from many addresses refuses the addresses that failed; its owner from a fresh one gets in', async () => {
    const owner = await t.signup();
    const attackers = Array.from({ length: 10 }, freshIp);
    // Two guesses from each of ten addresses, in parallel (each address within its own limit of 5).
    const first = await Promise.all(attackers.flatMap((ip) => [login(owner.email, `a-${ip}`, ip), login(owner.email, `b-${ip}`, ip)]));
    expect(first.map((r) => r.status)).toEqual(Array(20).fill(401));
    // 20 account-wide failures: a third guess from any of those addresses is refused unchecked.
    const third = await Promise.all(attackers.map((ip) => login(owner.email, PASSWORD, ip)));
    expect(third.map((r) => r.status)).toEqual(Array(10).fill(429));
    const events = (await t.api('GET', '/api/events?type=security.login_failed&limit=100', undefined, owner.key)).json().data;
    expect(events).toHaveLength(20);
    const home = await login(owner.email, PASSWORD, freshIp());
    expect(home.status).toBe(200);
  });
});
