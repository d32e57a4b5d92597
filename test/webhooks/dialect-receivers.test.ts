import crypto from 'node:crypto';
import { runInNewContext } from 'node:vm';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCidr } from '../../src/net/cidr.js';
import { DIALECTS } from '../helpers/databases.js';
import { http } from '../helpers/http.js';
import { startReceiver, type ReceivedRequest, type Receiver } from '../helpers/https-receiver.js';
import { createLink } from '../helpers/links.js';
import { runGuideVerifiers, type DeliveryCase, type Service } from '../helpers/migration-guides.js';
import { functionSource, readSeed } from '../helpers/seeds.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { until } from '../helpers/wait.js';

/*
 * Each service's receiver, as its page describes it (header, scheme, field names), against real
 * HTTPS deliveries from a running Linkwire: the verification code of docs/migrating/<service>.md in
 * Node.js and Python (extracted from the guide at run time), snip.sa's own `verifyWebhook` loaded
 * from its page, a tampered body refused by each, and both secrets valid during a rotation's grace period.
 */

const UA = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36';

/** A copy of a received request with one character of the body changed inside a JSON string. */
function tampered(request: ReceivedRequest): ReceivedRequest {
  const body = request.rawBody.replace('https://', 'https:/x/');
  expect(body).not.toBe(request.rawBody);
  return { ...request, rawBody: body };
}

const asCase = (request: ReceivedRequest, secret: string): DeliveryCase => ({ body: request.rawBody, headers: request.headers, path: request.path, secret });

/** The guide's Node.js and Python checks agree on every case and give the expected verdicts. */
function expectGuideVerdicts(service: Service, cases: DeliveryCase[], expected: boolean[], byPath = false): void {
  const { node, python } = runGuideVerifiers(service, cases, byPath);
  expect({ node, python }).toEqual({ node: expected, python: expected });
}

describe.each(DIALECTS)('receivers written for other services, against real deliveries on %s', (dialect) => {
  let t: TestApp;
  let key: string;
  let receiver: Receiver;
  beforeAll(async () => {
    receiver = await startReceiver();
    t = await startTestApp(dialect, { config: { allowPrivateWebhookTargets: [parseCidr('127.0.0.1/32')] } });
    key = (await t.signup()).key;
  });
  afterAll(async () => {
    await t?.close();
    await receiver?.close();
  });

  const click = (slug: string) => http(t.url, 'GET', `/${slug}`, { headers: { 'user-agent': UA, referer: 'https://www.google.com/search?q=linkwire' } });
  const deliveriesTo = (path: string) => receiver.requests.filter((r) => r.path.split('?')[0] === path);
  const nthDelivery = (path: string, n: number) => until(`delivery ${n} to ${path}`, () => deliveriesTo(path)[n - 1], 20_000);
  const rotate = async (webhookId: string) => {
    const res = await t.api('POST', `/api/webhooks/${webhookId}/rotate-secret`, { grace_period_s: 3600 }, key);
    expect(res.status, res.text).toBe(200);
    return res.json().secret as string;
  };

  it('AWSYS.CO: the page’s API call, link.click in the body, X-AWSYS-Signature checked by the guide’s code', async () => {
    // The call AWSYS.CO documents: POST /api/webhooks with url and events, nothing else.
    const res = await http(t.url, 'POST', '/api/webhooks', { token: key, body: { url: receiver.urlFor('127.0.0.1', '/awsys'), events: ['link.click'] } });
    expect(res.status, res.text).toBe(201);
    expect(res.json()).toMatchObject({ format: 'awsys', events: ['link.clicked'], name: '127.0.0.1' });
    const secret = res.json().secret as string;
    const link = await createLink(t, key, { url: 'https://example.com/awsys' });
    expect((await click(link.slug)).status).toBe(302);
    const delivery = await nthDelivery('/awsys', 1);
    const event = JSON.parse(delivery.rawBody);
    expect(event).toMatchObject({ type: 'link.click', data: { link: { id: link.id, url: 'https://example.com/awsys' }, click: { browser: 'Chrome' } } });
    expect(delivery.headers['x-awsys-signature']).toMatch(/^[0-9a-f]{64}$/);
    expectGuideVerdicts('awsys', [asCase(delivery, secret), asCase(tampered(delivery), secret), asCase(delivery, `${secret}x`)], [true, false, false]);

    const next = await rotate(res.json().id);
    expect((await click(link.slug)).status).toBe(302);
    const during = await nthDelivery('/awsys', 2);
    expectGuideVerdicts('awsys', [asCase(during, secret), asCase(during, next), asCase(tampered(during), next)], [true, true, false]);
  });

  it('noBSredir: the flat link data, X-Webhook-Signature t=…,v1=… checked by the guide’s code', async () => {
    const res = await t.api('POST', '/api/webhooks', { name: 'CRM', url: receiver.urlFor('127.0.0.1', '/nobs'), events: ['link.created', 'link.deleted'], format: 'nobsredir' }, key);
    expect(res.status, res.text).toBe(201);
    const secret = res.json().secret as string;
    const link = await createLink(t, key, { url: 'https://example.com/nobs', slug: `nobs-${dialect}` });
    const delivery = await nthDelivery('/nobs', 1);
    const event = JSON.parse(delivery.rawBody);
    expect(Object.keys(event)).toEqual(['id', 'type', 'workspace_id', 'timestamp', 'data']);
    expect(event).toMatchObject({ type: 'link.created', data: { id: link.id, domain: link.domain, slug: `nobs-${dialect}`, target: 'https://example.com/nobs', short_url: link.short_url } });
    expect(Object.keys(event.data)).toEqual(['id', 'domain', 'slug', 'target', 'short_url']);
    expect(delivery.headers['x-webhook-signature']).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    expectGuideVerdicts('nobsredir', [asCase(delivery, secret), asCase(tampered(delivery), secret), asCase(delivery, `${secret}x`)], [true, false, false]);

    const next = await rotate(res.json().id);
    expect((await t.api('DELETE', `/api/links/${link.id}`, undefined, key)).status).toBe(204);
    const during = await nthDelivery('/nobs', 2);
    expect(JSON.parse(during.rawBody).type).toBe('link.deleted');
    expectGuideVerdicts('nobsredir', [asCase(during, secret), asCase(during, next), asCase(tampered(during), next)], [true, true, false]);
  });

  it('Linkzly: its names subscribe, its field names arrive, Standard Webhooks checked by the guide’s code and the standardwebhooks library', async () => {
    const res = await t.api('POST', '/api/webhooks', { url: receiver.urlFor('127.0.0.1', '/linkzly'), events: ['link.clicked', 'team.member_added', 'api.key_created'] }, key);
    expect(res.status, res.text).toBe(201);
    expect(res.json()).toMatchObject({ format: 'linkzly', events: ['link.clicked', 'member.added', 'api_key.created'] });
    const secret = res.json().secret as string;
    const link = await createLink(t, key, { url: 'https://example.com/linkzly', title: 'Amazing Product Page' });
    expect((await click(link.slug)).status).toBe(302);
    const delivery = await nthDelivery('/linkzly', 1);
    const event = JSON.parse(delivery.rawBody);
    expect(event).toMatchObject({
      event: 'link.clicked',
      data: {
        link: { id: link.id, short_url: link.short_url, original_url: 'https://example.com/linkzly', title: 'Amazing Product Page' },
        click: { user_agent: UA, referrer: 'https://www.google.com/search?q=linkwire', device: 'desktop', browser: 'Chrome' },
      },
    });
    expect(event.data).toHaveProperty('user');
    expect(() => new Webhook(secret).verify(delivery.rawBody, delivery.headers)).not.toThrow();
    expectGuideVerdicts('linkzly', [asCase(delivery, secret), asCase(tampered(delivery), secret)], [true, false]);

    const apiKey = await t.api('POST', '/api/workspace/api-keys', { name: 'zapier' }, key);
    expect(apiKey.status, apiKey.text).toBe(201);
    const keyEvent = JSON.parse((await nthDelivery('/linkzly', 2)).rawBody);
    expect(keyEvent).toMatchObject({ event: 'api.key_created', data: { api_key: { id: apiKey.json().id } } });

    const next = await rotate(res.json().id);
    expect((await click(link.slug)).status).toBe(302);
    const during = await nthDelivery('/linkzly', 3);
    expectGuideVerdicts('linkzly', [asCase(during, secret), asCase(during, next), asCase(tampered(during), next)], [true, true, false]);
  });

  it('snip.sa: the page’s own call with X-API-Key and its secret, and the page’s own verifyWebhook run verbatim', async () => {
    // snip.sa's page: axios.post(…/api/webhooks, {url, events, secret}, {headers: {'Content-Type', 'X-API-Key'}}).
    const res = await fetch(`${t.url}/api/webhooks`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-API-Key': key },
      body: JSON.stringify({ url: receiver.urlFor('127.0.0.1', '/snip'), events: ['url.clicked', 'url.created'], secret: 'your_webhook_secret' }),
    });
    const created = (await res.json()) as { id: string; format: string; events: string[]; secret: string };
    expect(res.status, JSON.stringify(created)).toBe(201);
    expect(created).toMatchObject({ format: 'snip', events: ['link.clicked', 'link.created'], secret: 'your_webhook_secret' });

    // The page's function, loaded from the page itself at run time.
    const verifyWebhook = runInNewContext(`${functionSource(readSeed('snip'), 'verifyWebhook')}\nverifyWebhook;`, { crypto, Buffer }) as (payload: unknown, signature: string, secret: string) => boolean;

    const link = await createLink(t, key, { url: 'https://example.com/snip' });
    const createdEvent = await nthDelivery('/snip', 1);
    expect(JSON.parse(createdEvent.rawBody)).toEqual({ event: 'url.created', timestamp: expect.any(String), data: { urlId: link.id, shortCode: link.slug, originalUrl: 'https://example.com/snip' } });
    expect((await click(link.slug)).status).toBe(302);
    const delivery = await nthDelivery('/snip', 2);
    // As the page's Express handler: req.body is the parsed JSON, the signature its header.
    const body = JSON.parse(delivery.rawBody);
    expect(body).toMatchObject({ event: 'url.clicked', data: { urlId: link.id, shortCode: link.slug, originalUrl: 'https://example.com/snip', click: { device: 'desktop', browser: 'Chrome', os: 'Mac OS', referrer: 'google.com' } } });
    expect(verifyWebhook(body, delivery.headers['x-snip-signature']!, 'your_webhook_secret')).toBe(true);
    expect(verifyWebhook(JSON.parse(tampered(delivery).rawBody), delivery.headers['x-snip-signature']!, 'your_webhook_secret')).toBe(false);
    expectGuideVerdicts('snip', [asCase(delivery, 'your_webhook_secret'), asCase(tampered(delivery), 'your_webhook_secret')], [true, false]);

    const next = await rotate(created.id);
    expect((await click(link.slug)).status).toBe(302);
    const during = await nthDelivery('/snip', 3);
    expectGuideVerdicts('snip', [asCase(during, 'your_webhook_secret'), asCase(during, next), asCase(tampered(during), next)], [true, true, false]);
  });

  it('Linkly: a link-level webhook gets Linkly’s click payload; the secret in its URL checked by the guide’s code', async () => {
    const link = await createLink(t, key, {
      url: 'https://example.com/landing-page',
      title: 'My Campaign Link',
      utm_source: 'newsletter',
      forward_params: true,
      rules: [{ what: 'os', matches: 'Mac OS', url: 'https://example.com/mac-landing' }],
    });
    const res = await t.api('POST', `/api/links/${link.id}/webhooks`, { url: receiver.urlFor('127.0.0.1', '/linkly?secret=s3cr3t-value'), events: ['link.clicked'], format: 'linkly' }, key);
    expect(res.status, res.text).toBe(201);
    expect(res.json()).toMatchObject({ format: 'linkly', name: '127.0.0.1', link_ids: [link.id] });
    expect((await click(`${link.slug}?utm_source=twitter`)).status).toBe(302);
    const delivery = await nthDelivery('/linkly', 1);
    const payload = JSON.parse(delivery.rawBody);
    expect(payload).toEqual({
      event: 'click',
      timestamp: expect.any(String),
      link: {
        id: link.id,
        name: 'My Campaign Link',
        url: link.url,
        full_url: link.short_url,
        domain: link.domain,
        slug: `/${link.slug}`,
        destination: expect.stringMatching(/^https:\/\/example\.com\/mac-landing/),
        workspace_id: link.workspace_id,
        enabled: true,
        cloaking: false,
        forward_params: true,
        block_bots: false,
        public_analytics: false,
        utm_source: 'newsletter',
        utm_medium: null,
        utm_campaign: null,
        og_title: null,
        og_description: null,
        rules: link.rules,
      },
      click: {
        country: null,
        is_eu_country: false,
        platform: 'desktop',
        browser_name: 'Chrome',
        referer: 'https://www.google.com/search?q=linkwire',
        isp: null,
        bot_name: null,
        destination: payload.link.destination,
        params: { utm_source: 'twitter' },
      },
    });
    expectGuideVerdicts(
      'linkly',
      [asCase(delivery, 's3cr3t-value'), { ...asCase(delivery, 's3cr3t-value'), path: '/linkly?secret=guess' }, asCase(delivery, 's3cr3t-valuf')],
      [true, false, false],
      true,
    );
  });
});
