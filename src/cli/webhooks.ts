import { Command } from 'commander';
import { clientOf, collect, commaList, intOption, outputOf, UsageError, withJson } from './context.js';
import { note, paint, printJson, printList, printObject, type Column } from './output.js';
import type { Webhook as ApiWebhook, BodyOf, EventType } from '../sdk/types.js';

/** A webhook as the API answers it (the SDK's generated type); `secret` only when created or rotated. */
type Webhook = ApiWebhook & { secret?: string } & Record<string, unknown>;

const COLUMNS: Column<Webhook>[] = [
  { header: 'id', value: (w) => w.id },
  { header: 'name', value: (w) => w.name },
  { header: 'url', value: (w) => w.url },
  { header: 'events', value: (w) => w.events },
  { header: 'state', value: (w) => stateOf(w) },
];

/**
 * Paused (by a person, `webhooks pause`) and disabled (switched off by Linkwire after failing for
 * too long, with why) both stop deliveries, but only a disabled one needs its endpoint fixed.
 */
export function stateOf(w: Webhook): string {
  if (w.disabled_at) return `disabled${w.disabled_reason ? `: ${String(w.disabled_reason)}` : ''}`;
  return w.active ? 'active' : 'paused';
}

interface WebhookFlags {
  name?: string;
  url?: string;
  events?: string[];
  link?: string[];
  filter?: string;
  timeoutMs?: number;
  format?: string;
  payloadVersion?: string;
  noRetry?: boolean;
  retry?: boolean;
}

function webhookBody(flags: WebhookFlags): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  if (flags.name !== undefined) body.name = flags.name;
  if (flags.url !== undefined) body.url = flags.url;
  if (flags.events !== undefined) body.events = flags.events;
  if (flags.link !== undefined) body.link_ids = flags.link;
  if (flags.filter !== undefined) body.filter = flags.filter;
  if (flags.timeoutMs !== undefined) body.timeout_ms = flags.timeoutMs;
  if (flags.format !== undefined) body.format = flags.format;
  if (flags.payloadVersion !== undefined) body.payload_version = flags.payloadVersion;
  if (flags.retry === false) body.retry = { mode: 'none' };
  return body;
}

function webhookOptions(cmd: Command, eventsRequired = false): Command {
  return cmd[eventsRequired ? 'requiredOption' : 'option']('--events <types>', 'comma list of event types, or "*"', commaList)
    .option('--link <id>', 'only events about this link (repeat)', collect)
    .option('--filter <expression>', 'conditions on the payload (docs/webhook-filters.md)')
    .option('--timeout-ms <n>', '1000–30000', intOption('--timeout-ms'))
    .option('--format <format>', 'standard, slack or discord')
    .option('--payload-version <date>', 'the payload version deliveries have, e.g. 2026-12-01 (default on create: the newest; docs/events.md)')
    .option('--no-retry', 'best effort: never retry');
}

export function webhooksCommand(): Command {
  const hooks = new Command('webhooks').description('webhook endpoints');

  withJson(hooks.command('list'))
    .description('list webhooks')
    .action(async (_opts: unknown, cmd: Command) => {
      const rows: Webhook[] = [];
      const client = clientOf(cmd);
      for await (const w of client.each(client.api.webhooks.list())) rows.push(w);
      printList(rows, COLUMNS, outputOf(cmd), { data: rows });
    });

  withJson(hooks.command('get'))
    .description('show one webhook')
    .argument('<id>')
    .action(async (id: string, _opts: unknown, cmd: Command) => {
      const client = clientOf(cmd);
      printObject(await client.call(client.api.webhooks.get(id)), outputOf(cmd));
    });

  webhookOptions(withJson(hooks.command('create')), true)
    .description('subscribe an HTTPS endpoint; prints its signing secret once')
    .argument('<url>', 'the endpoint (HTTPS)')
    .option('--name <name>', 'a name (default: the URL’s host)')
    .action(async (url: string, opts: WebhookFlags, cmd: Command) => {
      const body = { name: opts.name ?? hostOf(url), ...webhookBody(opts), url };
      const client = clientOf(cmd);
      // The server checks every field (event names, retry policy): the flags only have to be well-formed.
      const hook = await client.call(client.api.webhooks.create(body as BodyOf<'/api/webhooks', 'post'>));
      if (outputOf(cmd).json) return printJson(hook);
      printObject(hook, outputOf(cmd));
      note(paint('yellow', 'The secret is shown only now: store it.', process.stderr));
    });

  webhookOptions(withJson(hooks.command('update')))
    .description('change a webhook')
    .argument('<id>')
    .option('--name <name>', 'new name')
    .option('--url <url>', 'new endpoint URL')
    .action(async (id: string, opts: WebhookFlags, cmd: Command) => {
      const body = webhookBody(opts);
      if (opts.retry === true) delete body.retry;
      if (Object.keys(body).length === 0) throw new UsageError('nothing to change: pass at least one option (see --help)');
      const client = clientOf(cmd);
      printObject(await client.call(client.api.webhooks.update(id, body as BodyOf<'/api/webhooks/{id}', 'patch'>)), outputOf(cmd));
    });

  withJson(hooks.command('delete'))
    .description('delete a webhook')
    .argument('<id>')
    .action(async (id: string, _opts: unknown, cmd: Command) => {
      const client = clientOf(cmd);
      await client.call(client.api.webhooks.delete(id));
      if (outputOf(cmd).json) printJson({ id, deleted: true });
      else note(`deleted ${id}`);
    });

  withJson(hooks.command('test'))
    .description('send a sample event now and show what the endpoint answered')
    .argument('<id>')
    .option('--type <type>', 'the sample’s event type (default link.clicked)')
    .action(async (id: string, opts: { type?: string }, cmd: Command) => {
      const client = clientOf(cmd);
      const result = await client.call(client.api.webhooks.test(id, opts.type as EventType | undefined));
      if (outputOf(cmd).json) printJson(result);
      else
        process.stdout.write(
          `${result.success ? paint('green', 'delivered') : paint('red', 'failed')}  ${result.status_code ?? '—'}  ${result.response_time_ms} ms${result.error ? `  ${result.error}` : ''}\n`,
        );
      if (!result.success) process.exitCode = 1;
    });

  for (const [name, active] of [['pause', false], ['resume', true]] as const) {
    withJson(hooks.command(name))
      .description(active ? 'turn a webhook back on' : 'pause a webhook (events meanwhile are skipped, not queued)')
      .argument('<id>')
      .action(async (id: string, _opts: unknown, cmd: Command) => {
        const client = clientOf(cmd);
        const hook = await client.call(client.api.webhooks.update(id, { active }));
        if (outputOf(cmd).json) printJson(hook);
        else note(`${id} ${active ? 'resumed' : 'paused'}`);
      });
  }

  withJson(hooks.command('rotate-secret'))
    .description('replace the signing secret; prints the new one')
    .argument('<id>')
    .option('--grace-period-s <n>', 'keep signing with the old secret too for this long', intOption('--grace-period-s'))
    .action(async (id: string, opts: { gracePeriodS?: number }, cmd: Command) => {
      const client = clientOf(cmd);
      const result = await client.call(client.api.webhooks.rotateSecret(id, opts.gracePeriodS));
      if (outputOf(cmd).json) printJson(result);
      else process.stdout.write(`${result.secret}\n`);
    });

  return hooks;
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url.slice(0, 100);
  }
}
