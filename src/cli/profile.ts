import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';

/** What `linkwire login` saves: where the server is and the key to use. */
export interface Profile {
  url: string;
  api_key: string;
}

export const DEFAULT_URL = 'http://127.0.0.1:8080';

/** $XDG_CONFIG_HOME/linkwire/config.json (~/.config/linkwire/config.json by default). */
export function profilePath(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CONFIG_HOME && env.XDG_CONFIG_HOME.startsWith('/') ? env.XDG_CONFIG_HOME : join(homedir(), '.config');
  return join(base, 'linkwire', 'config.json');
}

export function readProfile(env: NodeJS.ProcessEnv = process.env): Profile | null {
  const path = profilePath(env);
  if (!existsSync(path)) return null;
  try {
    const parsed = JSON.parse(readFileSync(path, 'utf8')) as Partial<Profile>;
    return typeof parsed.api_key === 'string' && typeof parsed.url === 'string' ? { url: parsed.url, api_key: parsed.api_key } : null;
  } catch {
    return null;
  }
}

/** Writes the profile readable by its owner only (it holds an API key). */
export function writeProfile(profile: Profile, env: NodeJS.ProcessEnv = process.env): string {
  const path = profilePath(env);
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  writeFileSync(path, `${JSON.stringify(profile, null, 2)}\n`, { mode: 0o600 });
  chmodSync(path, 0o600); // an existing file keeps its old mode on write
  return path;
}

/** The server and key to use: flags, then LINKWIRE_URL / LINKWIRE_API_KEY, then the saved profile. */
export function resolveTarget(flags: { url?: string | undefined; apiKey?: string | undefined }, env: NodeJS.ProcessEnv = process.env): { url: string; apiKey: string | null } {
  const profile = readProfile(env);
  // An empty variable counts as unset. The saved key is only sent to the server it was saved for.
  const url = flags.url || env.LINKWIRE_URL || profile?.url || DEFAULT_URL;
  const apiKey = flags.apiKey || env.LINKWIRE_API_KEY || (profile && url === profile.url ? profile.api_key : null);
  return { url, apiKey: apiKey || null };
}
