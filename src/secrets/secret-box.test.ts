import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../config.js';
import { ConfigError } from '../config/config-error.js';
import { SecretBox } from './secret-box.js';

describe('the secret box', () => {
  const dirs: string[] = [];
  const tempDir = () => {
    const dir = mkdtempSync(join(tmpdir(), 'linkwire-secret-box-'));
    dirs.push(dir);
    return dir;
  };
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('seals and opens; the sealed text holds nothing of the secret and differs every time', () => {
    const box = new SecretBox({ secretKey: randomBytes(32), secretKeyFile: null });
    const secret = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';
    const a = box.seal(secret, 'usr_1');
    const b = box.seal(secret, 'usr_1');
    expect(a).not.toBe(b);
    expect(a).not.toContain(secret);
    expect(a).not.toContain(Buffer.from(secret).toString('base64url'));
    expect(box.open(a, 'usr_1')).toBe(secret);
  });

  it('refuses another context, another key and a tampered value', () => {
    const key = randomBytes(32);
    const box = new SecretBox({ secretKey: key, secretKeyFile: null });
    const sealed = box.seal('the secret', 'usr_1');
    expect(() => box.open(sealed, 'usr_2')).toThrow();
    expect(() => new SecretBox({ secretKey: randomBytes(32), secretKeyFile: null }).open(sealed, 'usr_1')).toThrow();
    const parts = sealed.split('.');
    const body = Buffer.from(parts[3]!, 'base64url');
    body[0] = body[0]! ^ 1;
    expect(() => box.open([...parts.slice(0, 3), body.toString('base64url')].join('.'), 'usr_1')).toThrow();
  });

  it('creates the key file on first use with mode 0600, and reads the same key afterwards', () => {
    const file = join(tempDir(), 'data', 'linkwire-secret.key');
    const box = new SecretBox({ secretKey: null, secretKeyFile: file });
    const sealed = box.seal('the secret', 'usr_1');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(Buffer.from(readFileSync(file, 'utf8').trim(), 'base64')).toHaveLength(32);
    // Another process (another box) over the same file opens it.
    expect(new SecretBox({ secretKey: null, secretKeyFile: file }).open(sealed, 'usr_1')).toBe('the secret');
  });

  it('says in words what to do when there is no key (PostgreSQL without LINKWIRE_SECRET_KEY) or the key file is damaged', () => {
    expect(() => new SecretBox({ secretKey: null, secretKeyFile: null }).seal('x', 'usr_1')).toThrow(/set LINKWIRE_SECRET_KEY/);
    const file = join(tempDir(), 'linkwire-secret.key');
    writeFileSync(file, 'too short\n');
    expect(() => new SecretBox({ secretKey: null, secretKeyFile: file }).seal('x', 'usr_1')).toThrow(/does not hold 32 bytes/);
  });

  it('config: LINKWIRE_SECRET_KEY as hex or base64, the key file beside SQLite only', () => {
    const key = randomBytes(32);
    expect(loadConfig({ LINKWIRE_SECRET_KEY: key.toString('hex') }).secretKey).toEqual(key);
    expect(loadConfig({ LINKWIRE_SECRET_KEY: key.toString('base64') }).secretKey).toEqual(key);
    expect(() => loadConfig({ LINKWIRE_SECRET_KEY: 'hunter2' })).toThrow(ConfigError);
    expect(() => loadConfig({ LINKWIRE_SECRET_KEY: randomBytes(16).toString('base64') })).toThrow(/32 random bytes/);
    expect(loadConfig({ LINKWIRE_DATABASE_URL: 'sqlite:/var/lib/linkwire/linkwire.db' }).secretKeyFile).toBe('/var/lib/linkwire/linkwire-secret.key');
    expect(loadConfig({ LINKWIRE_DATABASE_URL: 'postgres://db.internal/linkwire' }).secretKeyFile).toBeNull();
  });
});
