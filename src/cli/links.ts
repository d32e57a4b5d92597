import { createWriteStream, readFileSync } from 'node:fs';
import { Command } from 'commander';
import { clientOf, collect, intOption, outputOf, UsageError, withJson } from './context.js';
import { ApiError } from './client.js';
import { cell, escapeControls, note, printJson, printList, printObject, type Column } from './output.js';
import { csvLine, parseCsvTable } from '../csv/csv.js';
import { LINK_CSV_EXPORT, LINK_CSV_IMPORT_EXTRA, LINK_CSV_READ_ONLY, LINK_CSV_WRITABLE, TAG_SEPARATOR } from '../links/link-csv.js';
import type { Link as ApiLink, BodyOf } from '../sdk/types.js';

/** A link as the API answers it (the SDK's generated type); CSV export reads its fields by name. */
export type Link = ApiLink & Record<string, unknown>;
type NewLink = BodyOf<'/api/links', 'post'>;
type LinkChange = BodyOf<'/api/links/{id}', 'patch'>;

const COLUMNS: Column<Link>[] = [
  { header: 'id', value: (l) => l.id },
  { header: 'short_url', value: (l) => l.short_url },
  { header: 'url', value: (l) => l.url },
  { header: 'clicks', value: (l) => l.clicks },
  { header: 'tags', value: (l) => l.tags },
  { header: 'created_at', value: (l) => l.created_at },
];

/** The columns import reads (src/links/link-csv.ts: the dashboard's import reads the same). */
const IMPORT_FIELDS: readonly string[] = [...LINK_CSV_WRITABLE, ...LINK_CSV_IMPORT_EXTRA];
const READ_ONLY_FIELDS: readonly string[] = LINK_CSV_READ_ONLY;
const BULK_SIZE = 500;

interface LinkFlags {
  slug?: string;
  domain?: string;
  title?: string;
  tag?: string[];
  expiresAt?: string;
  maxClicks?: number;
  url?: string;
}

function linkBody(flags: LinkFlags): LinkChange {
  const body: LinkChange = {};
  if (flags.url !== undefined) body.url = flags.url;
  if (flags.slug !== undefined) body.slug = flags.slug;
  if (flags.domain !== undefined) body.domain = flags.domain;
  if (flags.title !== undefined) body.title = flags.title;
  if (flags.tag !== undefined) body.tags = flags.tag;
  if (flags.expiresAt !== undefined) body.expires_at = flags.expiresAt;
  if (flags.maxClicks !== undefined) body.max_clicks = flags.maxClicks;
  return body;
}

function linkOptions(cmd: Command): Command {
  return cmd
    .option('--slug <slug>', 'the short path')
    .option('--domain <hostname>', 'a verified custom domain')
    .option('--title <title>', 'a title')
    .option('--tag <tag>', 'a tag (repeat, or comma-separate)', collect)
    .option('--expires-at <iso>', 'expiry date-time (ISO-8601)')
    .option('--max-clicks <n>', 'stop redirecting after n clicks', intOption('--max-clicks'));
}

export function linksCommand(): Command {
  const links = new Command('links').description('short links');

  withJson(links.command('list'))
    .description('list links (newest first)')
    .option('--search <text>', 'match slug, URL or title')
    .option('--tag <tag>', 'only links with this tag')
    .option('--domain <hostname>', 'only links on this domain')
    .option('--limit <n>', 'at most n links (default: all)', intOption('--limit'))
    .action(async (opts: { search?: string; tag?: string; domain?: string; limit?: number }, cmd: Command) => {
      const client = clientOf(cmd);
      const rows: Link[] = [];
      for await (const link of client.each(client.api.links.list({ search: opts.search, tag: opts.tag, domain: opts.domain, limit: Math.min(opts.limit ?? 100, 100) }))) {
        rows.push(link);
        if (opts.limit !== undefined && rows.length >= opts.limit) break;
      }
      printList(rows, COLUMNS, outputOf(cmd), { data: rows });
    });

  withJson(links.command('get'))
    .description('show one link')
    .argument('<id>', 'link id')
    .action(async (id: string, _opts: unknown, cmd: Command) => {
      const client = clientOf(cmd);
      printObject(await client.call(client.api.links.get(id)), outputOf(cmd));
    });

  linkOptions(withJson(links.command('create')))
    .description('create a short link')
    .argument('<url>', 'destination URL')
    .action(async (url: string, opts: LinkFlags, cmd: Command) => {
      const client = clientOf(cmd);
      const link = await client.call(client.api.links.create({ ...linkBody(opts), url }));
      if (outputOf(cmd).json) printJson(link);
      else process.stdout.write(`${link.short_url}\n`);
    });

  linkOptions(withJson(links.command('update')))
    .description('change a link')
    .argument('<id>', 'link id')
    .option('--url <url>', 'new destination URL')
    .action(async (id: string, opts: LinkFlags, cmd: Command) => {
      const body = linkBody(opts);
      if (Object.keys(body).length === 0) throw new UsageError('nothing to change: pass at least one of --url, --slug, --title, --tag, --expires-at, --max-clicks');
      const client = clientOf(cmd);
      printObject(await client.call(client.api.links.update(id, body)), outputOf(cmd));
    });

  withJson(links.command('delete'))
    .description('delete a link')
    .argument('<id>', 'link id')
    .action(async (id: string, _opts: unknown, cmd: Command) => {
      const client = clientOf(cmd);
      await client.call(client.api.links.delete(id));
      if (outputOf(cmd).json) printJson({ id, deleted: true });
      else note(`deleted ${id}`);
    });

  withJson(links.command('import'))
    .description(`create links from a CSV file with a header row (columns: ${IMPORT_FIELDS.join(', ')}; only url is required; tags separated by "${TAG_SEPARATOR}"; an export imports as is). Good rows are imported; each bad row is reported with its row number (the header is row 1), and the exit code is 1 if any was not imported`)
    .argument('<file.csv>', 'the CSV file ("-" for stdin)')
    .action(async (file: string, _opts: unknown, cmd: Command) => {
      const client = clientOf(cmd);
      const text = file === '-' ? await readStdin() : readText(file);
      const { header, rows } = parseCsvTable(text);
      if (!header.includes('url')) throw new UsageError(`${file}: the header row needs a "url" column (found: ${header.join(', ') || 'nothing'})`);
      const unknown = header.filter((h) => !IMPORT_FIELDS.includes(h) && !READ_ONLY_FIELDS.includes(h));
      if (unknown.length) throw new UsageError(`${file}: unknown columns ${unknown.join(', ')} (known: ${IMPORT_FIELDS.join(', ')})`);
      const failed: RowProblem[] = [];
      const pending: { row: number; body: NewLink }[] = [];
      rows.forEach((r, i) => {
        const row = i + 2;
        const parsed = csvRowToLink(header, r);
        if (typeof parsed === 'string') failed.push({ row, message: parsed });
        else pending.push({ row, body: parsed });
      });
      const imported: { row: number; link: Link }[] = [];
      const report = () => {
        for (const f of failed.sort((a, b) => a.row - b.row)) note(`${file} row ${f.row}: ${escapeControls(f.message)}`);
        const notImported = failed.length ? `; not imported: ${failed.length} (row${failed.length === 1 ? '' : 's'} ${failed.map((f) => f.row).join(', ')})` : '';
        note(`imported ${imported.length} of ${rows.length} row${rows.length === 1 ? '' : 's'}${notImported}`);
      };
      try {
        for (let i = 0; i < pending.length; i += BULK_SIZE) {
          const chunk = pending.slice(i, i + BULK_SIZE);
          try {
            const created = await client.call(client.api.links.createMany(chunk.map((c) => c.body)));
            created.forEach((link, j) => imported.push({ row: chunk[j]!.row, link }));
          } catch (err) {
            if (!isRowError(err)) throw err;
            // A batch is all or nothing: find its bad rows one by one, so every good row still lands.
            for (const item of chunk) {
              try {
                imported.push({ row: item.row, link: await client.call(client.api.links.create(item.body)) });
              } catch (rowErr) {
                if (!isRowError(rowErr)) throw rowErr;
                failed.push({ row: item.row, message: rowErr.message });
              }
            }
          }
          note(`imported ${imported.length}/${rows.length}`);
        }
      } catch (err) {
        // The server is gone or refuses the key: say what did land before the error.
        report();
        const rest = pending.filter((p) => !imported.some((m) => m.row === p.row) && !failed.some((f) => f.row === p.row)).map((p) => p.row);
        if (rest.length) note(`not attempted: rows ${rest[0]}–${rest[rest.length - 1]}`);
        throw err;
      }
      report();
      if (failed.length) process.exitCode = 1;
      if (outputOf(cmd).json) printJson({ data: imported.map((m) => m.link), errors: failed.map((f) => ({ row: f.row, message: f.message })) });
      else printList(imported, [{ header: 'row', value: (m) => m.row }, ...COLUMNS.slice(0, 3).map((c) => ({ header: c.header, value: (m: { link: Link }) => c.value(m.link) }))], outputOf(cmd));
    });

  withJson(links.command('export'))
    .description('write every link as CSV (same columns as import, plus id, short_url, clicks, created_at)')
    .option('-o, --output <file>', 'write to a file instead of stdout')
    .action(async (opts: { output?: string }, cmd: Command) => {
      const client = clientOf(cmd);
      const out = opts.output ? createWriteStream(opts.output) : process.stdout;
      const json = outputOf(cmd).json;
      const fields = LINK_CSV_EXPORT;
      if (!json) out.write(csvLine(fields));
      let n = 0;
      for await (const link of client.each(client.api.links.list({ limit: 100 }))) {
        out.write(json ? `${JSON.stringify(link)}\n` : csvLine(fields.map((f) => exportCell(link, f))));
        if (++n % 500 === 0) note(`exported ${n}`);
      }
      if (opts.output) await new Promise<void>((resolve, reject) => (out as ReturnType<typeof createWriteStream>).end((err?: Error | null) => (err ? reject(err) : resolve())));
      note(`exported ${n} link${n === 1 ? '' : 's'}${opts.output ? ` to ${opts.output}` : ''}`);
    });

  return links;
}

function exportCell(link: Link, field: string): string {
  const value = link[field];
  if (field === 'tags') return (value as string[]).join(TAG_SEPARATOR);
  return cell(value);
}

interface RowProblem {
  row: number;
  message: string;
}

/** A refusal of this row's content (fix the row), not of the whole call (key, server, limits). */
function isRowError(err: unknown): err is ApiError {
  return err instanceof ApiError && (err.status === 400 || err.status === 409 || err.status === 422);
}

/** A row as a link body, or what is wrong with it in words. */
function csvRowToLink(header: string[], row: string[]): NewLink | string {
  const body: Record<string, unknown> = {};
  let problem: string | null = null;
  header.forEach((name, i) => {
    const value = (row[i] ?? '').trim();
    if (value === '' || READ_ONLY_FIELDS.includes(name)) return;
    if (name === 'tags') body.tags = value.split(TAG_SEPARATOR).map((t) => t.trim()).filter(Boolean);
    else if (name === 'max_clicks') {
      if (!/^\d+$/.test(value)) problem ??= `max_clicks must be a whole number, got "${value}"`;
      body.max_clicks = Number(value);
    } else body[name] = value;
  });
  if (problem) return problem;
  if (!body.url) return 'url is empty';
  // The server checks every field; a row only has to name its columns.
  return body as NewLink;
}

function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}
