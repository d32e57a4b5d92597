import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../helpers/databases.js';
import { http } from '../helpers/http.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

const BROWSER = 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0';

/**
 * Conversions (SPEC §3b, docs/conversions.md) as a shop sees them: the visitor lands with
 * `lw_click_id`, the shop's server reports the sign-up and the sale with a key scoped to
 * `conversions:write`, and each is announced once with the click and link it is attributed to.
 */
describe.each(DIALECTS)('conversions on %s', (dialect) => {
  let t: TestApp;
  let owner: Awaited<ReturnType<TestApp['signup']>>;
  let shopKey: string;

  beforeAll(async () => {
    t = await startTestApp(dialect);
    owner = await t.signup();
    const key = await t.api('POST', '/api/workspace/api-keys', { name: 'shop server', scopes: ['conversions:write'] }, owner.key);
    expect(key.status).toBe(201);
    shopKey = key.json().key;
  });
  afterAll(async () => {
    await t?.close();
  });

  const visit = (slug: string, query = '') => http(t.url, 'GET', `/${slug}${query}`, { headers: { 'user-agent': BROWSER } });
  const track = (what: 'lead' | 'sale', body: unknown, key = shopKey) => t.api('POST', `/api/track/${what}`, body, key);
  const events = async (type: string) => (await t.api('GET', `/api/events?type=${type}&limit=100`, undefined, owner.key)).json().data as any[];

  /** A tracked link and the click id its visitor arrived with. */
  async function landing(query = ''): Promise<{ link: any; clickId: string; location: string }> {
    const link = (await t.api('POST', '/api/links', { url: 'https://shop.example/landing?ref=news#top', track_conversions: true, forward_params: true }, owner.key)).json();
    expect(link.track_conversions).toBe(true);
    const res = await visit(link.slug, query);
    expect(res.status).toBe(302);
    const location = String(res.headers.location);
    const clickId = new URL(location).searchParams.get('lw_click_id');
    expect(clickId).toMatch(/^clk_[0-9a-z]{26}$/);
    return { link, clickId: clickId!, location };
  }

  it('appends the click id the click is recorded under, and only on tracking links', async () => {
    const { link, clickId, location } = await landing('?lw_click_id=forged');
    expect(location).toBe(`https://shop.example/landing?ref=news&lw_click_id=${clickId}#top`);
    const clicked = (await events('link.clicked')).find((e) => e.data.link.id === link.id);
    expect(clicked.data.click.id).toBe(clickId);

    const plain = (await t.api('POST', '/api/links', { url: 'https://shop.example/plain' }, owner.key)).json();
    expect(plain.track_conversions).toBe(false);
    expect((await visit(plain.slug)).headers.location).toBe('https://shop.example/plain');
    // Turned on later, it applies from the next visit.
    expect((await t.api('PATCH', `/api/links/${plain.id}`, { track_conversions: true }, owner.key)).json().track_conversions).toBe(true);
    expect(String((await visit(plain.slug)).headers.location)).toMatch(/^https:\/\/shop\.example\/plain\?lw_click_id=clk_/);
  });

  it('records a lead and a sale attributed to the click and its link, the same invoice once', async () => {
    const { link, clickId } = await landing();
    const customer = `cus_${dialect}_1`;
    const lead = await track('lead', { click_id: clickId, customer_id: customer, metadata: { plan: 'trial' } });
    expect(lead.status).toBe(201);
    expect(lead.json()).toMatchObject({ customer_id: customer, event_name: 'Sign up', click_id: clickId, link_id: link.id, metadata: { plan: 'trial' } });

    const sale = await track('sale', { customer_id: customer, amount: 4900, currency: 'eur', invoice_id: `INV-${dialect}-1` });
    expect(sale.status).toBe(201);
    expect(sale.json()).toMatchObject({ amount: 4900, currency: 'EUR', link_id: link.id, click_id: clickId, lead_id: lead.json().id, event_name: 'Purchase' });
    const again = await track('sale', { customer_id: customer, amount: 4900, currency: 'EUR', invoice_id: `INV-${dialect}-1` });
    expect(again.status).toBe(200);
    expect(again.json().id).toBe(sale.json().id);
    // Concurrent retries of one invoice (a shop's webhook handler retried): still one sale.
    const racing = await Promise.all(Array.from({ length: 5 }, () => track('sale', { customer_id: customer, amount: 1000, currency: 'EUR', invoice_id: `INV-${dialect}-2` })));
    expect(racing.map((r) => r.status).sort()).toEqual([200, 200, 200, 200, 201]);
    expect(new Set(racing.map((r) => r.json().id)).size).toBe(1);
    // No invoice id: every call is a sale of its own.
    expect((await track('sale', { customer_id: customer, amount: 500, currency: 'JPY' })).status).toBe(201);

    const leads = (await events('lead.created')).filter((e) => e.data.lead.customer_id === customer);
    expect(leads).toHaveLength(1);
    expect(leads[0].data).toMatchObject({ link: { id: link.id }, click: { id: clickId }, customer: { id: customer }, lead: { id: lead.json().id } });
    const sales = (await events('sale.created')).filter((e) => e.data.sale.customer_id === customer);
    expect(sales).toHaveLength(3);
    expect(sales.find((e) => e.data.sale.id === sale.json().id).data).toMatchObject({ link: { id: link.id }, click: { id: clickId }, customer: { id: customer } });

    // Analytics: exact counts and revenue per currency, for the link and for the workspace.
    const forLink = (await t.api('GET', `/api/analytics?link_id=${link.id}`, undefined, owner.key)).json();
    expect(forLink).toMatchObject({ leads: 1, sales: 3, revenue: { EUR: 5900, JPY: 500 }, orphan_visits: null });
    const other = (await t.api('POST', '/api/links', { url: 'https://shop.example/other' }, owner.key)).json();
    expect((await t.api('GET', `/api/analytics?link_id=${other.id}`, undefined, owner.key)).json()).toMatchObject({ leads: 0, sales: 0, revenue: {} });
    const all = (await t.api('GET', '/api/analytics', undefined, owner.key)).json();
    expect(all.leads).toBeGreaterThanOrEqual(1);
    expect(all.revenue.EUR).toBeGreaterThanOrEqual(5900);
    // A range before the conversions holds none of them.
    const before = (await t.api('GET', `/api/analytics?link_id=${link.id}&from=2020-01-01&to=2020-01-02`, undefined, owner.key)).json();
    expect(before).toMatchObject({ leads: 0, sales: 0, revenue: {} });
  });

  it('refuses what it cannot attribute or read, in words, and changes nothing', async () => {
    const { clickId } = await landing();
    const unknown = await track('lead', { click_id: 'clk_00000000000000000000000000', customer_id: 'x' });
    expect(unknown.status).toBe(404);
    expect(unknown.json().error.message).toMatch(/No click clk_0+ in this workspace/);
    const noLead = await track('sale', { customer_id: 'nobody', amount: 100, currency: 'EUR' });
    expect(noLead.status).toBe(404);
    expect(noLead.json().error.message).toMatch(/No lead for customer "nobody"/);

    const customer = `cus_${dialect}_bad`;
    expect((await track('lead', { click_id: clickId, customer_id: customer })).status).toBe(201);
    const bad: [unknown, RegExp][] = [
      [{ customer_id: customer, amount: 19.99, currency: 'EUR' }, /amount/],
      [{ customer_id: customer, amount: -1, currency: 'EUR' }, /amount/],
      [{ customer_id: customer, amount: 100, currency: 'XYZ' }, /ISO 4217/],
      [{ customer_id: customer, amount: 100, currency: 'EURO' }, /currency/],
      [{ customer_id: customer, amount: 100 }, /currency/],
      [{ customer_id: customer, amount: 100, currency: 'EUR', metadata: { blob: 'x'.repeat(5000) } }, /metadata/],
    ];
    for (const [body, message] of bad) {
      const res = await track('sale', body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.json().error.message).toMatch(message);
    }
    expect((await events('sale.created')).filter((e) => e.data.sale.customer_id === customer)).toHaveLength(0);

    // Another workspace's click is not this workspace's to attribute.
    const stranger = await t.signup();
    const theirs = await track('lead', { click_id: clickId, customer_id: 'x' }, stranger.key);
    expect(theirs.status).toBe(404);

    // A key scoped to something else may not track; the conversions key may do nothing else.
    const linksKey = (await t.api('POST', '/api/workspace/api-keys', { name: 'read links', scopes: ['links:read'] }, owner.key)).json().key;
    const refused = await track('lead', { click_id: clickId, customer_id: customer }, linksKey);
    expect(refused.status).toBe(403);
    expect(refused.json().error.message).toMatch(/conversions:write/);
    expect((await t.api('GET', '/api/links', undefined, shopKey)).status).toBe(403);
  });

  it('validates alerts and keeps them with the link', async () => {
    const ok = await t.api('POST', '/api/links', { url: 'https://shop.example/a', alerts: [{ clicks: 1000, window_s: 3600 }] }, owner.key);
    expect(ok.status).toBe(201);
    expect(ok.json().alerts).toEqual([{ clicks: 1000, window_s: 3600 }]);
    const cases: [unknown, RegExp][] = [
      [[{ clicks: 0, window_s: 3600 }], /alerts\[0\]\.clicks/],
      [[{ clicks: 10, window_s: 5 }], /alerts\[0\]\.window_s/],
      [[{ clicks: 10, window_s: 100_000 }], /alerts\[0\]\.window_s/],
      [Array.from({ length: 6 }, (_, i) => ({ clicks: 10 + i, window_s: 60 })), /at most 5 alerts/],
      [[{ clicks: 10, window_s: 60 }, { clicks: 10, window_s: 60 }], /repeats/],
      [[{ clicks: 10 }], /window_s/],
    ];
    for (const [alerts, message] of cases) {
      const res = await t.api('PATCH', `/api/links/${ok.json().id}`, { alerts }, owner.key);
      expect(res.status, JSON.stringify(alerts)).toBe(400);
      expect(res.text).toMatch(message);
    }
    expect((await t.api('GET', `/api/links/${ok.json().id}`, undefined, owner.key)).json().alerts).toEqual([{ clicks: 1000, window_s: 3600 }]);
  });
});
