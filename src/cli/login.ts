import { hostname } from 'node:os';
import { Command } from 'commander';
import { ApiClient, ApiError } from './client.js';
import { flagsOf, outputOf, UsageError, withJson } from './context.js';
import { note, printJson } from './output.js';
import { DEFAULT_URL, profilePath, readProfile, writeProfile } from './profile.js';

/** `linkwire login`: saves the server URL and an API key (given, or made with email and password). */
export function loginCommand(): Command {
  return withJson(new Command('login'))
    .description(`save a server and API key for later commands (${profilePath()}, mode 0600)`)
    .option('--api-key <key>', 'an existing API key')
    .option('--email <email>', 'log in with email and password and create a key for this machine')
    .option('--password <password>', 'the password (or LINKWIRE_PASSWORD)')
    .action(async (opts: { apiKey?: string; email?: string; password?: string }, cmd: Command) => {
      const flags = flagsOf(cmd);
      const url = flags.url || process.env.LINKWIRE_URL || readProfile()?.url || DEFAULT_URL;
      let apiKey = opts.apiKey || flags.apiKey;
      if (!apiKey) {
        const password = opts.password ?? process.env.LINKWIRE_PASSWORD;
        if (!opts.email || !password) throw new UsageError('pass --api-key, or --email with --password (or LINKWIRE_PASSWORD)');
        apiKey = await keyFromPassword(url, opts.email, password);
      }
      // Prove the key works before saving it.
      const client = new ApiClient({ url, apiKey });
      const workspace = await client.call(client.api.workspace.get());
      const path = writeProfile({ url, api_key: apiKey });
      if (outputOf(cmd).json) printJson({ url, workspace_id: workspace.id, workspace_name: workspace.name, profile: path });
      else note(`logged in to ${url} as workspace "${workspace.name}" (${workspace.id}); saved to ${path}`);
    });
}

async function keyFromPassword(url: string, email: string, password: string): Promise<string> {
  const anonymous = new ApiClient({ url, apiKey: null });
  const res = await anonymous.raw('POST', '/api/auth/login', { email, password });
  if (!res.ok) {
    const body = (await res.json().catch(() => null)) as { error?: { code?: string; message?: string } } | null;
    throw new ApiError(res.status, body?.error?.code ?? `HTTP_${res.status}`, body?.error?.message ?? `login answered ${res.status}`);
  }
  const cookie = res.headers
    .getSetCookie()
    .map((c) => c.split(';')[0]!)
    .join('; ');
  // The server refuses cookie-authenticated writes that a browser could have sent cross-site; a
  // request the user started themselves says so the way a browser would (Sec-Fetch-Site: none).
  const session = new ApiClient({ url, apiKey: null, headers: { cookie, 'sec-fetch-site': 'none' } });
  const created = await session.call(session.api.apiKeys.create({ name: `linkwire CLI on ${hostname()}` }));
  await session.raw('POST', '/api/auth/logout').catch(() => undefined);
  return created.key;
}
