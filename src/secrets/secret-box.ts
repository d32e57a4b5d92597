import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { AppError } from '../errors.js';

/** Where the key comes from: LINKWIRE_SECRET_KEY, else a file beside the SQLite database (config.ts). */
export interface SecretKeySource {
  readonly secretKey: Buffer | null;
  readonly secretKeyFile: string | null;
}

const VERSION = 'v1';
const IV_BYTES = 12; // GCM's standard nonce size; random per seal, so a key seals far fewer than 2^32 secrets safely

/**
 * Seals secrets the database must hold but must not show (TOTP secrets) with AES-256-GCM. A sealed
 * value is `v1.<iv>.<tag>.<ciphertext>` (base64url); `context` (e.g. the user id) is authenticated
 * with it, so a sealed value copied onto another row does not open. The key is read (or, for a key
 * file, created with mode 0600) on first use, not at startup: an instance that never seals anything
 * needs no key.
 */
export class SecretBox {
  private key: Buffer | null = null;

  constructor(private readonly source: SecretKeySource) {}

  seal(plaintext: string, context: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.currentKey(), iv);
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return [VERSION, iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), body.toString('base64url')].join('.');
  }

  /** The plaintext; throws when the value was sealed with another key or for another context. */
  open(sealed: string, context: string): string {
    const [version, iv, tag, body] = sealed.split('.');
    if (version !== VERSION || iv === undefined || tag === undefined || body === undefined) throw new Error('not a sealed secret');
    const decipher = createDecipheriv('aes-256-gcm', this.currentKey(), Buffer.from(iv, 'base64url'));
    decipher.setAAD(Buffer.from(context, 'utf8'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
  }

  private currentKey(): Buffer {
    this.key ??= this.source.secretKey ?? (this.source.secretKeyFile ? keyFromFile(this.source.secretKeyFile) : null);
    if (!this.key) {
      throw new AppError(
        'INTERNAL_ERROR',
        'This Linkwire has no secret key to seal two-factor secrets with: on PostgreSQL every process must use the same key, so set LINKWIRE_SECRET_KEY ' +
          '(32 random bytes, e.g. from `openssl rand -base64 32`) in the environment of each process',
      );
    }
    return this.key;
  }
}

/** Reads the key file, or creates it (exclusively, mode 0600) when absent; two processes racing agree on the first one written. */
function keyFromFile(path: string): Buffer {
  try {
    return parseKeyFile(readFileSync(path, 'utf8'), path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  mkdirSync(dirname(path), { recursive: true });
  try {
    writeFileSync(path, `${randomBytes(32).toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  return parseKeyFile(readFileSync(path, 'utf8'), path);
}

function parseKeyFile(text: string, path: string): Buffer {
  const key = Buffer.from(text.trim(), 'base64');
  if (key.length !== 32) throw new Error(`The secret key file ${path} does not hold 32 bytes in base64; restore it from a backup (without it, two-factor secrets cannot be read)`);
  return key;
}
