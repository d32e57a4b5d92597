/*
 * Readers of one environment variable each, for loadConfig (src/config.ts): the value, or a
 * ConfigError that names the variable and what it should be.
 */
import { isIP } from 'node:net';
import { parseTrustProxy, type TrustProxy } from '../clicks/client-ip.js';
import { ConfigError } from './config-error.js';

export function parseRootUrl(raw: string | undefined): string | null {
  if (raw === undefined || raw.trim() === '') return null;
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw new ConfigError(`LINKWIRE_ROOT_URL is not a URL: ${raw}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ConfigError('LINKWIRE_ROOT_URL must be an http(s) URL');
  return url.href;
}

/** 32 bytes as 64 hex digits or base64 (`openssl rand -base64 32`). */
export function parseSecretKey(raw: string | undefined): Buffer | null {
  const text = raw?.trim();
  if (!text) return null;
  if (/^[0-9a-fA-F]{64}$/.test(text)) return Buffer.from(text, 'hex');
  if (/^[A-Za-z0-9+/]{43}=?$/.test(text)) return Buffer.from(text, 'base64');
  throw new ConfigError('LINKWIRE_SECRET_KEY must be 32 random bytes as 64 hex digits or base64 (make one with: openssl rand -base64 32)');
}

export function parseSmtpUrl(raw: string | undefined): string | null {
  if (!raw || raw.trim() === '') return null;
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw new ConfigError('LINKWIRE_SMTP_URL is not a URL (smtp://user:pass@host:port or smtps://…)');
  }
  if (url.protocol !== 'smtp:' && url.protocol !== 'smtps:') throw new ConfigError('LINKWIRE_SMTP_URL must start with smtp:// or smtps://');
  if (!url.hostname) throw new ConfigError('LINKWIRE_SMTP_URL names no host');
  return url.toString();
}

export function parseInteger(raw: string | undefined, fallback: number, name: string, min: number, max: number): number {
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw)) throw new ConfigError(`${name} must be an integer, got "${raw}"`);
  const value = Number(raw);
  if (value < min || value > max) throw new ConfigError(`${name} must be between ${min} and ${max}`);
  return value;
}

export function parseBoolean(raw: string | undefined, name: string): boolean {
  if (raw === undefined || raw === '') return false;
  if (/^(1|true|yes|on)$/i.test(raw)) return true;
  if (/^(0|false|no|off)$/i.test(raw)) return false;
  throw new ConfigError(`${name} must be a boolean, got "${raw}"`);
}

export function parseTrustProxySetting(raw: string | undefined): TrustProxy {
  try {
    return parseTrustProxy(raw);
  } catch (err) {
    throw new ConfigError(`LINKWIRE_TRUST_PROXY must be a hop count (true/1 = one proxy) or a CIDR list of your proxies: ${(err as Error).message}`);
  }
}

export function parseDnsServer(raw: string | undefined): { host: string; port: number } | null {
  if (!raw) return null;
  const text = raw.trim();
  const match = /^\[([0-9a-fA-F:.]+)\](?::(\d+))?$/.exec(text) ?? /^([0-9.]+)(?::(\d+))?$/.exec(text) ?? /^([0-9a-fA-F:]+)()$/.exec(text);
  if (!match?.[1] || isIP(match[1]) === 0) throw new ConfigError(`LINKWIRE_DNS_SERVER must be ip:port, got "${raw}"`);
  const port = match[2] ? Number(match[2]) : 53;
  if (port < 1 || port > 65535) throw new ConfigError('LINKWIRE_DNS_SERVER port out of range');
  return { host: match[1], port };
}

export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '');
  if (host === 'localhost' || host === '::1') return true;
  return isIP(host) === 4 && host.startsWith('127.');
}
