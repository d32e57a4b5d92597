import type { Command } from 'commander';
import { ApiClient } from './client.js';
import type { OutputOptions } from './output.js';
import { resolveTarget } from './profile.js';

/** A mistake in how the command was called (exit code 2). */
export class UsageError extends Error {
  override name = 'UsageError';
}

export interface GlobalFlags {
  url?: string;
  apiKey?: string;
  json?: boolean;
}

export function flagsOf(cmd: Command): GlobalFlags {
  return cmd.optsWithGlobals<GlobalFlags>();
}

export function outputOf(cmd: Command): OutputOptions {
  return { json: flagsOf(cmd).json === true };
}

/** The API client for this invocation; an API command without any key is a usage error. */
export function clientOf(cmd: Command, needKey = true): ApiClient {
  const flags = flagsOf(cmd);
  const target = resolveTarget({ url: flags.url, apiKey: flags.apiKey });
  if (needKey && !target.apiKey) throw new UsageError('no API key: set LINKWIRE_API_KEY, pass --api-key, or run `linkwire login`');
  return new ApiClient(target);
}

/** `--json` on every leaf command (it may also come before the command). */
export function withJson(cmd: Command): Command {
  return cmd.option('--json', 'print JSON (the API’s own shapes) instead of tables');
}

/** Parses a positive integer option. */
export function intOption(name: string) {
  return (value: string): number => {
    if (!/^\d+$/.test(value)) throw new UsageError(`${name} must be a whole number, got "${value}"`);
    return Number(value);
  };
}

export const commaList = (value: string): string[] => value.split(',').map((s) => s.trim()).filter(Boolean);

/** Repeatable option collector (`--tag a --tag b`). */
export const collect = (value: string, previous: string[] = []): string[] => [...previous, ...commaList(value)];
