import { Command } from 'commander';
import { clientOf, commaList, intOption, outputOf, withJson } from './context.js';
import { cell, escapeControls, note, paint, printJsonLine, printList, type Column } from './output.js';
import { followSse, type SseMessage } from './sse.js';
import type { ApiClient } from './client.js';
import type { WebhookEvent } from '../sdk/types.js';

/** An event as the API answers it: the SDK's generated type. */
type Envelope = WebhookEvent;

const COLUMNS: Column<Envelope>[] = [
  { header: 'id', value: (e) => e.id },
  { header: 'type', value: (e) => e.type },
  { header: 'timestamp', value: (e) => e.timestamp },
  { header: 'about', value: (e) => summary(e) },
];

/** A few words on what an event is about, for one-line output. */
function summary(e: { data: object }): string {
  const data = e.data as Record<string, unknown>;
  const link = data.link as { short_url?: string } | undefined;
  if (link?.short_url) return link.short_url;
  const webhook = data.webhook as { url?: string } | undefined;
  if (webhook?.url) return webhook.url;
  const domain = data.domain as { hostname?: string } | undefined;
  if (domain?.hostname) return domain.hostname;
  return '';
}

/** Follows /api/events/stream until Ctrl-C, reconnecting with Last-Event-ID. */
export async function followEvents(
  client: ApiClient,
  options: { types: string[] | null; lastEventId?: string | null; onMessage: (m: SseMessage) => void | Promise<void>; onFirstConnect?: () => void },
): Promise<void> {
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  const url = new URL(`${client.baseUrl}/api/events/stream`);
  if (options.types) url.searchParams.set('types', options.types.join(','));
  let announced = false;
  try {
    await followSse({
      url: url.toString(),
      headers: client.authHeaders(),
      lastEventId: options.lastEventId ?? null,
      signal: controller.signal,
      onMessage: options.onMessage,
      onConnect: () => {
        if (announced) note(paint('dim', 'reconnected', process.stderr));
        else options.onFirstConnect?.();
        announced = true;
      },
      onDisconnect: (err) => note(paint('yellow', `stream interrupted (${(err as Error).message}); reconnecting…`, process.stderr)),
    });
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}

export function eventsCommand(): Command {
  const events = new Command('events').description('the event log and the live stream');

  withJson(events.command('list'))
    .description('recent events (30 days), newest first')
    .option('--type <type>', 'only this type')
    .option('--since <iso>', 'only events after this date-time')
    .option('--limit <n>', 'at most n (default 50)', intOption('--limit'))
    .action(async (opts: { type?: string; since?: string; limit?: number }, cmd: Command) => {
      const limit = opts.limit ?? 50;
      const rows: Envelope[] = [];
      const client = clientOf(cmd);
      for await (const e of client.each(client.api.events.list({ type: opts.type, since: opts.since, limit: Math.min(limit, 100) }))) {
        rows.push(e);
        if (rows.length >= limit) break;
      }
      printList(rows, COLUMNS, outputOf(cmd), { data: rows });
    });

  withJson(events.command('tail'))
    .description('print new events as they happen (Ctrl-C to stop)')
    .option('--types <types>', 'comma list of event types (and/or delivery.attempted)', commaList)
    .option('--since-id <event id>', 'start after this event (resume)')
    .action(async (opts: { types?: string[]; sinceId?: string }, cmd: Command) => {
      const json = outputOf(cmd).json;
      await followEvents(clientOf(cmd), {
        types: opts.types ?? null,
        lastEventId: opts.sinceId ?? null,
        onMessage: (m) => {
          const body = JSON.parse(m.data) as Envelope & Record<string, unknown>;
          if (json) return printJsonLine(m.event === 'delivery.attempted' ? { event: m.event, ...body } : body);
          if (m.event === 'delivery.attempted') {
            const ok = body.status === 'succeeded';
            process.stdout.write(`${paint('dim', new Date().toISOString())}  ${paint(ok ? 'green' : 'red', 'delivery')}  ${cell(body.delivery_id)}  ${cell(body.status_code ?? body.error)}\n`);
          } else {
            process.stdout.write(`${paint('dim', cell(body.timestamp))}  ${paint('cyan', cell(body.type))}  ${cell(body.id)}  ${escapeControls(summary(body))}\n`);
          }
        },
      });
    });

  return events;
}
