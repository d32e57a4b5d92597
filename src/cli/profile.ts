import { closeSync, constants, existsSync, fsyncSync, lstatSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
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

export class ProfileError extends Error {
  override name = 'ProfileError';
}

/**
 * Writes the profile readable by its owner only (it holds an API key): a new file, created 0600
 * (never a moment readable by others), written in full, then renamed over the old one, so a
 * reader sees the old profile or the new one, never half of it, and a hard link to the old file
 * keeps the old content. A symlink in its place is refused, not followed: it could point the key
 * anywhere.
 */
export function writeProfile(profile: Profile, env: NodeJS.ProcessEnv = process.env): string {
  const path = profilePath(env);
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  if (lstatOrNull(path)?.isSymbolicLink()) throw new ProfileError(`${path} is a symbolic link; refusing to write an API key through it (remove it, then log in again)`);
  const temporary = `${path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  // O_EXCL: a fresh file (never one planted there); O_NOFOLLOW: never through a link.
  const fd = openSync(temporary, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
  try {
    try {
      writeSync(fd, `${JSON.stringify(profile, null, 2)}\n`);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temporary, path);
  } catch (err) {
    rmSync(temporary, { force: true });
    throw err;
  }
  return path;
}

function lstatOrNull(path: string) {
  try {
    return lstatSync(path);
  } catch {
    return null;
  }
}

/** The server and key to use: flags, then LINKWIRE_URL / LINKWIRE_API_KEY, then the saved profile. */
export function resolveTarget(flags: { url?: string | undefined; apiKey?: string | undefined }, env: NodeJS.ProcessEnv = process.env): { url: string; apiKey: string | null } {
  const profile = readProfile(env);
  // An empty variable counts as unset. The saved key is only sent to the server it was saved for.
  const url = flags.url || env.LINKWIRE_URL || profile?.url || DEFAULT_URL;
  const apiKey = flags.apiKey || env.LINKWIRE_API_KEY || (profile && url === profile.url ? profile.api_key : null);
  return { url, apiKey: apiKey || null };
}
