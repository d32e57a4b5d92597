import { Command } from 'commander';
import { clientOf, intOption, outputOf, withJson } from './context.js';
import { cell, note, printBlock, printJson, printList, printObject, type Column } from './output.js';
import type { Delivery, QueryOf } from '../sdk/types.js';

const COLUMNS: Column<Delivery>[] = [
  { header: 'id', value: (d) => d.id },
  { header: 'type', value: (d) => d.type },
  { header: 'status', value: (d) => d.status },
  { header: 'attempts', value: (d) => d.attempts_count },
  { header: 'next_attempt_at', value: (d) => d.next_attempt_at },
  { header: 'created_at', value: (d) => d.created_at },
];

export function deliveriesCommand(): Command {
  const deliveries = new Command('deliveries').description('the delivery log');

  withJson(deliveries.command('list'))
    .description('a webhook’s deliveries, newest first')
    .requiredOption('--webhook <id>', 'the webhook')
    .option('--status <status>', 'succeeded, failed or pending')
    .option('--type <type>', 'only this event type')
    .option('--limit <n>', 'at most n (default 50)', intOption('--limit'))
    .action(async (opts: { webhook: string; status?: string; type?: string; limit?: number }, cmd: Command) => {
      const limit = opts.limit ?? 50;
      const rows: Delivery[] = [];
      const client = clientOf(cmd);
      // The server checks --status (one of its three words).
      const status = opts.status as QueryOf<'/api/webhooks/{id}/deliveries'>['status'];
      for await (const d of client.each(client.api.webhooks.deliveries(opts.webhook, { status, type: opts.type, limit: Math.min(limit, 100) }))) {
        rows.push(d);
        if (rows.length >= limit) break;
      }
      printList(rows, COLUMNS, outputOf(cmd), { data: rows });
    });

  withJson(deliveries.command('get'))
    .description('one delivery: its request (headers and body), every attempt and what the endpoint answered')
    .argument('<id>')
    .action(async (id: string, _opts: unknown, cmd: Command) => {
      const client = clientOf(cmd);
      const d = await client.call(client.api.deliveries.get(id));
      if (outputOf(cmd).json) return printJson(d);
      const { attempts, request, ...rest } = d;
      printObject(rest, outputOf(cmd));
      process.stdout.write('\n');
      printBlock(`request  POST ${cell(request.url ?? '')}`, Object.entries(request.headers).map(([k, v]) => `${k}: ${v}`).join('\n'));
      printBlock('request body', request.body);
      process.stdout.write('\n');
      printList(
        attempts,
        [
          { header: 'attempt', value: (a) => a.attempt },
          { header: 'status_code', value: (a) => a.status_code },
          { header: 'ms', value: (a) => a.response_time_ms },
          { header: 'error', value: (a) => a.error },
          { header: 'started_at', value: (a) => a.started_at },
        ],
        outputOf(cmd),
      );
      for (const a of attempts) printBlock(`attempt ${a.attempt} response body (${a.status_code ?? 'no answer'})`, a.response_body);
    });

  withJson(deliveries.command('replay'))
    .description('send a delivery again')
    .argument('<id>')
    .action(async (id: string, _opts: unknown, cmd: Command) => {
      const client = clientOf(cmd);
      const result = await client.call(client.api.deliveries.replay(id));
      if (outputOf(cmd).json) printJson(result);
      else note(`replay of ${id} queued`);
    });

  return deliveries;
}
