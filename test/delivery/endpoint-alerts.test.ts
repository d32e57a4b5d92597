import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCidr } from '../../src/net/cidr.js';
import { DIALECTS } from '../helpers/databases.js';
import { startReceiver, type Receiver } from '../helpers/https-receiver.js';
import { SmtpReceiver } from '../helpers/smtp-receiver.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { until } from '../helpers/wait.js';

/** Owners and admins hear of a failing endpoint at 5, 10 and 15 failures in a row and when it is switched off. */
describe.each(DIALECTS)('failing-endpoint alerts by mail on %s', (dialect) => {
  let t: TestApp;
  let receiver: Receiver;
  const smtp = new SmtpReceiver();
  let n = 0;

  beforeAll(async () => {
    receiver = await startReceiver();
    await smtp.start();
    t = await startTestApp(dialect, { config: { smtpUrl: smtp.url, allowPrivateWebhookTargets: [parseCidr('127.0.0.1/32')] }, mailOptions: { pollMs: 100 } });
  });
  afterAll(async () => {
    await t?.close();
    await receiver?.close();
    await smtp.stop();
  });

  /** A workspace with an owner, an admin and a viewer, and a webhook (no retries) to `path` on the receiver. */
  async function setUp(path: string) {
    const owner = await t.signup(`owner-${dialect}-${++n}@alerts.test`);
    const admin = await t.signup(`admin-${dialect}-${n}@alerts.test`);
    const viewer = await t.signup(`viewer-${dialect}-${n}@alerts.test`);
    await t.api('POST', '/api/workspace/members', { email: admin.email, role: 'admin' }, owner.key);
    await t.api('POST', '/api/workspace/members', { email: viewer.email, role: 'viewer' }, owner.key);
    const hook = await t.api('POST', '/api/webhooks', { name: `Failing ${n}`, url: receiver.urlFor('127.0.0.1', path), events: ['link.created'], retry: { mode: 'none' } }, owner.key);
    expect(hook.status, hook.text).toBe(201);
    return { owner, admin, viewer, hookId: hook.json().id as string };
  }

  /** Creates `count` links, one at a time, each waiting for its failed attempt to be recorded. */
  async function failures(ctx: { owner: { key: string }; hookId: string }, count: number, expectedStreak: (i: number) => number) {
    for (let i = 1; i <= count; i++) {
      expect((await t.api('POST', '/api/links', { url: `https://example.com/${i}` }, ctx.owner.key)).status).toBe(201);
      await until(`failure ${i} recorded`, async () => {
        const row = await t.storage.db.selectFrom('webhooks').select('consecutive_failures').where('id', '=', ctx.hookId).executeTakeFirstOrThrow();
        return Number(row.consecutive_failures) === expectedStreak(i);
      });
    }
  }

  const alertsTo = (email: string) => smtp.to(email).filter((m) => m.subject.includes('Webhook'));
  const idle = () => until('no mail left to send', async () => (await t.storage.db.selectFrom('mail_outbox').select('id').where('status', '=', 'pending').execute()).length === 0);

  it('mails the owner and admins exactly once at the 5th failure in a row, with the last error and a link; a success re-arms it', async () => {
    receiver.setResponder((r) => (r.path.startsWith('/failing-a') ? { status: 500, body: 'broken on purpose' } : { status: 200 }));
    const ctx = await setUp('/failing-a');
    await failures(ctx, 4, (i) => i);
    await idle();
    expect(alertsTo(ctx.owner.email)).toEqual([]);

    await failures(ctx, 3, (i) => 4 + i); // the 5th, 6th and 7th
    await idle();
    const [alert, ...more] = alertsTo(ctx.owner.email);
    expect(more).toEqual([]);
    expect(alert!.subject).toBe(`Webhook "Failing ${n}" has failed 5 times in a row`);
    expect(alert!.decoded).toContain('500');
    expect(alert!.decoded).toContain(`${t.config.baseUrl}/settings/webhooks/${ctx.hookId}`);
    expect(alertsTo(ctx.admin.email)).toHaveLength(1);
    expect(alertsTo(ctx.viewer.email)).toEqual([]);

    // A success ends the streak; the next 5 failures mail again.
    receiver.setResponder((r) => (r.path.startsWith('/failing-a') ? { status: 200 } : { status: 200 }));
    await failures(ctx, 1, () => 0);
    receiver.setResponder((r) => (r.path.startsWith('/failing-a') ? { status: 503 } : { status: 200 }));
    await failures(ctx, 5, (i) => i);
    await idle();
    expect(alertsTo(ctx.owner.email)).toHaveLength(2);
  }, 120_000);

  it('mails when an endpoint is switched off, and not at all when the workspace turned alerts off', async () => {
    receiver.setResponder((r) => (r.path.startsWith('/gone') ? { status: 410 } : r.path.startsWith('/quiet') ? { status: 500 } : { status: 200 }));
    const gone = await setUp('/gone');
    expect((await t.api('POST', '/api/links', { url: 'https://example.com/gone' }, gone.owner.key)).status).toBe(201);
    const [off] = await until('the switched-off mail', () => (alertsTo(gone.owner.email).length ? alertsTo(gone.owner.email) : null));
    expect(off!.subject).toBe(`Webhook "Failing ${n}" was switched off`);
    expect(off!.decoded).toContain('410');

    const quiet = await setUp('/quiet');
    const patched = await t.api('PATCH', '/api/workspace', { settings: { endpoint_alerts: false } }, quiet.owner.key);
    expect(patched.json().settings.endpoint_alerts).toBe(false);
    await failures(quiet, 5, (i) => i);
    await idle();
    expect(alertsTo(quiet.owner.email)).toEqual([]);
    expect(await t.storage.db.selectFrom('mail_outbox').select('id').where('workspace_id', '=', quiet.owner.workspaceId).where('kind', '=', 'endpoint_failing').execute()).toEqual([]);
  }, 120_000);
});
