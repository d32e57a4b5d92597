import { afterAll, describe, expect, it } from 'vitest';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../helpers/databases.js';
import { http } from '../helpers/http.js';
import { startReceiver, type Receiver } from '../helpers/https-receiver.js';
import { startServerProcess, type ServerProcess } from '../helpers/server-process.js';
import { until } from '../helpers/wait.js';

/** The value of one sample line (`name{labels} value`) of a Prometheus scrape, or null. */
function metricValue(text: string, sample: string): number | null {
  const line = text.split('\n').find((l) => l.startsWith(`${sample} `));
  return line === undefined ? null : Number(line.slice(sample.length + 1));
}

const UA = 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0';

describe.each(DIALECTS)('one `linkwire serve` process with every role on %s', (dialect) => {
  let db: TestDatabase | null = null;
  let receiver: Receiver | null = null;
  let server: ServerProcess | null = null;
  afterAll(async () => {
    await server?.kill('SIGKILL');
    await receiver?.close();
    await db?.drop();
  });

  it('delivers from its worker thread and shuts down cleanly on SIGTERM', async () => {
    db = await createTestDatabase(dialect);
    receiver = await startReceiver({ respond: () => ({ status: 200 }) });
    const started = await startServerProcess({ LINKWIRE_DATABASE_URL: db.url, LINKWIRE_ALLOW_PRIVATE_WEBHOOK_TARGETS: '127.0.0.1/32', LINKWIRE_LOG_LEVEL: 'info' });
    server = started;
    // The start line is logged as the listener opens; /healthz may answer before it reaches the pipe.
    await until('the start line', () => started.output().includes('worker in a worker thread') || null, 10_000);
    expect(server.output()).toContain('worker in a worker thread');
    const key = (await http(server.url, 'POST', '/api/auth/signup', { body: { email: `thread-${dialect}@example.com`, password: 'a long password' } })).json().api_key as string;
    const hook = await http(server.url, 'POST', '/api/webhooks', { token: key, body: { name: 'thread', url: receiver.url, events: ['link.clicked'] } });
    expect(hook.status, hook.text).toBe(201);
    const link = (await http(server.url, 'POST', '/api/links', { token: key, body: { url: 'https://example.com/thread' } })).json();
    for (let i = 0; i < 20; i++) expect((await http(server.url, 'GET', `/${link.slug as string}?i=${i}`, { headers: { 'user-agent': UA } })).status).toBe(302);
    // Signals cross from the redirect's thread (journal ingest → outbox) to the worker thread.
    await until('20 deliveries from the worker thread', () => receiver!.requests.length >= 20, 20_000);

    // The process's /metrics counts what its worker thread did: the clicks it ingested, the events
    // they became and the webhooks it sent, beside the redirects the main thread answered.
    const scraped = await until('the thread’s attempts in /metrics', async () => {
      const text = (await http(server!.url, 'GET', '/metrics')).text;
      return metricValue(text, 'linkwire_delivery_attempts_total{outcome="success"}') === 20 ? text : null;
    }, 10_000);
    expect(metricValue(scraped, 'linkwire_redirects_total{status="302"}')).toBe(20);
    expect(metricValue(scraped, 'linkwire_clicks_recorded_total')).toBe(20);
    expect(metricValue(scraped, 'linkwire_events_total{type="link.clicked"}')).toBe(20);
    expect(metricValue(scraped, 'linkwire_delivery_lag_seconds_count')).toBe(20);
    expect(metricValue(scraped, 'linkwire_delivery_attempt_duration_seconds_bucket{le="+Inf"}')).toBe(20);
    // Each metric once: the two threads' figures are merged, not listed twice.
    const typeLines = scraped.split('\n').filter((l) => l.startsWith('# TYPE '));
    expect(new Set(typeLines).size).toBe(typeLines.length);
    expect(typeLines).toContain('# TYPE linkwire_delivery_attempts_total counter');
    expect(typeLines).toContain('# TYPE process_cpu_user_seconds_total counter');

    const exited = new Promise<number | null>((resolve) => server!.child.once('exit', (code) => resolve(code)));
    server.child.kill('SIGTERM');
    expect(await exited).toBe(0);
    server = null;
  }, 60_000);
});
